// Answer to reset (ISO 7816-3 section 8): TS, T0, interface bytes, offered protocols, historical
// bytes, TCK. Also recognises the PC/SC part 3 pseudo-ATR a contactless reader builds from the
// card's ATS (3B 8n 80 01 <n historical bytes> TCK).
//
// Atr::parse is strictly bounds-checked and throws hc::InputError naming what was wrong (the
// missing interface byte, the bad TCK with the expected value, the trailing bytes). Pure value
// type, safe from any thread.
#pragma once

#include "hc/card/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace hc::card {

/** Longest ATR ISO 7816-3 allows (TS plus 32 bytes). */
inline constexpr std::size_t kAtrMaxSize = 33;

/** Bit convention announced by TS. */
enum class AtrConvention {
    Direct, ///< TS = 3B
    Inverse ///< TS = 3F (as reported by PC/SC) or 03 (raw bytes not yet decoded)
};

/** Interface bytes of one level i (TAi, TBi, TCi, TDi), each present or not. */
struct AtrInterfaceGroup {
    /** Level i, starting at 1. */
    std::size_t level = 1;
    /** TAi. */
    std::optional<std::uint8_t> ta;
    /** TBi. */
    std::optional<std::uint8_t> tb;
    /** TCi. */
    std::optional<std::uint8_t> tc;
    /** TDi: high nibble says which bytes of level i+1 follow, low nibble is a protocol T. */
    std::optional<std::uint8_t> td;
    /** Protocol the bytes of this level refer to: none for level 1 and 2 (global), otherwise the
     * T announced by TD(i-1). */
    std::optional<int> appliesTo;
};

/** A parsed ATR. */
class Atr {
public:
    /** Parses an ATR as PC/SC reports it. A leading 03 is taken as raw inverse-convention bytes
     * and decoded first. Throws InputError on anything malformed. */
    static Atr parse(ByteView bytes);

    /** The bytes given to parse(). */
    const Bytes& raw() const { return m_raw; }
    /** The bytes after inverse-convention decoding (equal to raw() for direct convention and for
     * PC/SC-reported inverse ATRs starting 3F). */
    const Bytes& decoded() const { return m_decoded; }
    /** Convention from TS. */
    AtrConvention convention() const { return m_convention; }
    /** Format byte T0. */
    std::uint8_t t0() const { return m_decoded[1]; }
    /** Interface byte groups, level 1 first (always at least level 1, possibly empty). */
    const std::vector<AtrInterfaceGroup>& groups() const { return m_groups; }
    /** Group of level i (1-based), or nullptr. */
    const AtrInterfaceGroup* group(std::size_t level) const;
    /** Protocols offered, in order of appearance, without duplicates; {0} when no TD1 is
     * present. Includes 15 when global T=15 bytes are announced. */
    const std::vector<int>& protocols() const { return m_protocols; }
    /** True when protocol `t` (0, 1 or 15) is offered. */
    bool offers(int t) const;
    /** Historical bytes (K of them, K from T0). */
    const Bytes& historicalBytes() const { return m_historical; }
    /** TCK when present. */
    std::optional<std::uint8_t> tck() const { return m_tck; }
    /** True when a TCK is required: some protocol other than T=0 is offered. */
    bool tckRequired() const { return m_tckRequired; }

    /** FI nibble of TA1 (1 when TA1 is absent). */
    std::uint8_t fiIndex() const { return m_fiIndex; }
    /** DI nibble of TA1 (1 when TA1 is absent). */
    std::uint8_t diIndex() const { return m_diIndex; }
    /** Clock rate conversion factor Fi from TA1 (372 when TA1 is absent); empty for RFU values. */
    std::optional<int> fi() const;
    /** Baud rate adjustment factor Di from TA1 (1 when TA1 is absent); empty for RFU values. */
    std::optional<int> di() const;

    /** The COMPACT-TLV data object with that tag (ISO 7816-4 8.1.1: 1 = country, 2 = issuer,
     * 3 = card service data, 4 = initial access data, 5 = issuer data, 6 = pre-issuing data,
     * 7 = card capabilities, 8 = status indicator) when the historical bytes start with category
     * indicator 00 or 80. The walk stops at an object that runs past the historical bytes: what
     * follows is not read as data objects (many cards end with a serial number). */
    std::optional<Bytes> historicalObject(std::uint8_t tag) const;
    /** True when the card capabilities (tag 7, third software function table, b7) announce
     * extended Lc and Le fields. Without that announcement a reader sends short APDUs only. */
    bool announcesExtendedLength() const;

    /** True for a PC/SC part 3 contactless pseudo-ATR (3B 8n 80 01 ... TCK). */
    bool isContactless() const { return m_contactless; }
    /** For a contactless pseudo-ATR: the ATS historical bytes (for a storage card, the PC/SC
     * "80 4F 0C A0 00 00 03 06 ..." block). Empty optional for contact ATRs. */
    std::optional<Bytes> contactlessHistoricalBytes() const;

private:
    Bytes m_raw;
    Bytes m_decoded;
    AtrConvention m_convention = AtrConvention::Direct;
    std::vector<AtrInterfaceGroup> m_groups;
    std::vector<int> m_protocols;
    Bytes m_historical;
    std::optional<std::uint8_t> m_tck;
    bool m_tckRequired = false;
    std::uint8_t m_fiIndex = 1;
    std::uint8_t m_diIndex = 1;
    bool m_contactless = false;
};

/** Decodes one byte sent in inverse convention (bit order reversed, bits inverted). */
std::uint8_t decodeInverseConvention(std::uint8_t raw);

} // namespace hc::card
