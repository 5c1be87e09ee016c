// The durable outbox state machine (pure logic; the store persists it).
//
//   NEW ──dispatch──► SENT ──reply ok──► OK ──reversal requested (staff)──► REVERSAL_PENDING
//                      │  ──rejected──► FAILED                     2601 ok ► REVERSED
//                      │  ──not delivered (connect refused)──► NEW  2601 refused ► MANUAL_REVIEW
//                      └──timeout / 5xx / unusable reply──► UNKNOWN
//   UNKNOWN ──2601 requested──► RESOLVING ──2601 ok──► NEW under a NEW msgid (the old msgid's
//                                 │                    row is kept, REVERSED)
//                                 └──2601 refused or lost──► UNRESOLVED
//   UNRESOLVED ──reconciliation: the center holds it (5203 with its setl_id)──► OK
//              ──reconciliation: the center does not hold it / visit restarted──► NEW (new msgid)
//              ──staff──► OK / FAILED
//   NEW / SENT / UNKNOWN past their expiry ──► MANUAL_REVIEW ──staff──► OK / FAILED
//
// Rules (reference §2.5): a msgid is never sent twice (NEW after "not delivered" was never
// sent); an unknown outcome is resolved by a 2601 reversal, never by resending; a reversal is
// requested at most once per msgid; a 2601 is never reversed (its UNKNOWN is abandoned to
// UNRESOLVED); a crash while SENT is treated as a timeout (UNKNOWN) on restart.
// Thread-safety: pure functions.
#pragma once

#include "hc/settle/error.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace hc::settle {

/** State of one outbox entry. */
enum class OutboxState {
    New,
    Sent,
    Ok,
    Failed,
    Unknown,
    ReversalPending,
    Reversed,
    ManualReview,
    Resolving, ///< UNKNOWN, its 2601 reversal under way
    Unresolved ///< UNKNOWN whose reversal was refused or lost: reconciliation or staff decides
};

/** What happened to an entry. */
enum class OutboxEvent {
    Dispatch, ///< the dispatcher takes the entry and sends it
    ReplyOk, ///< the center answered infcode 0
    ReplyRejected, ///< the center answered with a business error (infcode != 0)
    NotDelivered, ///< provably not delivered (connection refused before writing)
    Timeout, ///< sent, no (valid) answer: the outcome is unknown
    ServerError, ///< HTTP 5xx: treated as unknown, the center may have committed
    QueryFound, ///< reconciliation: the center holds it (5203 by its setl_id)
    Restarted, ///< sent again under a new msgid (the center confirmed nothing stands)
    ReversalRequested, ///< an unknown outcome, or staff, asks for a 2601 reversal
    ReversalOk, ///< the 2601 was accepted
    ReversalRejected, ///< the 2601 was refused or its outcome is unknown
    Abandoned, ///< an UNKNOWN that is not reversed (a 2601 itself): left to reconciliation
    Expired, ///< past expires_at while unresolved
    StaffResolvedOk, ///< manual review decided: the center has it
    StaffResolvedFailed ///< manual review decided: the center does not have it
};

/** Name as stored in the database ("NEW", "SENT", ...). */
const char* stateName(OutboxState state) noexcept;
/** Parse a stored name; nullopt for unknown text. */
std::optional<OutboxState> parseOutboxState(std::string_view text) noexcept;
/** Name of an event, for audit entries. */
const char* eventName(OutboxEvent event) noexcept;

/** Whether no further automatic transition happens (OK stays reversible by request). */
bool isFinal(OutboxState state) noexcept;
/** Whether later entries of the same visit must wait for this one (NEW, SENT, UNKNOWN,
 *  RESOLVING, UNRESOLVED). A 2601 runs in a lane of its own ("rev:" + omsgid). */
bool blocksVisit(OutboxState state) noexcept;

/** A transition the rules forbid (e.g. reversal while UNKNOWN, second reversal). */
class IllegalTransition : public Error {
public:
    /** Describe the refused transition. */
    IllegalTransition(OutboxState from, OutboxEvent event, const std::string& why);
};

/** The next state, or IllegalTransition. */
OutboxState nextState(OutboxState from, OutboxEvent event);

/** Retry timing: exponential backoff with full jitter, capped. */
struct RetryPolicy {
    std::chrono::milliseconds base { 200 }; ///< first delay
    std::chrono::milliseconds cap { 30'000 }; ///< largest delay
    std::chrono::seconds expireAfter { 86'400 }; ///< entry lifetime before manual review
};

/** Delay before attempt `attempt` (1-based): uniform in [d/2, d] where d = min(cap, base·2^(n-1)).
 *  `random` is any 64-bit random value (the caller's RNG), so the function stays pure. */
std::chrono::milliseconds backoffDelay(
    const RetryPolicy& policy, int attempt, std::uint64_t random);

} // namespace hc::settle
