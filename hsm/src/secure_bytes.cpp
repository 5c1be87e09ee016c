#include "hc/hsm/secure_bytes.hpp"

#include "hc/hsm/error.hpp"

namespace hc::hsm {

SecureBytes secureFromHex(std::span<const char> text) {
    SecureBytes out;
    out.reserve(text.size() / 2);
    int high = -1;
    for (char c : text) {
        int v = -1;
        if (c >= '0' && c <= '9') {
            v = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            v = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            v = c - 'A' + 10;
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            continue;
        } else {
            throw InvalidArgumentError("the key component contains a character that is not a hex "
                                       "digit: re-enter the component");
        }
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<std::uint8_t>((high << 4) | v));
            high = -1;
        }
    }
    if (high >= 0) {
        throw InvalidArgumentError("the key component has an odd number of hex digits: re-enter "
                                   "the component");
    }
    return out;
}

} // namespace hc::hsm
