// Known answers for ISO/IEC 9797-1 padding method 2 and MAC algorithms 1 and 3.
#include "hc/base/crypto/mac.hpp"
#include "hc/base/crypto/padding.hpp"
#include "hc/base/error.hpp"

#include <doctest/doctest.h>

using namespace hc;
using namespace hc::crypto;

namespace {
// ISO/IEC 9797-1:1999 annex B: K = 0123456789ABCDEF, K' = FEDCBA9876543210, data "Now is the time
// for all " (three 8-byte blocks).
const Bytes kData = fromHex("4E6F772069732074 68652074696D6520 666F7220616C6C20");
const Bytes kK = fromHex("0123456789ABCDEF");
const Bytes kKK = fromHex("0123456789ABCDEF FEDCBA9876543210");
} // namespace

TEST_CASE("padding method 2 appends 80 and zeros, a whole block when aligned") {
    CHECK(toHex(padIso9797Method2(fromHex("01"), 8)) == "0180000000000000");
    CHECK(toHex(padIso9797Method2(fromHex("0102030405060708"), 8))
        == "01020304050607088000000000000000");
    CHECK(toHex(padIso9797Method2({}, 16)) == "80000000000000000000000000000000");
    CHECK(padIso9797Method2(kData, 16).size() == 32);
}

TEST_CASE("method 2 unpadding inverts padding and refuses what is not padding") {
    CHECK(toHex(unpadIso9797Method2(fromHex("0102800000000000"), 8)) == "0102");
    CHECK(unpadIso9797Method2(padIso9797Method2(kData, 8), 8) == kData);
    CHECK_THROWS_AS(unpadIso9797Method2(fromHex("0102000000000000"), 8), InputError);
    CHECK_THROWS_AS(unpadIso9797Method2(fromHex("01028000"), 8), InputError);
    // 80 followed by a whole block of zeros is not method-2 padding.
    CHECK_THROWS_AS(
        unpadIso9797Method2(fromHex("8000000000000000 0000000000000000"), 8), InputError);
}

TEST_CASE("MAC algorithm 1, DES, padding method 1 (no padding): ISO 9797-1 annex B") {
    CHECK(toHex(cbcMac(BlockCipher::Des, kK, {}, kData)) == "70A30640CC76DD8B");
}

TEST_CASE("MAC algorithm 1, DES, padding method 2") {
    // Cross-checked with `openssl enc -des-cbc -iv 0 -nopad` over the padded data.
    CHECK(
        toHex(cbcMac(BlockCipher::Des, kK, {}, padIso9797Method2(kData, 8))) == "10E1F0F108341B6D");
}

TEST_CASE("MAC algorithm 3 (retail MAC), padding method 1: ISO 9797-1 annex B") {
    CHECK(toHex(retailMac(kKK, {}, kData)) == "A1C72E74EA3FA9B6");
}

TEST_CASE("MAC algorithm 3 (retail MAC), padding method 2") {
    // Cross-checked with openssl: DES-CBC under K, then DES-EDE under K || K' on the last block.
    CHECK(toHex(retailMac(kKK, {}, padIso9797Method2(kData, 8))) == "E9086230CA3BE796");
}

TEST_CASE("retail MAC of one block is 2-key 3DES of that block") {
    const Bytes block = fromHex("4E6F772069732074");
    CHECK(retailMac(kKK, {}, block) == encryptEcb(BlockCipher::Des3, kKK, block));
}

TEST_CASE("the IV enters the chain: DES CBC-MAC with the FIPS 81 IV is the last CBC block") {
    CHECK(toHex(cbcMac(BlockCipher::Des, kK, fromHex("1234567890ABCDEF"), kData))
        == "683788499A7C05F6");
}

TEST_CASE("SM4 CBC-MAC of one block is SM4 ECB of it (GB/T 32907 example 1)") {
    const Bytes key = fromHex("0123456789ABCDEFFEDCBA9876543210");
    CHECK(toHex(cbcMac(BlockCipher::Sm4, key, {}, key)) == "681EDF34D206965E86B3E94F536E4246");
}

TEST_CASE("MACs refuse empty or unpadded data and wrong keys") {
    CHECK_THROWS_AS(cbcMac(BlockCipher::Des, kK, {}, {}), InputError);
    CHECK_THROWS_AS(cbcMac(BlockCipher::Des, kK, {}, fromHex("01")), InputError);
    CHECK_THROWS_AS(retailMac(kK, {}, kData), InputError);
    CHECK_THROWS_AS(retailMac(kKK, {}, fromHex("01")), InputError);
}
