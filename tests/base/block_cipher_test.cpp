// Known answers for hc::crypto's block ciphers, from the public standards.
#include "hc/base/crypto/block_cipher.hpp"
#include "hc/base/error.hpp"

#include <doctest/doctest.h>

using namespace hc;
using namespace hc::crypto;

TEST_CASE("DES ECB: FIPS 81 / FIPS 46 example (\"Now is t\")") {
    const Bytes c
        = encryptEcb(BlockCipher::Des, fromHex("0123456789ABCDEF"), fromHex("4E6F772069732074"));
    CHECK(toHex(c) == "3FA40E8A984D4815");
    CHECK(
        toHex(decryptEcb(BlockCipher::Des, fromHex("0123456789ABCDEF"), c)) == "4E6F772069732074");
}

TEST_CASE("DES CBC: FIPS 81 appendix C (\"Now is the time for all \")") {
    const Bytes key = fromHex("0123456789ABCDEF");
    const Bytes iv = fromHex("1234567890ABCDEF");
    const Bytes plain = fromHex("4E6F772069732074 68652074696D6520 666F7220616C6C20");
    const Bytes c = encryptCbc(BlockCipher::Des, key, iv, plain);
    CHECK(toHex(c) == "E5C7CDDE872BF27C43E934008C389C0F683788499A7C05F6");
    CHECK(decryptCbc(BlockCipher::Des, key, iv, c) == plain);
}

TEST_CASE("3-key 3DES ECB: NIST SP 800-67 example (\"The qufck brown fox jump\")") {
    const Bytes key = fromHex("0123456789ABCDEF 23456789ABCDEF01 456789ABCDEF0123");
    const Bytes plain = fromHex("5468652071756663 6B2062726F776E20 666F78206A756D70");
    const Bytes c = encryptEcb(BlockCipher::Des3, key, plain);
    CHECK(toHex(c) == "A826FD8CE53B855FCCE21C8112256FE668D5C05DD9B6B900");
    CHECK(decryptEcb(BlockCipher::Des3, key, c) == plain);
}

TEST_CASE("2-key 3DES is K1 K2 K1: equal to the 3-key form with K3 = K1") {
    const Bytes k2 = fromHex("0123456789ABCDEF FEDCBA9876543210");
    const Bytes k3 = fromHex("0123456789ABCDEF FEDCBA9876543210 0123456789ABCDEF");
    const Bytes plain = fromHex("1122334400008000");
    CHECK(encryptEcb(BlockCipher::Des3, k2, plain) == encryptEcb(BlockCipher::Des3, k3, plain));
    // And with K1 = K2 it degenerates to single DES (the FIPS 81 answer again).
    CHECK(toHex(encryptEcb(BlockCipher::Des3, fromHex("0123456789ABCDEF0123456789ABCDEF"),
              fromHex("4E6F772069732074")))
        == "3FA40E8A984D4815");
}

TEST_CASE("SM4 ECB: GB/T 32907-2016 appendix A example 1") {
    const Bytes key = fromHex("0123456789ABCDEFFEDCBA9876543210");
    const Bytes c = encryptEcb(BlockCipher::Sm4, key, key);
    CHECK(toHex(c) == "681EDF34D206965E86B3E94F536E4246");
    CHECK(decryptEcb(BlockCipher::Sm4, key, c) == key);
}

TEST_CASE("SM4 CBC chains: the first block is the ECB answer, decryption inverts") {
    const Bytes key = fromHex("0123456789ABCDEFFEDCBA9876543210");
    const Bytes plain = concat(key, key);
    const Bytes c = encryptCbc(BlockCipher::Sm4, key, {}, plain);
    CHECK(toHex(ByteView(c).first(16)) == "681EDF34D206965E86B3E94F536E4246");
    CHECK(toHex(ByteView(c).subspan(16)) != "681EDF34D206965E86B3E94F536E4246");
    CHECK(decryptCbc(BlockCipher::Sm4, key, {}, c) == plain);
}

TEST_CASE("AES-128 ECB: FIPS 197 appendix C.1") {
    const Bytes c = encryptEcb(BlockCipher::Aes, fromHex("000102030405060708090A0B0C0D0E0F"),
        fromHex("00112233445566778899AABBCCDDEEFF"));
    CHECK(toHex(c) == "69C4E0D86A7B0430D8CDB78070B4C55A");
}

TEST_CASE("bad sizes are refused with an error naming the key, data or IV") {
    auto message = [](auto&& f) {
        try {
            f();
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(message([] { encryptEcb(BlockCipher::Des, Bytes(7), Bytes(8)); })
        == "DES key: expected 8 bytes, got 7");
    CHECK(message([] { encryptEcb(BlockCipher::Des3, Bytes(8), Bytes(8)); })
        == "3DES key: expected 16 or 24 bytes, got 8");
    CHECK(message([] { encryptEcb(BlockCipher::Sm4, Bytes(16), Bytes(8)); })
        == "SM4 data: expected whole 16-byte blocks, got 8 bytes (pad it first)");
    CHECK(message([] { encryptCbc(BlockCipher::Sm4, Bytes(16), Bytes(8), Bytes(16)); })
        == "SM4 IV: expected 16 bytes, got 8");
    CHECK(encryptEcb(BlockCipher::Sm4, Bytes(16), {}).empty());
}
