#include "hc/base/secure_bytes.hpp"

#include <cstdlib>
#include <cstring>
#include <new>
#include <openssl/crypto.h>
#include <sys/mman.h>

namespace hc {

namespace detail {

void* secureAllocate(std::size_t n) {
    if (n == 0) {
        n = 1;
    }
    void* p = std::malloc(n);
    if (p == nullptr) {
        throw std::bad_alloc();
    }
    std::memset(p, 0, n);
    // Best effort: a low RLIMIT_MEMLOCK makes mlock fail; the bytes are still wiped on free.
    (void)::mlock(p, n);
    return p;
}

void secureFree(void* p, std::size_t n) noexcept {
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

SecureBytes toSecure(std::span<const std::uint8_t> bytes) {
    return SecureBytes(bytes.begin(), bytes.end());
}

void cleanse(std::span<std::uint8_t> bytes) noexcept {
    if (!bytes.empty()) {
        OPENSSL_cleanse(bytes.data(), bytes.size());
    }
}

void cleanse(std::string& text) noexcept {
    if (!text.empty()) {
        OPENSSL_cleanse(text.data(), text.size());
    }
    text.clear();
}

} // namespace hc
