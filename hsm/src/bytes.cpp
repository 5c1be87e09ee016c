#include "hc/hsm/bytes.hpp"

#include "hc/hsm/error.hpp"

namespace hc::hsm {

namespace {
int hexValue(char c) noexcept
{
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

std::string toHex(ByteView bytes)
{
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (std::uint8_t b : bytes) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 0x0F]);
    }
    return out;
}

Bytes fromHex(std::string_view text)
{
    Bytes out;
    int high = -1;
    std::size_t position = 0;
    for (char c : text) {
        ++position;
        if (c == ' ' || c == '\t' || c == ':' || c == '\n' || c == '\r') {
            continue;
        }
        int v = hexValue(c);
        if (v < 0) {
            throw InvalidArgumentError("hex text has a non-hex character at position "
                                       + std::to_string(position) + ": correct the input");
        }
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<std::uint8_t>((high << 4) | v));
            high = -1;
        }
    }
    if (high >= 0) {
        throw InvalidArgumentError("hex text has an odd number of digits: correct the input");
    }
    return out;
}

bool constantTimeEqual(ByteView a, ByteView b) noexcept
{
    if (a.size() != b.size()) {
        return false;
    }
    unsigned diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff |= static_cast<unsigned>(a[i] ^ b[i]);
    }
    return diff == 0;
}

} // namespace hc::hsm
