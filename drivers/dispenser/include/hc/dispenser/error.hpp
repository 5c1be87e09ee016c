// Errors of the card dispenser driver. Each carries the NextStep for the kiosk: a device that
// cannot be reached (Retry), a reply that breaks the protocol (CallStaff), a move the device
// refused (CallStaff, with the fault and the status it reported).
#pragma once

#include "hc/card/error.hpp"
#include "hc/dispenser/status.hpp"

#include <string>

namespace hc::dispenser {

/** The dispenser could not be reached, or stopped answering (connect, write, read, timeout). */
class DispenserUnavailable : public hc::Error {
public:
    /** The message names the address and the system error. */
    explicit DispenserUnavailable(std::string message)
        : hc::Error(std::move(message), NextStep::Retry) { }
};

/** A frame or reply that breaks the protocol (bad framing, checksum, unknown token). */
class DispenserProtocolError : public hc::Error {
public:
    /** The message names what was wrong. */
    explicit DispenserProtocolError(std::string message)
        : hc::Error(std::move(message), NextStep::CallStaff) { }
};

/** Why the device refused a move. */
enum class DispenserFault {
    Empty, ///< EMPTY: no card in the stack
    Jam, ///< JAM: a card is stuck (now, or the move caused it)
    BinFull, ///< BINFULL: capture refused, the reject bin is full
    NoCard, ///< NOCARD: the move needs a card where there is none (eject with nothing at IC)
    Busy, ///< BUSY: a card is already in the transport (move to IC with a card at the gate)
    Rejected, ///< any other code the device gave (kept in the message)
};

/** "empty", "jam", ... */
std::string_view describe(DispenserFault f);

/** The device answered ER: the move was not done. status() is what it reported with the error. */
class DispenserError : public hc::Error {
public:
    /** `code` is the device's code ("EMPTY"), `status` the status in the same reply. */
    DispenserError(std::string message, DispenserFault fault, DispenserStatus status)
        : hc::Error(std::move(message), NextStep::CallStaff)
        , m_fault(fault)
        , m_status(status) { }
    /** The fault. */
    DispenserFault fault() const { return m_fault; }
    /** The status reported with it. */
    const DispenserStatus& status() const { return m_status; }

private:
    DispenserFault m_fault;
    DispenserStatus m_status;
};

} // namespace hc::dispenser
