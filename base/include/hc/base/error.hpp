// The root of every error the middleware throws. Each error says what the caller must do next,
// so a kiosk screen, a cashier window or an operator's tool can act on it without parsing the
// message. Modules derive their own errors from hc::Error (hc::CardProtocolError, hc::hsm::...,
// hc::settle::...). Value types, no shared state: any thread.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace hc {

/** What the caller should do about an error. */
enum class NextStep {
    FixInput, ///< The input was wrong (bad hex, malformed APDU, bad field): correct it.
    Retry, ///< A transient condition: the same call may succeed if repeated.
    ReinsertCard, ///< The card was removed or cannot be talked to: ask for the card again.
    ReselectApplication, ///< The card was reset: security state is gone, select and authenticate
                         ///< again.
    CheckConfiguration, ///< Service, reader or file missing or misconfigured: fix the set-up.
    CallStaff, ///< Nothing the user can do: a person must look at it.
};

/** Human-readable name of a NextStep ("reinsert the card"); not toString, which test frameworks
 * find by ADL. */
std::string_view describe(NextStep step);

/** Base of all middleware errors: a message plus the next step. */
class Error : public std::runtime_error {
public:
    /** An error with its message and the next step for the caller. */
    Error(std::string message, NextStep next)
        : std::runtime_error(std::move(message))
        , m_next(next) { }
    /** What the caller should do now. */
    NextStep nextStep() const noexcept { return m_next; }

private:
    NextStep m_next;
};

/** Malformed input from outside (hex text, APDU bytes, TLV, ATR, frames, files, JSON). */
class InputError : public Error {
public:
    /** An input error; the message names the offset or field and what was wrong. */
    explicit InputError(std::string message)
        : Error(std::move(message), NextStep::FixInput) { }
};

} // namespace hc
