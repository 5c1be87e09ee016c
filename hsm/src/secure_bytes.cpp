#include "hc/hsm/secure_bytes.hpp"

#include <cstdlib>
#include <cstring>
#include <new>
#include <openssl/crypto.h>
#include <sys/mman.h>

#include "hc/hsm/error.hpp"

namespace hc::hsm {

namespace detail {

void* secureAllocate(std::size_t n)
{
    if (n == 0) {
        n = 1;
    }
    void* p = std::malloc(n);
    if (p == nullptr) {
        throw std::bad_alloc();
    }
    std::memset(p, 0, n);
    // Best effort: a low RLIMIT_MEMLOCK makes mlock fail; the bytes are still zeroized on free.
    (void)::mlock(p, n);
    return p;
}

void secureFree(void* p, std::size_t n) noexcept
{
    if (p == nullptr) {
        return;
    }
    if (n == 0) {
        n = 1;
    }
    OPENSSL_cleanse(p, n);
    (void)::munlock(p, n);
    std::free(p);
}

} // namespace detail

SecureBytes toSecure(std::span<const std::uint8_t> bytes)
{
    return SecureBytes(bytes.begin(), bytes.end());
}

SecureBytes secureFromHex(std::span<const char> text)
{
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

void cleanse(std::span<std::uint8_t> bytes) noexcept
{
    if (!bytes.empty()) {
        OPENSSL_cleanse(bytes.data(), bytes.size());
    }
}

void cleanse(std::string& text) noexcept
{
    if (!text.empty()) {
        OPENSSL_cleanse(text.data(), text.size());
    }
    text.clear();
}

} // namespace hc::hsm
