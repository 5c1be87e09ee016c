// DispenserStatus: what a card dispenser reports about itself (stock, reject bin, where the card
// in its transport is, jam), and the parser of the status part of a device reply. The parser
// takes bytes from a device, so it is bounds-checked and fuzzed
// (tests/fuzz/dispenser_reply_fuzz.cpp). Plain values: any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hc::dispenser {

/** Where the card in the dispenser's transport is. */
enum class CardPosition {
    None, ///< no card outside the stack: the transport is empty
    IcPosition, ///< at the IC contacts, where the issuance reader reads it
    Gate, ///< at the gate (card mouth), for the patient to take
};

/** "none", "ic", "gate". */
std::string_view describe(CardPosition p);

/** Why the dispenser cannot give out a card now (the kiosk shows the issuance option unavailable
 * with this reason, like paper-out on a printer). */
enum class DispenserProblem {
    Empty, ///< no blank card left in the stack
    BinFull, ///< the reject bin is full: a spoiled card could not be captured
    Jam, ///< a card is stuck in the transport
    CardInTransport, ///< a card is still at the IC position or the gate
};

/** "stack empty", "reject bin full", "jam", "card in transport". */
std::string_view describe(DispenserProblem p);

/** One status report. */
struct DispenserStatus {
    std::uint32_t stock = 0; ///< blank cards left in the stack (as the device counts them)
    bool low = false; ///< the stack is at or below the device's low-stock mark
    std::uint32_t binCount = 0; ///< cards in the reject bin
    bool binFull = false; ///< the reject bin cannot take another card
    CardPosition position = CardPosition::None; ///< the card outside the stack, if any
    bool jam = false; ///< a card is stuck; moves are refused until staff clear it

    /** True when the stack holds no card. */
    bool empty() const { return stock == 0; }
    /** The first reason a new card cannot be issued now (jam, card in transport, empty, bin
     * full), or nullopt when one can. */
    std::optional<DispenserProblem> problem() const;
};

/** "S=12 L=0 B=1 F=0 P=N J=0": the status as the documented protocol writes it
 * (docs/dispenser.md). */
std::string formatStatus(const DispenserStatus& s);

/**
 * Parses the status tokens of a reply ("S=12 L=0 B=1 F=0 P=N J=0", any order, separated by single
 * spaces). S and B are decimal 0..99999, L/F/J are 0 or 1, P is N, I or G; every one of the six
 * keys is required, each at most once. Tokens with other upper-case keys (K=V, value of printable
 * characters without spaces, at most 200 bytes) are skipped (later protocol versions), at most 16
 * tokens in all. Throws DispenserProtocolError naming the token on anything else.
 */
DispenserStatus parseStatus(std::string_view text);

} // namespace hc::dispenser
