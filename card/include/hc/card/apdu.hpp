// Command and response APDUs (ISO 7816-4 section 5): value types that encode and parse with
// strict length checks. Cases 1-4, short and extended length.
//
// Lengths follow the standard: Nc is the number of data bytes (0..65535), Ne the maximum number of
// response bytes expected (0 = none, 1..65536). Short encoding holds Nc <= 255 and Ne <= 256
// (Ne 256 encodes as Le = 00); anything larger is encoded extended (Ne 65536 encodes as 0000).
#pragma once

#include "hc/card/bytes.hpp"
#include "hc/card/status_word.hpp"

#include <cstddef>
#include <cstdint>

namespace hc::card {

/** Largest Ne a short APDU can carry. */
inline constexpr std::size_t kShortMaxNe = 256;
/** Largest Nc a short APDU can carry. */
inline constexpr std::size_t kShortMaxNc = 255;
/** Largest Ne an extended APDU can carry. */
inline constexpr std::size_t kExtendedMaxNe = 65536;
/** Largest Nc an extended APDU can carry. */
inline constexpr std::size_t kExtendedMaxNc = 65535;

/** The four ISO 7816-4 command cases. */
enum class ApduCase { Case1 = 1, Case2 = 2, Case3 = 3, Case4 = 4 };

/** A command APDU: header, optional data, optional expected length. Immutable value. */
class CommandApdu {
public:
    /** Case 1: header only. */
    CommandApdu(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2);
    /** Case 2 (data empty, ne > 0), case 3 (data, ne == 0) or case 4 (data, ne > 0). Throws
     * InputError when Nc > 65535 or Ne > 65536. */
    CommandApdu(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, Bytes data,
        std::size_t ne = 0);

    /** Parses encoded bytes; every length must match exactly (no trailing bytes). Throws
     * InputError naming the inconsistency (e.g. "Lc=5 but 3 data bytes follow"). */
    static CommandApdu parse(ByteView bytes);

    /** Encodes short where possible, extended when Nc > 255 or Ne > 256 (or forced). */
    Bytes encode() const;

    /** Class byte. */
    std::uint8_t cla() const { return m_cla; }
    /** Instruction byte. */
    std::uint8_t ins() const { return m_ins; }
    /** Parameter 1. */
    std::uint8_t p1() const { return m_p1; }
    /** Parameter 2. */
    std::uint8_t p2() const { return m_p2; }
    /** Command data field (Nc bytes). */
    const Bytes& data() const { return m_data; }
    /** Maximum expected response length, 0 when none is expected. */
    std::size_t ne() const { return m_ne; }
    /** ISO 7816-4 case from Nc and Ne. */
    ApduCase apduCase() const;
    /** True when encode() produces the extended form (never for case 1, which has no length
     * field). */
    bool extended() const {
        return (m_extended && apduCase() != ApduCase::Case1) || m_data.size() > kShortMaxNc
            || m_ne > kShortMaxNe;
    }

    /** Copy with another Ne (the T=0 layer uses it to resend after 6Cxx). */
    CommandApdu withNe(std::size_t ne) const;
    /** Copy that encodes in the extended form even when the lengths would fit short. */
    CommandApdu forceExtended() const;

    /** Equal when the fields are equal and both encode in the same form (a forced-extended
     * command equals a parsed extended one; the force flag alone does not count). */
    friend bool operator==(const CommandApdu& a, const CommandApdu& b) {
        return a.m_cla == b.m_cla && a.m_ins == b.m_ins && a.m_p1 == b.m_p1 && a.m_p2 == b.m_p2
            && a.m_data == b.m_data && a.m_ne == b.m_ne && a.extended() == b.extended();
    }

private:
    std::uint8_t m_cla, m_ins, m_p1, m_p2;
    Bytes m_data;
    std::size_t m_ne = 0;
    bool m_extended = false;
};

/** A response APDU: data and status word. */
class ResponseApdu {
public:
    /** An empty response with SW 0000 (a placeholder until assigned). */
    ResponseApdu() = default;
    /** A response from its data field and status word. */
    ResponseApdu(Bytes data, StatusWord sw)
        : m_data(std::move(data))
        , m_sw(sw) { }
    /** Parses data||SW1 SW2. Throws InputError when fewer than 2 bytes are given. */
    static ResponseApdu parse(ByteView bytes);
    /** Data followed by SW1 SW2. */
    Bytes encode() const;

    /** Response data field (without the status word). */
    const Bytes& data() const { return m_data; }
    /** Status word SW1 SW2. */
    StatusWord sw() const { return m_sw; }
    /** True when the status word is 9000. */
    bool ok() const { return m_sw.ok(); }

    /** Equal data and status word. */
    friend bool operator==(const ResponseApdu&, const ResponseApdu&) = default;

private:
    Bytes m_data;
    StatusWord m_sw;
};

/** Builders for the commands every layer uses. */
namespace apdu {
/** SELECT by file identifier: 00 A4 00 00 02 fid (P2=00: return FCI when the card has one). */
CommandApdu selectFid(std::uint16_t fid);
/** SELECT by DF name (AID): 00 A4 04 00 Lc name. */
CommandApdu selectName(ByteView dfName);
/** READ BINARY at offset (15-bit) for ne bytes. */
CommandApdu readBinary(std::uint16_t offset, std::size_t ne);
/** UPDATE BINARY at offset. */
CommandApdu updateBinary(std::uint16_t offset, Bytes data);
/** READ RECORD by number (P2 = 04, current EF). ne = 256 reads the whole record. */
CommandApdu readRecord(std::uint8_t number, std::size_t ne = kShortMaxNe);
/** GET CHALLENGE for n bytes. */
CommandApdu getChallenge(std::size_t n);
/** GET RESPONSE for n bytes (after 61xx). */
CommandApdu getResponse(std::size_t n);
} // namespace apdu

} // namespace hc::card
