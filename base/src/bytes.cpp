#include "hc/base/bytes.hpp"

#include "hc/base/error.hpp"

namespace hc {

std::string toHex(ByteView bytes) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (std::uint8_t b : bytes) {
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 0x0F]);
    }
    return out;
}

namespace {
int hexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}
} // namespace

Bytes fromHex(std::string_view text) {
    Bytes out;
    out.reserve(text.size() / 2);
    int high = -1;
    std::size_t highPos = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == ' ' || c == '\t' || c == ':' || c == '\n' || c == '\r') {
            if (high >= 0) {
                throw InputError("hex text: lone digit at position " + std::to_string(highPos)
                    + " (bytes are two hex digits)");
            }
            continue;
        }
        const int v = hexValue(c);
        if (v < 0) {
            throw InputError("hex text: '" + std::string(1, c) + "' at position "
                + std::to_string(i) + " is not a hex digit");
        }
        if (high < 0) {
            high = v;
            highPos = i;
        } else {
            out.push_back(static_cast<std::uint8_t>((high << 4) | v));
            high = -1;
        }
    }
    if (high >= 0) {
        throw InputError("hex text: odd number of hex digits (lone digit at position "
            + std::to_string(highPos) + ")");
    }
    return out;
}

std::uint64_t readBigEndian(ByteView bytes) {
    if (bytes.empty() || bytes.size() > 8) {
        throw InputError(
            "big-endian integer must be 1 to 8 bytes, got " + std::to_string(bytes.size()));
    }
    std::uint64_t v = 0;
    for (std::uint8_t b : bytes) {
        v = (v << 8) | b;
    }
    return v;
}

void appendBigEndian(Bytes& out, std::uint64_t value, std::size_t width) {
    if (width == 0 || width > 8) {
        throw InputError("big-endian width must be 1 to 8, got " + std::to_string(width));
    }
    for (std::size_t i = width; i-- > 0;) {
        out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
    }
}

bool constantTimeEqual(ByteView a, ByteView b) noexcept {
    if (a.size() != b.size()) {
        return false;
    }
    unsigned diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff |= static_cast<unsigned>(a[i] ^ b[i]);
    }
    return diff == 0;
}

} // namespace hc
