#include "hc/card/apdu.hpp"

#include "hc/card/error.hpp"

#include <string>

namespace hc::card {

namespace {
std::string n(std::size_t v) {
    return std::to_string(v);
}
} // namespace

CommandApdu::CommandApdu(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2)
    : m_cla(cla)
    , m_ins(ins)
    , m_p1(p1)
    , m_p2(p2) {
}

CommandApdu::CommandApdu(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2,
    Bytes data, std::size_t ne)
    : m_cla(cla)
    , m_ins(ins)
    , m_p1(p1)
    , m_p2(p2)
    , m_data(std::move(data))
    , m_ne(ne) {
    if (m_data.size() > kExtendedMaxNc) {
        throw InputError("command APDU: Nc=" + n(m_data.size()) + " exceeds 65535");
    }
    if (m_ne > kExtendedMaxNe) {
        throw InputError("command APDU: Ne=" + n(m_ne) + " exceeds 65536");
    }
}

ApduCase CommandApdu::apduCase() const {
    if (m_data.empty()) {
        return m_ne == 0 ? ApduCase::Case1 : ApduCase::Case2;
    }
    return m_ne == 0 ? ApduCase::Case3 : ApduCase::Case4;
}

CommandApdu CommandApdu::withNe(std::size_t ne) const {
    CommandApdu copy = *this;
    if (ne > kExtendedMaxNe) {
        throw InputError("command APDU: Ne=" + n(ne) + " exceeds 65536");
    }
    copy.m_ne = ne;
    return copy;
}

CommandApdu CommandApdu::forceExtended() const {
    CommandApdu copy = *this;
    copy.m_extended = true;
    return copy;
}

Bytes CommandApdu::encode() const {
    Bytes out { m_cla, m_ins, m_p1, m_p2 };
    const bool ext = extended();
    if (ext && apduCase() != ApduCase::Case1) {
        out.push_back(0x00);
    }
    if (!m_data.empty()) {
        if (ext) {
            appendBigEndian(out, m_data.size(), 2);
        } else {
            out.push_back(static_cast<std::uint8_t>(m_data.size()));
        }
        out.insert(out.end(), m_data.begin(), m_data.end());
    }
    if (m_ne > 0) {
        if (ext) {
            appendBigEndian(out, m_ne == kExtendedMaxNe ? 0 : m_ne, 2);
        } else {
            out.push_back(static_cast<std::uint8_t>(m_ne == kShortMaxNe ? 0 : m_ne));
        }
    }
    return out;
}

CommandApdu CommandApdu::parse(ByteView b) {
    if (b.size() < 4) {
        throw InputError("command APDU: " + n(b.size()) + " bytes, a header needs 4");
    }
    const auto cla = b[0], ins = b[1], p1 = b[2], p2 = b[3];
    const std::size_t len = b.size();
    if (len == 4) {
        return { cla, ins, p1, p2 };
    }
    if (len == 5) { // case 2 short
        return { cla, ins, p1, p2, {}, b[4] == 0 ? kShortMaxNe : b[4] };
    }
    if (b[4] != 0) { // short Lc
        const std::size_t lc = b[4];
        if (len == 5 + lc) {
            return { cla, ins, p1, p2, Bytes(b.begin() + 5, b.end()) };
        }
        if (len == 6 + lc) {
            const std::size_t le = b[len - 1] == 0 ? kShortMaxNe : b[len - 1];
            return { cla, ins, p1, p2, Bytes(b.begin() + 5, b.end() - 1), le };
        }
        throw InputError("command APDU: Lc=" + n(lc) + " but " + n(len - 5)
            + " bytes follow it (expected " + n(lc) + " or " + n(lc + 1) + ")");
    }
    // b[4] == 0 and more than 5 bytes: extended length.
    if (len < 7) {
        throw InputError("command APDU: extended length marker 00 needs two more length bytes, got "
            + n(len - 5));
    }
    const std::size_t l2 = (std::size_t { b[5] } << 8) | b[6];
    if (len == 7) { // case 2 extended
        CommandApdu c { cla, ins, p1, p2, {}, l2 == 0 ? kExtendedMaxNe : l2 };
        return c.forceExtended();
    }
    if (l2 == 0) {
        throw InputError("command APDU: extended Lc=0000 is not allowed when data follows");
    }
    if (len == 7 + l2) {
        return CommandApdu { cla, ins, p1, p2, Bytes(b.begin() + 7, b.end()) }.forceExtended();
    }
    if (len == 9 + l2) {
        const std::size_t le = (std::size_t { b[len - 2] } << 8) | b[len - 1];
        return CommandApdu { cla, ins, p1, p2, Bytes(b.begin() + 7, b.end() - 2),
            le == 0 ? kExtendedMaxNe : le }
            .forceExtended();
    }
    throw InputError("command APDU: extended Lc=" + n(l2) + " but " + n(len - 7)
        + " bytes follow it (expected " + n(l2) + " or " + n(l2 + 2) + ")");
}

ResponseApdu ResponseApdu::parse(ByteView bytes) {
    if (bytes.size() < 2) {
        throw InputError("response APDU: " + n(bytes.size()) + " bytes, a status word needs 2");
    }
    const std::size_t k = bytes.size() - 2;
    return { Bytes(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(k)),
        StatusWord(bytes[k], bytes[k + 1]) };
}

Bytes ResponseApdu::encode() const {
    Bytes out = m_data;
    out.push_back(m_sw.sw1());
    out.push_back(m_sw.sw2());
    return out;
}

namespace apdu {
CommandApdu selectFid(std::uint16_t fid) {
    return { 0x00, 0xA4, 0x00, 0x00,
        Bytes { static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid) } };
}
CommandApdu selectName(ByteView dfName) {
    return { 0x00, 0xA4, 0x04, 0x00, Bytes(dfName.begin(), dfName.end()) };
}
CommandApdu readBinary(std::uint16_t offset, std::size_t ne) {
    if (offset > 0x7FFF) {
        throw InputError("READ BINARY: offset " + n(offset) + " exceeds 15 bits");
    }
    return { 0x00, 0xB0, static_cast<std::uint8_t>(offset >> 8), static_cast<std::uint8_t>(offset),
        {}, ne };
}
CommandApdu updateBinary(std::uint16_t offset, Bytes data) {
    if (offset > 0x7FFF) {
        throw InputError("UPDATE BINARY: offset " + n(offset) + " exceeds 15 bits");
    }
    return { 0x00, 0xD6, static_cast<std::uint8_t>(offset >> 8), static_cast<std::uint8_t>(offset),
        std::move(data) };
}
CommandApdu readRecord(std::uint8_t number, std::size_t ne) {
    return { 0x00, 0xB2, number, 0x04, {}, ne };
}
CommandApdu getChallenge(std::size_t count) {
    return { 0x00, 0x84, 0x00, 0x00, {}, count };
}
CommandApdu getResponse(std::size_t count) {
    return { 0x00, 0xC0, 0x00, 0x00, {}, count };
}
} // namespace apdu

} // namespace hc::card
