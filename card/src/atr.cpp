#include "hc/card/atr.hpp"

#include "hc/card/error.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace hc::card {

namespace {

std::string n(std::size_t v) {
    return std::to_string(v);
}

std::string hex8(std::uint8_t b) {
    const std::uint8_t one[1] = { b };
    return toHex(one);
}

// ISO 7816-3 table 7 and 8; 0 marks RFU.
constexpr std::array<int, 16> kFi { 372, 372, 558, 744, 1116, 1488, 1860, 0, 0, 512, 768, 1024,
    1536, 2048, 0, 0 };
constexpr std::array<int, 16> kDi { 0, 1, 2, 4, 8, 16, 32, 64, 12, 20, 0, 0, 0, 0, 0, 0 };

const char* const kByteNames[4] = { "TA", "TB", "TC", "TD" };

} // namespace

std::uint8_t decodeInverseConvention(std::uint8_t raw) {
    std::uint8_t out = 0;
    for (int i = 0; i < 8; ++i) {
        if ((raw & (1u << i)) != 0) {
            out = static_cast<std::uint8_t>(out | (1u << (7 - i)));
        }
    }
    return static_cast<std::uint8_t>(~out);
}

Atr Atr::parse(ByteView bytes) {
    Atr atr;
    atr.m_raw.assign(bytes.begin(), bytes.end());
    if (bytes.empty()) {
        throw InputError("ATR: empty (TS missing)");
    }
    if (bytes.size() > kAtrMaxSize) {
        throw InputError(
            "ATR: " + n(bytes.size()) + " bytes, at most " + n(kAtrMaxSize) + " are allowed");
    }
    switch (bytes[0]) {
    case 0x3B:
        atr.m_decoded = atr.m_raw;
        break;
    case 0x3F:
        atr.m_convention = AtrConvention::Inverse;
        atr.m_decoded = atr.m_raw;
        break;
    case 0x03:
        atr.m_convention = AtrConvention::Inverse;
        for (std::uint8_t b : bytes) {
            atr.m_decoded.push_back(decodeInverseConvention(b));
        }
        break;
    default:
        throw InputError(
            "ATR: TS = " + hex8(bytes[0]) + " is neither 3B (direct) nor 3F (inverse convention)");
    }
    const Bytes& b = atr.m_decoded;
    if (b.size() < 2) {
        throw InputError("ATR: T0 missing (only TS present)");
    }

    std::size_t pos = 2;
    std::uint8_t y = static_cast<std::uint8_t>(b[1] >> 4);
    const std::size_t k = b[1] & 0x0Fu;
    std::optional<int> appliesTo;
    bool tdPresent = false;
    for (std::size_t level = 1;; ++level) {
        AtrInterfaceGroup g;
        g.level = level;
        g.appliesTo = level >= 3 ? appliesTo : std::nullopt;
        std::optional<std::uint8_t>* slots[4] = { &g.ta, &g.tb, &g.tc, &g.td };
        for (int i = 0; i < 4; ++i) {
            if ((y & (1u << i)) == 0) {
                continue;
            }
            if (pos >= b.size()) {
                throw InputError("ATR: " + std::string(kByteNames[i]) + n(level)
                    + " announced but the ATR ends at byte " + n(pos));
            }
            *slots[i] = b[pos++];
        }
        atr.m_groups.push_back(g);
        if (!g.td) {
            break;
        }
        tdPresent = true;
        const int t = *g.td & 0x0F;
        if (std::find(atr.m_protocols.begin(), atr.m_protocols.end(), t) == atr.m_protocols.end()) {
            atr.m_protocols.push_back(t);
        }
        if (t != 0) {
            atr.m_tckRequired = true;
        }
        appliesTo = t;
        y = static_cast<std::uint8_t>(*g.td >> 4);
    }
    if (!tdPresent) {
        atr.m_protocols.push_back(0);
    }
    if (atr.m_groups.front().ta) {
        atr.m_fiIndex = static_cast<std::uint8_t>(*atr.m_groups.front().ta >> 4);
        atr.m_diIndex = static_cast<std::uint8_t>(*atr.m_groups.front().ta & 0x0F);
    }

    if (k > b.size() - pos) {
        throw InputError("ATR: T0 announces " + n(k) + " historical bytes from byte " + n(pos)
            + " but only " + n(b.size() - pos) + " remain");
    }
    atr.m_historical.assign(b.begin() + static_cast<std::ptrdiff_t>(pos),
        b.begin() + static_cast<std::ptrdiff_t>(pos + k));
    pos += k;

    const std::size_t rest = b.size() - pos;
    auto xorCheck = [&]() {
        std::uint8_t x = 0;
        for (std::size_t i = 1; i < b.size(); ++i) {
            x = static_cast<std::uint8_t>(x ^ b[i]);
        }
        return x;
    };
    if (rest == 0) {
        if (atr.m_tckRequired) {
            const auto t = std::find_if(
                atr.m_protocols.begin(), atr.m_protocols.end(), [](int p) { return p != 0; });
            throw InputError(
                "ATR: TCK missing (required because T=" + std::to_string(*t) + " is offered)");
        }
    } else if (rest == 1) {
        const std::uint8_t x = xorCheck();
        if (x != 0) {
            const std::uint8_t expected = static_cast<std::uint8_t>(b.back() ^ x);
            if (atr.m_tckRequired) {
                throw InputError("ATR: TCK is " + hex8(b.back())
                    + " but T0..historical bytes XOR to " + hex8(expected) + " (checksum error)");
            }
            throw InputError("ATR: 1 unexpected byte " + hex8(b.back()) + " after the historical "
                + "bytes (only T=0 is offered, so no TCK is expected; as a TCK it would have to be "
                + hex8(expected) + ")");
        }
        atr.m_tck = b.back();
    } else {
        throw InputError("ATR: " + n(rest) + " bytes after the historical bytes (at byte " + n(pos)
            + "), expected " + (atr.m_tckRequired ? "exactly one (TCK)" : "none"));
    }

    // PC/SC part 3 pseudo-ATR: 3B 8n 80 01 <n historical bytes> TCK.
    atr.m_contactless = b[0] == 0x3B && (b[1] & 0xF0) == 0x80 && atr.m_groups.size() == 3
        && atr.m_groups[0].td == 0x80 && atr.m_groups[1].td == 0x01 && !atr.m_groups[2].ta
        && !atr.m_groups[2].tb && !atr.m_groups[2].tc && !atr.m_groups[2].td && atr.m_tck;
    return atr;
}

