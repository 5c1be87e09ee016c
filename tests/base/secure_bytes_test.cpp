// hc::SecureBytes: a working vector whose storage is wiped when freed.
#include "hc/base/secure_bytes.hpp"

#include <algorithm>
#include <doctest/doctest.h>

using namespace hc;

TEST_CASE("SecureBytes holds bytes like a vector") {
    const std::uint8_t raw[] = { 1, 2, 3 };
    SecureBytes s = toSecure(raw);
    s.push_back(4);
    CHECK(s.size() == 4);
    CHECK(s[3] == 4);
}

TEST_CASE("secureAllocate gives zeroed memory; cleanse wipes exactly the span it is given") {
    // secureFree runs the same OPENSSL_cleanse over the whole block before std::free; freed
    // memory cannot be inspected, so the wipe is checked through cleanse itself.
    auto* p = static_cast<std::uint8_t*>(detail::secureAllocate(32));
    CHECK(std::all_of(p, p + 32, [](std::uint8_t b) { return b == 0; }));
    std::fill(p, p + 32, std::uint8_t { 0xA5 });
    cleanse(std::span<std::uint8_t>(p, 16));
    CHECK(std::all_of(p, p + 16, [](std::uint8_t b) { return b == 0; }));
    CHECK(std::all_of(p + 16, p + 32, [](std::uint8_t b) { return b == 0xA5; }));
    detail::secureFree(p, 32);
}

TEST_CASE("cleanse empties a string after wiping it") {
    std::string pin = "123456";
    cleanse(pin);
    CHECK(pin.empty());
}
