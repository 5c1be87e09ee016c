// Unit tests: SM4 (GB/T 32907 vector), padding, diversification, session keys, external
// authentication cryptograms and SM MACs, SM3 (GB/T 32905 vector).
#include "hc/card/error.hpp"
#include "hc/card/health/crypto.hpp"

#include <doctest/doctest.h>

using namespace hc;
using namespace hc::card::health;

TEST_CASE("SM4-ECB standard vector") {
    const auto k = fromHex("0123456789ABCDEFFEDCBA9876543210");
    const auto c = sm4EcbEncrypt(k, k);
    CHECK(toHex(c) == "681EDF34D206965E86B3E94F536E4246");
    CHECK(sm4EcbDecrypt(k, c) == k);
    CHECK_THROWS_AS(sm4EcbEncrypt(k, Bytes(15)), hc::InputError);
    CHECK_THROWS_AS(sm4EcbEncrypt(Bytes(8), k), hc::InputError);
}

TEST_CASE("SM3 standard vector") {
    CHECK(toHex(sm3(Bytes { 'a', 'b', 'c' }))
        == "66C7F0F462EEEDD9D1F2D46BDC10E4E24167C4875CF2F7A2297DA02B8F4BA8E0");
}

TEST_CASE("ISO 9797-1 method 2 padding") {
    CHECK(toHex(pad80(fromHex("0102"))) == "01028000000000000000000000000000");
    CHECK(pad80(Bytes(16, 0)).size() == 32);
    CHECK(toHex(unpad80(fromHex("0102800000"))) == "0102");
    CHECK_THROWS_AS(unpad80(fromHex("010200")), hc::InputError);
}

TEST_CASE("diversification, card and session keys") {
    const auto mk = fromHex("0123456789ABCDEFFEDCBA9876543210");
    const auto card = fromHex("1122334455667788");
    const auto city = Bytes { '4', '1', '0', '0', '0', '0', '0', '0' };
    const auto rand = fromHex("A1A2A3A4A5A6A7A8");
    // diversify(K, D) = SM4_K(D || ~D)
    CHECK(diversify(mk, card) == sm4EcbEncrypt(mk, fromHex("1122334455667788EEDDCCBBAA998877")));
    const auto k1 = cardKey(mk, card);
    const auto k2 = cardKey(mk, card, city);
    CHECK(k1 != k2);
    CHECK(k2 == diversify(diversify(mk, city), card));
    CHECK(sessionKey(mk, concat(card, rand)) == diversify(k1, rand));
    CHECK(sessionKey(mk, concat(card, city, rand)) == diversify(k2, rand));
    CHECK_THROWS_AS(sessionKey(mk, card), hc::InputError);
}

TEST_CASE("external authentication cryptogram and MAC4") {
    const auto ks = fromHex("00112233445566778899AABBCCDDEEFF");
    const auto plain = fromHex("1122334455667788");
    const auto c = sm4EcbEncrypt(ks, fromHex("11223344556677880000000000000000"));
    CHECK(authCryptogram(ks, plain) == fold16(c));
    CHECK(fold16(fromHex("0102030405060708F0F0F0F0F0F0F0F0")) == fromHex("F1F2F3F4F5F6F7F8"));
    const auto data = fromHex("84D2010404");
    const auto mac = smMac4(ks, data);
    CHECK(mac.size() == 4);
    auto full = sm4CbcMac(ks, Bytes(16, 0), pad80(data));
    CHECK(Bytes(full.begin(), full.begin() + 4) == mac);
    CHECK(equalConstantTime(mac, mac));
    CHECK_FALSE(equalConstantTime(mac, Bytes(4, 0)));
}
