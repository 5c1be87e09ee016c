// The durable outbox state machine (pure logic; the store persists it).
//
//   NEW ──dispatch──► SENT ──reply ok──► OK ──reversal requested──► REVERSAL_PENDING ─► REVERSED
//                      │  ──rejected──► FAILED                                        └►
//                      MANUAL_REVIEW │  ──not delivered (connect refused)──► NEW (retry with
//                      backoff) └──timeout / 5xx / lost reply──► UNKNOWN ──5203 found──► OK
//                                                                ──5203 not found──► NEW (same
//                                                                msgid)
//   NEW / SENT / UNKNOWN past their expiry ──► MANUAL_REVIEW ──staff──► OK / FAILED
//
// Rules: nothing is reversed while UNKNOWN; a reversal is requested at most once per msgid;
// a crash while SENT is treated as a timeout (UNKNOWN) on restart.
// Thread-safety: pure functions.
#pragma once

#include "hc/settle/error.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace hc::settle {

/** State of one outbox entry. */
enum class OutboxState { New, Sent, Ok, Failed, Unknown, ReversalPending, Reversed, ManualReview };

/** What happened to an entry. */
enum class OutboxEvent {
    Dispatch, ///< the dispatcher takes the entry and sends it
    ReplyOk, ///< the center answered infcode 0
    ReplyRejected, ///< the center answered with a business error (infcode != 0)
    NotDelivered, ///< provably not delivered (connection refused before writing)
    Timeout, ///< sent, no (valid) answer: the outcome is unknown
    ServerError, ///< HTTP 5xx: treated as unknown, the center may have committed
    QueryFound, ///< 5203 found the msgid at the center
    QueryNotFound, ///< 5203 says the center has no record of the msgid
    ReversalRequested, ///< staff or the repair logic asks for a 2601 reversal
    ReversalOk, ///< the 2601 was accepted
    ReversalRejected, ///< the 2601 was refused
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
/** Whether later entries of the same visit must wait for this one (NEW, SENT, UNKNOWN; a
 *  REVERSAL_PENDING original does not block the 2601 that resolves it). */
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
