// Errors of the HIS adapter, typed by what the kiosk must do and by what is known about the call:
//   HisUnavailable     the request was not delivered (connect refused): the call did NOT happen
//                      -> journal FAILED, retry or call staff
//   HisOutcomeUnknown  sent, but no (usable) reply: timeout, connection dropped, 5xx on a
//                      mutating call -> journal UNKNOWN, query before anything else
//   HisRefused         the HIS answered with a refusal (4xx OperationOutcome) -> FAILED;
//                      HisConflict (409) for a slot held elsewhere or booked, an item paid
//   HisReplyError      the reply is malformed; names the bad field -> for a mutating call the
//                      kiosk journals UNKNOWN (the HIS may have committed)
#pragma once

#include "hc/base/error.hpp"

namespace hc::kiosk::his {

/** Base of HIS adapter errors. */
class HisError : public hc::Error {
public:
    using hc::Error::Error;
};

/** The HIS could not be reached; the request was not sent. */
class HisUnavailable : public HisError {
public:
    /** An unreachable HIS. */
    explicit HisUnavailable(std::string message)
        : HisError(std::move(message), NextStep::Retry) { }
};

/** The request was sent but its outcome is unknown. Query before compensating. */
class HisOutcomeUnknown : public HisError {
public:
    /** An unknown outcome. */
    explicit HisOutcomeUnknown(std::string message)
        : HisError(std::move(message), NextStep::Retry) { }
};

/** The HIS refused the request (HTTP 4xx). */
class HisRefused : public HisError {
public:
    /** A refusal with the HTTP status and the HIS's diagnostics. */
    HisRefused(int httpStatus, std::string message)
        : HisError(std::move(message), NextStep::FixInput)
        , m_status(httpStatus) { }
    /** The HTTP status (404, 409, 422, ...). */
    int httpStatus() const { return m_status; }

private:
    int m_status;
};

/** HTTP 409: the slot is held by another session or booked, or an item is already paid. */
class HisConflict : public HisRefused {
public:
    using HisRefused::HisRefused;
};

/** A malformed HIS reply; the message names the field ("entry[2].resource.priceFen: ..."). */
class HisReplyError : public hc::InputError {
public:
    using hc::InputError::InputError;
};

} // namespace hc::kiosk::his
