// Memory for clear key bytes: locked into RAM (mlock, best effort) and wiped with OPENSSL_cleanse
// when freed, so a key does not outlive its buffer in freed heap or in swap. Clear keys, PINs and
// passphrases live in hc::SecureBytes; everything else in hc::Bytes. Any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hc {

namespace detail {
/** Allocates and locks `n` bytes (zeroed); throws std::bad_alloc. */
void* secureAllocate(std::size_t n);
/** Wipes, unlocks and frees memory from secureAllocate. */
void secureFree(void* p, std::size_t n) noexcept;
} // namespace detail

/** std::allocator replacement that locks pages and wipes them on deallocation. */
template <typename T> struct SecureAllocator {
    using value_type = T;
    SecureAllocator() noexcept = default;
    template <typename U> SecureAllocator(const SecureAllocator<U>&) noexcept { }
    /** Allocates locked memory for n objects. */
    T* allocate(std::size_t n) { return static_cast<T*>(detail::secureAllocate(n * sizeof(T))); }
    /** Wipes and frees. */
    void deallocate(T* p, std::size_t n) noexcept { detail::secureFree(p, n * sizeof(T)); }
    template <typename U> bool operator==(const SecureAllocator<U>&) const noexcept { return true; }
};

/** A buffer for clear key material: locked, wiped when freed (also on every reallocation). */
using SecureBytes = std::vector<std::uint8_t, SecureAllocator<std::uint8_t>>;

/** Copies `bytes` into SecureBytes. */
SecureBytes toSecure(std::span<const std::uint8_t> bytes);

/** Wipes any buffer in place (OPENSSL_cleanse: not optimised away). */
void cleanse(std::span<std::uint8_t> bytes) noexcept;

/** Wipes a std::string in place and empties it (PINs and passphrases read from files). */
void cleanse(std::string& text) noexcept;

} // namespace hc
