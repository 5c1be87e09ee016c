// How a card purse call's answer goes into the journal, in one place for the engine and recovery.
// Money moved only on a verified proof (PurseResult::verified): a purchase whose MAC2 the PSAM
// refused, or a load / proof whose TAC the issuer keys could not verify, is journaled UNKNOWN
// (never OK), so it is never counted as paid nor as given back; recovery asks the card again
// (GET TRANSACTION PROOF) and only a verified proof or the card's "no such transaction" settles
// it. The UNKNOWN reason starts with the PendingTransaction JSON (what the proof query needs),
// then, after a newline, why it is not trusted. Pure functions; thread-safe.
#pragma once

#include "hc/kiosk/core/devices.hpp"
#include "hc/kiosk/journal_step.hpp"

#include <optional>
#include <string>

namespace hc::kiosk::core {

/** What a purse answer means for the money. */
enum class PurseVerdict {
    Moved, ///< Done and verified: journaled OK with the TAC
    NotMoved, ///< Declined: journaled FAILED
    Unknown, ///< lost answer, or Done without a verified proof: journaled UNKNOWN
};

/** Journals `r` on `step` and says what it means. A Done that is not verified is Unknown. */
PurseVerdict journalPurse(JournalStep& step, const PurseResult& r);

/** The UNKNOWN reason for `r`: its pending JSON, plus "\nunverified: ..." for an unverified Done.
 */
std::string purseUnknownReason(const PurseResult& r);

/** The PendingTransaction JSON at the start of a journaled UNKNOWN reason ("" when none). */
std::string pendingOf(const std::string& reason);

/** What a settle (proof) answer resolves a step to: Ok only when proven (Done + verified),
 * Failed when the card says it did not happen, nullopt when it stays unknown. */
std::optional<StepStatus> settledStatus(const PurseResult& proof);

} // namespace hc::kiosk::core
