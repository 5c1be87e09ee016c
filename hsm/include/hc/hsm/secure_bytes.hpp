// Memory for clear key bytes: locked into RAM (mlock, best effort) and zeroized with
// OPENSSL_cleanse when freed. Clear keys in hc::hsm only ever live in SecureBytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hc::hsm {

namespace detail {
/** Allocates and locks `n` bytes; throws std::bad_alloc. */
void* secureAllocate(std::size_t n);
/** Zeroizes, unlocks and frees memory from secureAllocate. */
void secureFree(void* p, std::size_t n) noexcept;
} // namespace detail

/** std::allocator replacement that locks pages and zeroizes on deallocation. */
template <typename T> struct SecureAllocator {
    using value_type = T;
    SecureAllocator() noexcept = default;
    template <typename U> SecureAllocator(const SecureAllocator<U>&) noexcept { }
    /** Allocates locked memory for n objects. */
    T* allocate(std::size_t n) { return static_cast<T*>(detail::secureAllocate(n * sizeof(T))); }
    /** Zeroizes and frees. */
    void deallocate(T* p, std::size_t n) noexcept { detail::secureFree(p, n * sizeof(T)); }
    template <typename U> bool operator==(const SecureAllocator<U>&) const noexcept { return true; }
};

/** A buffer for clear key material: locked, zeroized on free. */
using SecureBytes = std::vector<std::uint8_t, SecureAllocator<std::uint8_t>>;

/** Copies `bytes` into SecureBytes. */
SecureBytes toSecure(std::span<const std::uint8_t> bytes);

/** Parses hex (spaces ignored) straight into SecureBytes; throws InvalidArgumentError without
 *  echoing the text. */
SecureBytes secureFromHex(std::span<const char> text);

/** Zeroizes any buffer in place (OPENSSL_cleanse). */
void cleanse(std::span<std::uint8_t> bytes) noexcept;

/** Zeroizes a std::string in place (for PINs and passphrases read from files). */
void cleanse(std::string& text) noexcept;

} // namespace hc::hsm
