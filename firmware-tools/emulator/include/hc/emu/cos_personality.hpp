// CosPersonality: how the emulated card OS departs from its accommodating default, to play the
// cards of other COS vendors that a reader will meet. Switched on any image with
// `hcemu --cos LIST` or the image's "extensions": {"cos": "LIST"}; LIST is comma-separated:
//
//   standard      no switch (the default behaviour, the image's own ATR)
//   no-sfi        commands addressing an EF by short file identifier (READ/UPDATE BINARY P1 b8,
//                 READ/UPDATE/APPEND/WRITE/ERASE RECORD P2 b8-b4) are refused 6986: select the
//                 EF by FID and address the current EF
//   no-bulk       READ RECORD P2 b3-b1 = 101..111 (all records, or from/to P1) refused 6A86
//   no-extended   extended-length APDUs refused 6700; the ATR does not announce extended Lc/Le
//   t0            answers like a T=0 card (61xx, 6Cxx: see CardOs), T=0 ATR, no extended APDUs
//   strict-le     6Cxx whenever Le differs from the answer's length (Le 00 included)
//   name-only     DFs are selected by name only: SELECT by FID or path of a DF (not the MF)
//                 answers 6A82; EFs are still selected by FID
//   delay=N       every answer N ms late (0..10000), like a slow contactless link
//   contactless   the ATR is a PC/SC part 3 pseudo-ATR (3B 8F 80 01 <historical bytes> TCK)
//
// Any switch other than delay gives the card an ATR of its own, so every personality is a
// different card kind to a reader: historical bytes 80 | 73 00 00 EE | 69 MM <8-byte diversifier>
// (COMPACT-TLV: card capabilities with EE = 40 when extended Lc/Le are announced, then pre-issuing
// data holding a byte MM with one bit per switch and the image's last 8 historical bytes, which
// stay the last 8 bytes as the health card's key diversifier needs).
//
// Plain value; any thread.
#pragma once

#include "hc/card/bytes.hpp"

#include <string>
#include <string_view>

namespace hc::emu {

/** The switches of a personality; the default is the standard card OS. */
struct CosPersonality {
    bool sfi = true; ///< off: "no-sfi"
    bool bulk = true; ///< off: "no-bulk"
    bool extendedLength = true; ///< off: "no-extended"
    bool t0 = false; ///< "t0"
    bool strictLe = false; ///< "strict-le"
    bool nameOnly = false; ///< "name-only"
    unsigned delayMs = 0; ///< "delay=N"
    bool contactless = false; ///< "contactless"

    /** Parses a LIST (see above; "" and "standard" = no switch). Throws hc::InputError naming the
     * unknown word or the bad value, and for t0 with contactless (a contactless card has no T=0).
     */
    static CosPersonality parse(std::string_view list);
    /** The LIST form ("standard" when no switch is set). */
    std::string toString() const;
    /** True when a switch changes the ATR (every switch except delay). */
    bool changesAtr() const;
    /** One bit per ATR-changing switch (the MM byte above). */
    std::uint8_t mask() const;
    /** True when the card takes extended-length APDUs. */
    bool takesExtended() const { return extendedLength && !t0; }

    /** Equal switches. */
    friend bool operator==(const CosPersonality&, const CosPersonality&) = default;
};

/** The ATR a card with image ATR `imageAtr` answers under `p`: `imageAtr` itself (as it is) when
 * no switch changes it, otherwise the form described above; then throws hc::InputError when
 * `imageAtr` does not parse. */
hc::Bytes personalityAtr(hc::ByteView imageAtr, const CosPersonality& p);

} // namespace hc::emu
