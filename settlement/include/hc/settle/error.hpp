// Errors of the settlement module. Each error says what the caller must do next, as the
// middleware's hc::NextStep (hc/base/error.hpp); settlement uses three of its values: FixInput
// (the request is wrong; correct the named field and send again), Retry (transient; the same
// request, same request id, may be sent again) and CallStaff (a person must look at it: manual
// review, supervisor, IT). hc::settle::Error derives from hc::Error.
// Thread-safety: value types, no shared state.
#pragma once

#include "hc/base/error.hpp"

#include <string>

namespace hc::settle {

/** What the caller (terminal, cashier, finance staff) must do after an error: hc::NextStep. */
using NextStep = hc::NextStep;

/** Name of a NextStep as used in JSON replies ("fix_input", "retry", "call_staff"). The wire
 * knows only these three: a step settlement does not use (reinsert the card, check the
 * configuration, ...) is sent as "call_staff". */
const char* nextStepName(NextStep step) noexcept;

/** Base error: a stable machine code, a human message and the next step. */
class Error : public hc::Error {
public:
    /** Build an error with a stable code such as "input.bad_field". */
    Error(std::string code, const std::string& message, NextStep next);
    /** Stable machine-readable code. */
    const std::string& code() const noexcept { return m_code; }
    /** What the caller must do next (the same as hc::Error::nextStep()). */
    NextStep next() const noexcept { return nextStep(); }

private:
    std::string m_code;
};

/** Bad external input; the message names the offending field. Next step: fix input. */
class InputError : public Error {
public:
    /** `field` is the JSON path of the bad field, e.g. "items[3].amount_fen". */
    InputError(const std::string& field, const std::string& problem);
    /** JSON path of the bad field. */
    const std::string& field() const noexcept { return m_field; }

private:
    std::string m_field;
};

/** A storage failure (disk, database). Next step: retry; call staff if it persists. */
class StoreError : public Error {
public:
    /** Wrap a storage failure message. */
    explicit StoreError(const std::string& message);
};

/** The requested feature is not implemented yet; the message says which part. */
class NotImplemented : public Error {
public:
    /** `what` names the unfinished part, see docs/settlement.md. */
    explicit NotImplemented(const std::string& what);
};

} // namespace hc::settle
