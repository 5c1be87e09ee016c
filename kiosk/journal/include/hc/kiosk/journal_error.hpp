// Errors of the session journal: the database could not be opened or written. The kiosk must not
// start (or continue) an external step it cannot journal: it stops and calls staff.
#pragma once

#include "hc/base/error.hpp"

namespace hc::kiosk {

/** A SQLite failure in the journal; the message names the statement and SQLite's error. */
class JournalError : public hc::Error {
public:
    /** A journal failure. */
    explicit JournalError(std::string message)
        : hc::Error(std::move(message), NextStep::CallStaff) { }
};

} // namespace hc::kiosk
