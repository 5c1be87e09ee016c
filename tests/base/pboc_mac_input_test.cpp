// The PBOC e-purse MAC input layouts and MACs against tests/vectors/pboc-epurse.json (published
// load and purchase walk-throughs): the layouts give the published input bytes, and the base
// primitives (2-key 3DES for the session key, DES CBC-MAC over method-2 padding for the MACs)
// give the published MACs.
#include "hc/base/crypto/block_cipher.hpp"
#include "hc/base/crypto/mac.hpp"
#include "hc/base/crypto/padding.hpp"
#include "hc/base/crypto/pboc_mac_input.hpp"
#include "hc/base/error.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <fstream>
#include <sstream>

using namespace hc;
using namespace hc::crypto;

namespace {
boost::json::object vectors() {
    std::ifstream f(std::string(HC_TEST_VECTORS_DIR) + "/pboc-epurse.json");
    REQUIRE_MESSAGE(f.good(), "missing test vectors pboc-epurse.json in " HC_TEST_VECTORS_DIR);
    std::stringstream ss;
    ss << f.rdbuf();
    return boost::json::parse(ss.str()).as_object();
}
Bytes hex(const boost::json::object& o, const char* key) {
    return fromHex(std::string(o.at(key).as_string()));
}
std::uint32_t u(const Bytes& b) {
    return static_cast<std::uint32_t>(readBigEndian(b));
}
/** The PBOC DES MAC: CBC-MAC over method-2 padding, left 4 bytes. */
std::string pbocMac(ByteView key8, ByteView data) {
    return toHex(ByteView(cbcMac(BlockCipher::Des, key8, {}, padIso9797Method2(data, 8))).first(4));
}
} // namespace

TEST_CASE("load: SESLK input, MAC1 and MAC2 inputs and MACs match the published walk-through") {
    const auto load = vectors().at("load").as_object();
    const Bytes mac1In = hex(load, "MAC1_input");
    const Bytes mac2In = hex(load, "MAC2_input");
    const Bytes terminal(mac1In.begin() + 9, mac1In.begin() + 15);
    const Bytes date(mac2In.begin() + 11, mac2In.begin() + 15);
    const Bytes time(mac2In.begin() + 15, mac2In.end());
    const pboc::MacFields f { u(Bytes(mac1In.begin() + 4, mac1In.begin() + 8)), mac1In[8], terminal,
        date, time };

    const Bytes sesIn = pboc::loadSessionInput(
        hex(load, "random"), static_cast<std::uint16_t>(u(hex(load, "online_atc"))));
    CHECK(sesIn == hex(load, "SESLK_input"));
    const Bytes seslk = encryptEcb(BlockCipher::Des3, hex(load, "DLK"), sesIn);
    CHECK(seslk == hex(load, "SESLK"));

    CHECK(pboc::loadMac1Input(u(Bytes(mac1In.begin(), mac1In.begin() + 4)), f) == mac1In);
    CHECK(pbocMac(seslk, mac1In) == std::string(load.at("MAC1").as_string()));
    CHECK(pboc::loadMac2Input(f) == mac2In);
    CHECK(pbocMac(seslk, mac2In) == std::string(load.at("MAC2").as_string()));
}

TEST_CASE("purchase: SESPK input, MAC1 and MAC2 inputs and MACs match the published walk-through") {
    const auto p = vectors().at("purchase").as_object();
    const Bytes mac1In = hex(p, "MAC1_input");
    const Bytes terminal(mac1In.begin() + 5, mac1In.begin() + 11);
    const Bytes date(mac1In.begin() + 11, mac1In.begin() + 15);
    const Bytes time(mac1In.begin() + 15, mac1In.end());
    const pboc::MacFields f { u(Bytes(mac1In.begin(), mac1In.begin() + 4)), mac1In[4], terminal,
        date, time };

    const Bytes sesIn = pboc::purchaseSessionInput(hex(p, "random"),
        static_cast<std::uint16_t>(u(hex(p, "offline_atc"))), 0xABCD0000u | u(hex(p, "ttsn_low2")));
    CHECK(sesIn == hex(p, "SESPK_input"));
    const Bytes sespk = encryptEcb(BlockCipher::Des3, hex(p, "DPK"), sesIn);
    CHECK(sespk == hex(p, "SESPK"));

    CHECK(pboc::purchaseMac1Input(f) == mac1In);
    CHECK(pbocMac(sespk, mac1In) == std::string(p.at("MAC1").as_string()));
    CHECK(pboc::purchaseMac2Input(f.amount) == hex(p, "MAC2_input"));
    CHECK(pbocMac(sespk, hex(p, "MAC2_input")) == std::string(p.at("MAC2").as_string()));
}

TEST_CASE("diversification: 3DES_MK(D) || 3DES_MK(NOT D) and the project's SM4_MK(D || NOT D)") {
    const auto d = vectors().at("diversification").as_object();
    const Bytes block = pboc::diversificationInput(hex(d, "D"));
    CHECK(toHex(block) == "0000000012345678FFFFFFFFEDCBA987");
    CHECK(encryptEcb(BlockCipher::Des3, hex(d, "MK"), block) == hex(d, "3DES"));
    CHECK(encryptEcb(BlockCipher::Sm4, hex(d, "MK"), block) == hex(d, "SM4"));
}

TEST_CASE("TAC and overdraft layouts put each field where JR/T 0025 puts it") {
    const Bytes terminal = fromHex("001122334455");
    const Bytes date = fromHex("20240131");
    const Bytes time = fromHex("235959");
    const pboc::MacFields f { 0x1000, 0x06, terminal, date, time };
    CHECK(toHex(pboc::purchaseTacInput(f, 0x01020304))
        == "00001000"
           "06"
           "001122334455"
           "01020304"
           "20240131"
           "235959");
    CHECK(toHex(pboc::loadTacInput(0x2000, 0x0007, { 0x1000, 0x02, terminal, date, time }))
        == "00002000"
           "0007"
           "00001000"
           "02"
           "001122334455"
           "20240131"
           "235959");
    CHECK(toHex(pboc::overdraftMac1Input(0x2000, 0x0A0B0C, terminal))
        == "00002000"
           "0A0B0C"
           "07"
           "001122334455");
    CHECK(toHex(pboc::overdraftMac2Input(0x0D0E0F, terminal, date, time))
        == "0D0E0F"
           "07"
           "001122334455"
           "20240131"
           "235959");
    CHECK(toHex(pboc::overdraftTacInput(0x2000, 0x0007, 0x0D0E0F, terminal, date, time))
        == "00002000"
           "0007"
           "0D0E0F"
           "07"
           "001122334455"
           "20240131"
           "235959");
}

TEST_CASE("layouts refuse byte fields of the wrong size, naming the field") {
    const Bytes terminal = fromHex("0011223344");
    try {
        pboc::loadMac1Input(0, { 1, 2, terminal, {}, {} });
        FAIL("a 5-byte terminal id was accepted");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()) == "PBOC MAC input: terminal id: expected 6 bytes, got 5");
    }
    CHECK_THROWS_AS(pboc::loadSessionInput(fromHex("112233"), 0), InputError);
    CHECK_THROWS_AS(pboc::diversificationInput(fromHex("00")), InputError);
    CHECK_THROWS_AS(
        pboc::loadMac2Input({ 1, 2, fromHex("001122334455"), fromHex("2024"), fromHex("000000") }),
        InputError);
}
