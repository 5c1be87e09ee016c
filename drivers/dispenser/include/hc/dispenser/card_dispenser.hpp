// CardDispenser: the kiosk's card dispenser as its users see it. The device holds a stack of
// blank cards; it moves one to the IC position (where the issuance reader reads it), ejects the
// card at the IC position to the gate for the patient to take, or captures a card (at the IC
// position or the gate) into the reject bin. Every call returns the status after the move.
// Implementations: FramedDispenser (framed_dispenser.hpp) over TCP or a serial line.
//
// Threading: one thread at a time per object.
#pragma once

#include "hc/dispenser/status.hpp"

#include <string>

namespace hc::dispenser {

/** A card dispenser. Moves throw DispenserError (refused: fault and status),
 * DispenserUnavailable (no answer) or DispenserProtocolError (a broken reply). */
class CardDispenser {
public:
    virtual ~CardDispenser() = default;
    /** Stock, bin, position, jam. Moves nothing. */
    virtual DispenserStatus status() = 0;
    /** Takes the next blank card from the stack to the IC position. Refused when the stack is
     * empty, a card is already in the transport, or the transport jams. */
    virtual DispenserStatus moveToIc() = 0;
    /** Moves the card at the IC position to the gate. Refused when there is none. */
    virtual DispenserStatus eject() = 0;
    /** Moves the card at the IC position or the gate into the reject bin. Refused when the bin
     * is full or there is no card. */
    virtual DispenserStatus capture() = 0;
    /** The device's address for messages ("tcp:127.0.0.1:9300"). */
    virtual std::string address() const = 0;
};

} // namespace hc::dispenser