const AtrInterfaceGroup* Atr::group(std::size_t level) const {
    if (level == 0 || level > m_groups.size()) {
        return nullptr;
    }
    return &m_groups[level - 1];
}

bool Atr::offers(int t) const {
    return std::find(m_protocols.begin(), m_protocols.end(), t) != m_protocols.end();
}

std::optional<int> Atr::fi() const {
    const int v = kFi[m_fiIndex];
    return v == 0 ? std::nullopt : std::optional<int>(v);
}

std::optional<int> Atr::di() const {
    const int v = kDi[m_diIndex];
    return v == 0 ? std::nullopt : std::optional<int>(v);
}

std::optional<Bytes> Atr::historicalObject(std::uint8_t tag) const {
    const Bytes& h = m_historical;
    if (h.empty() || (h[0] != 0x00 && h[0] != 0x80)) {
        return std::nullopt;
    }
    // Category 00: the last three bytes are the status indicator, outside the objects.
    const std::size_t end = h[0] == 0x00 ? (h.size() >= 4 ? h.size() - 3 : 1) : h.size();
    std::size_t pos = 1;
    while (pos < end) {
        const std::uint8_t t = static_cast<std::uint8_t>(h[pos] >> 4);
        const std::size_t len = h[pos] & 0x0F;
        if (len > end - pos - 1) {
            return std::nullopt;
        }
        if (t == tag) {
            return Bytes(h.begin() + static_cast<std::ptrdiff_t>(pos + 1),
                h.begin() + static_cast<std::ptrdiff_t>(pos + 1 + len));
        }
        pos += 1 + len;
    }
    return std::nullopt;
}

bool Atr::announcesExtendedLength() const {
    const auto caps = historicalObject(0x07);
    return caps && caps->size() >= 3 && ((*caps)[2] & 0x40) != 0;
}

std::optional<Bytes> Atr::contactlessHistoricalBytes() const {
    if (!m_contactless) {
        return std::nullopt;
    }
    return m_historical;
}

} // namespace hc::card
