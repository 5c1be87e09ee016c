// ServiceError: the one error type the engine understands from an external service (insurance,
// payment gateway, HIS through its adapter, printers), typed by what is known about the call:
//   NotSent  the request never left: the step did not happen (journal FAILED)
//   Refused  the other side answered no (journal FAILED)
//   Unknown  sent, no usable answer: the step may have happened (journal UNKNOWN, query later)
// Adapters of real services (settlementd's TerminalClient, the gateway's HTTP client) map their
// own errors to it. Plain value; thread-safe to copy.
#pragma once

#include "hc/base/error.hpp"
#include "hc/kiosk/journal_step.hpp"

#include <string>

namespace hc::kiosk::core {

/** What is known about a failed external call. */
enum class CallOutcome {
    NotSent, ///< definitely not delivered: nothing happened
    Refused, ///< delivered and refused: nothing happened
    Unknown, ///< delivered (or maybe), no answer: it may have happened
};

/** Stable name ("not_sent", "refused", "unknown"). */
const char* describe(CallOutcome outcome);

/** A failed call to an external service. */
class ServiceError : public hc::Error {
public:
    /** A failure with what is known about it; `message` in English for the log. */
    ServiceError(CallOutcome outcome, std::string message)
        : hc::Error(std::move(message),
            outcome == CallOutcome::Refused ? NextStep::FixInput : NextStep::Retry)
        , m_outcome(outcome) { }
    /** NotSent, Refused or Unknown. */
    CallOutcome outcome() const { return m_outcome; }

private:
    CallOutcome m_outcome;
};

/** Writes what a failed call left on its journal step: UNKNOWN when it may have taken effect
 * (recovery queries it later), FAILED when it surely did not. */
void journalOutcome(JournalStep& step, const ServiceError& error);

} // namespace hc::kiosk::core
