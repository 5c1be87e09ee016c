// CardOs over demo-card.json: PIN (VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER), EXTERNAL
// AUTHENTICATE with the DF 1000 key, and what power-off/reset clear. PIN "123456", PUK
// "12345678", 3 PIN tries, 10 PUK tries; key 01 of DF 1000 is SM4 with 5 tries.
#include "emu_test_util.hpp"
#include "hc/card/error.hpp"

using namespace hc;
using namespace hc::emu;
using emutest::TestCard;

namespace {
const std::string kWrongPin = "313233343530"; // "123450"
const std::string kKey = "0123456789ABCDEFFEDCBA9876543210";
const std::string kSecret = "7365637265742D61667465722D617574"; // "secret-after-aut"
const std::string kPinProtected = "70696E2D70726F746563746564212121";

std::string verify(const std::string& pinHex) {
    const auto n = static_cast<std::uint8_t>(pinHex.size() / 2);
    return "00200000" + toHex(ByteView(&n, 1)) + pinHex;
}

/** GET CHALLENGE, then the cryptogram the emulator expects for the demo key. */
std::string cryptogramFor(TestCard& card, const char* le = "08") {
    const auto ch = card.tx(std::string("00840000") + le);
    REQUIRE(ch.sw == "9000");
    return toHex(externalAuthCryptogram(fromHex(kKey), fromHex(ch.data)));
}

CardKey& demoKey(TestCard& card) {
    auto& keys = card.file(0x1000).keys;
    REQUIRE(keys.size() == 1);
    return keys[0];
}
} // namespace

TEST_CASE("SM4 and the generic external-authentication cryptogram") {
    // GB/T 32907-2016 appendix A example 1: the demo key is the standard's test key.
    CHECK(
        toHex(sm4EncryptBlock(fromHex(kKey), fromHex(kKey))) == "681EDF34D206965E86B3E94F536E4246");
    CHECK(toHex(externalAuthCryptogram(fromHex(kKey), fromHex(kKey))) == "681EDF34D206965E");
    // A short challenge is padded with 00 to 16 bytes.
    const Bytes padded
        = sm4EncryptBlock(fromHex(kKey), fromHex("01020304050607080000000000000000"));
    CHECK(toHex(externalAuthCryptogram(fromHex(kKey), fromHex("0102030405060708")))
        == toHex(ByteView(padded.data(), 8)));
    CHECK_THROWS_AS(sm4EncryptBlock(fromHex("00"), fromHex(kKey)), InputError);
}

TEST_CASE("VERIFY: three wrong PINs block it, then even the right one gets 6983") {
    TestCard card;
    CHECK(card.tx(verify(kWrongPin)).sw == "63C2");
    CHECK(card.savedPinTries == 2);
    CHECK(card.tx(verify(kWrongPin)).sw == "63C1");
    CHECK(card.savedPinTries == 1);
    CHECK(card.tx(verify("3132")).sw == "63C0"); // any length counts as a try
    CHECK(card.savedPinTries == 0);
    CHECK(card.persists == 3);
    CHECK(card.saved.find("\"tries_left\": 0") != std::string::npos);

    CHECK(card.tx(verify(TestCard::kPin)).sw == "6983");
    CHECK(card.tx("00200000").sw == "6983");
    CHECK(card.persists == 3); // a blocked PIN counts nothing more
    CHECK_FALSE(card.os.security().pinVerified);
    REQUIRE(card.tx("00A4080C0410001002").sw == "9000");
    CHECK(card.tx("00B0000010").sw == "6982");
}

TEST_CASE("VERIFY: the right PIN resets the counter and opens PIN files") {
    TestCard card;
    CHECK(card.tx("00200000").sw == "63C3"); // no data: tries left
    CHECK(card.tx(verify(kWrongPin)).sw == "63C2");
    CHECK(card.tx("00200000").sw == "63C2");
    CHECK(card.tx(verify(TestCard::kPin)).sw == "9000");
    CHECK(card.persists == 2);
    CHECK(card.savedPinTries == 3);
    CHECK(card.tx("00200000").sw == "9000"); // no data: already verified
    CHECK(card.tx(verify(TestCard::kPin)).sw == "9000");
    CHECK(card.persists == 2); // counter already full: nothing to save

    REQUIRE(card.tx("00A4080C0410001002").sw == "9000");
    auto r = card.tx("00B0000010");
    CHECK(r.sw == "9000");
    CHECK(r.data == kPinProtected);

    // A wrong PIN afterwards withdraws the verification.
    CHECK(card.tx(verify(kWrongPin)).sw == "63C2");
    CHECK(card.tx("00B0000010").sw == "6982");
}

TEST_CASE("CHANGE REFERENCE DATA") {
    TestCard card;
    SUBCASE("P1=00: old PIN then new PIN") {
        CHECK(card.tx("0024000008"
                      "313233343536"
                      "3939")
                  .sw
            == "6A80"); // new PIN of 2 bytes
        CHECK(card.tx("0024000006"
                      "313233343536")
                  .sw
            == "6700"); // no new PIN at all
        CHECK(card.tx("002400000A"
                      "313233343530"
                      "39393939")
                  .sw
            == "63C2");
        CHECK(card.savedPinTries == 2);
        CHECK(card.tx("002400000A"
                      "313233343536"
                      "39393939")
                  .sw
            == "9000");
        CHECK(card.saved.find("\"value\": \"39393939\"") != std::string::npos);
        CHECK(card.savedPinTries == 3);
        CHECK(card.os.security().pinVerified);
        CHECK(card.tx(verify(TestCard::kPin)).sw == "63C2");
        CHECK(card.tx(verify("39393939")).sw == "9000");
    }
    SUBCASE("P1=01: new PIN only, after VERIFY") {
        CHECK(card.tx("0024010004"
                      "38383838")
                  .sw
            == "6982");
        REQUIRE(card.tx(verify(TestCard::kPin)).sw == "9000");
        CHECK(card.tx("0024010004"
                      "38383838")
                  .sw
            == "9000");
        CHECK(card.tx(verify("38383838")).sw == "9000");
    }
    SUBCASE("blocked PIN and bad P1") {
        CHECK(card.tx("0024020004"
                      "38383838")
                  .sw
            == "6A86");
        for (int i = 0; i < 3; ++i) {
            REQUIRE(card.tx(verify(kWrongPin)).sw.substr(0, 3) == "63C");
        }
        CHECK(card.tx("002400000A"
                      "313233343536"
                      "39393939")
                  .sw
            == "6983");
    }
}

TEST_CASE("RESET RETRY COUNTER with the PUK unblocks the PIN") {
    TestCard card;
    for (int i = 0; i < 3; ++i) {
        REQUIRE(card.tx(verify(kWrongPin)).sw.substr(0, 3) == "63C");
    }
    REQUIRE(card.tx(verify(TestCard::kPin)).sw == "6983");

    SUBCASE("P1=01: PUK only, the PIN stays") {
        CHECK(card.tx("002C010008"
                      "3132333435363730")
                  .sw
            == "63C9"); // wrong PUK
        CHECK(card.os.image().puk->triesLeft == 9);
        CHECK(card.saved.find("\"tries_left\": 9") != std::string::npos);
        CHECK(card.tx("002C010008" + std::string(TestCard::kPuk)).sw == "9000");
        CHECK(card.os.image().puk->triesLeft == 10);
        CHECK(card.savedPinTries == 3);
        CHECK(card.tx("00200000").sw == "63C3");
        CHECK(card.tx(verify(TestCard::kPin)).sw == "9000");
    }
    SUBCASE("P1=00: PUK and a new PIN") {
        CHECK(card.tx("002C00000C" + std::string(TestCard::kPuk) + "34343434").sw == "9000");
        CHECK(card.tx(verify(TestCard::kPin)).sw == "63C2");
        CHECK(card.tx(verify("34343434")).sw == "9000");
    }
    SUBCASE("a refused new PIN changes no counter") {
        REQUIRE(card.tx("002C010008"
                        "3132333435363730")
                    .sw
            == "63C9");
        const int persists = card.persists;
        CHECK(card.tx("002C000009" + std::string(TestCard::kPuk) + "34").sw == "6A80");
        CHECK(card.os.image().puk->triesLeft == 9); // as on disk
        CHECK(card.persists == persists);
        CHECK(card.tx(verify(TestCard::kPin)).sw == "6983");
    }
    SUBCASE("errors") {
        CHECK(card.tx("002C010004"
                      "31323334")
                  .sw
            == "6700"); // short PUK
        CHECK(card.tx("002C020008" + std::string(TestCard::kPuk)).sw == "6A86"); // bad P1
        CHECK(
            card.tx("002C000009" + std::string(TestCard::kPuk) + "34").sw == "6A80"); // PIN 1 byte
        CHECK(card.tx(verify(TestCard::kPin)).sw == "6983"); // the failed reset changed nothing
    }
}

TEST_CASE("EXTERNAL AUTHENTICATE with the image's key opens EF 1001") {
    TestCard card;
    REQUIRE(card.tx("00A4040C08A000000003100001").sw == "9000");
    REQUIRE(card.tx("00A4020C021001").sw == "9000");
    CHECK(card.tx("00B0000010").sw == "6982");
    CHECK(card.tx("00D6000001FF").sw == "6982");

    const auto crypt = cryptogramFor(card);
    CHECK(card.tx("0082000108" + crypt).sw == "9000");
    CHECK(card.os.security().keys.contains({ std::uint16_t { 0x1000 }, std::uint8_t { 0x01 } }));
    CHECK(card.os.security().challenge.empty());
    auto r = card.tx("00B0000010");
    CHECK(r.sw == "9000");
    CHECK(r.data == kSecret);
    CHECK(card.tx("00D6000001FF").sw == "9000");
    CHECK(
        card.persists == 1); // the update; a successful authentication at full tries saves nothing

    // Still authenticated after a trip to the MF and back (until reset).
    REQUIRE(card.tx("00A4000C023F00").sw == "9000");
    REQUIRE(card.tx("00A4080C0410001001").sw == "9000");
    CHECK(card.tx("00B0000001").sw == "9000");
}

TEST_CASE("EXTERNAL AUTHENTICATE: a 4- or 16-byte challenge works too") {
    for (const std::string le : { "04", "10" }) {
        CAPTURE(le);
        TestCard card;
        REQUIRE(card.tx("00A4000C021000").sw == "9000");
        CHECK(card.tx("0082000108" + cryptogramFor(card, le.c_str())).sw == "9000");
    }
}

TEST_CASE("EXTERNAL AUTHENTICATE: a wrong cryptogram counts and consumes the challenge") {
    TestCard card;
    REQUIRE(card.tx("00A4000C021000").sw == "9000");
    const auto crypt = cryptogramFor(card);
    std::string wrong = crypt;
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    CHECK(card.tx("0082000108" + wrong).sw == "63C4");
    CHECK(demoKey(card).triesLeft == 4);
    CHECK(card.persists == 1);
    CHECK(card.saved.find("\"tries_left\": 4") != std::string::npos);
    CHECK(card.tx("0082000108" + crypt).sw == "6984"); // the old challenge is gone
    CHECK(card.os.security().keys.empty());

    CHECK(card.tx("0082000108" + cryptogramFor(card)).sw == "9000");
    CHECK(demoKey(card).triesLeft == 5); // reset to max, and saved
    CHECK(card.persists == 2);

    // A cryptogram of the wrong length: 6700, the challenge is spent, no try counted.
    const auto c2 = cryptogramFor(card);
    CHECK(card.tx("0082000104" + c2.substr(0, 8)).sw == "6700");
    CHECK(card.tx("0082000108" + c2).sw == "6984");
    CHECK(demoKey(card).triesLeft == 5);
}

TEST_CASE("EXTERNAL AUTHENTICATE: no challenge, unknown key, blocked key") {
    TestCard card;
    REQUIRE(card.tx("00A4000C021000").sw == "9000");
    CHECK(card.tx("0082000108"
                  "0000000000000000")
              .sw
        == "6984");
    CHECK(card.tx("0082000108"
                  "0000000000000000")
              .sw
        == "6984"); // no try counted
    CHECK(demoKey(card).triesLeft == 5);

    (void)cryptogramFor(card);
    CHECK(card.tx("0082000208"
                  "0000000000000000")
              .sw
        == "6A88"); // no key 02

    REQUIRE(card.tx("00A4000C023F00").sw == "9000");
    CHECK(card.tx("0082000108" + cryptogramFor(card)).sw == "6A88"); // the MF has no key 01

    REQUIRE(card.tx("00A4000C021000").sw == "9000");
    demoKey(card).triesLeft = 0;
    CHECK(card.tx("0082000108" + cryptogramFor(card)).sw == "6983");
}

TEST_CASE("EXTERNAL AUTHENTICATE: five failures block the key") {
    TestCard card;
    REQUIRE(card.tx("00A4000C021000").sw == "9000");
    for (int left = 4; left >= 0; --left) {
        CAPTURE(left);
        (void)cryptogramFor(card);
        CHECK(card.tx("0082000108"
                      "0000000000000000")
                  .sw
            == "63C" + std::to_string(left));
    }
    CHECK(card.tx("0082000108" + cryptogramFor(card)).sw == "6983");
    CHECK(card.saved.find("\"tries_left\": 0") != std::string::npos);
}

TEST_CASE("power-off and reset clear the security state and the selection, not the data") {
    for (const std::string how : { "reset", "power cycle" }) {
        CAPTURE(how);
        TestCard card;
        REQUIRE(card.tx(verify(TestCard::kPin)).sw == "9000");
        REQUIRE(card.tx("00A4000C021000").sw == "9000");
        REQUIRE(card.tx("0082000108" + cryptogramFor(card)).sw == "9000");
        REQUIRE(card.tx("00A4020C021001").sw == "9000");
        REQUIRE(card.tx("00B0000001").sw == "9000");
        REQUIRE(card.tx("00A4000C020001").sw == "9000");
        REQUIRE(card.tx("00D6000001EE").sw == "9000"); // persistent change
        REQUIRE(card.tx(verify(kWrongPin)).sw == "63C2"); // persistent counter
        REQUIRE(card.tx(verify(TestCard::kPin)).sw == "9000");
        (void)card.tx("0084000008"); // a pending challenge

        if (how == "reset") {
            card.os.reset();
            CHECK(card.os.powered());
        } else {
            card.os.powerOff();
            CHECK_FALSE(card.os.powered());
            card.os.powerOn();
            CHECK(card.os.apduCount() == 0);
        }

        CHECK_FALSE(card.os.security().pinVerified);
        CHECK(card.os.security().keys.empty());
        CHECK(card.os.security().challenge.empty());
        CHECK(card.os.currentDf() == card.os.image().mf.get());
        CHECK(card.os.currentEf() == nullptr);
        CHECK(card.tx("00B0000001").sw == "6986"); // no EF selected
        CHECK(card.tx("00A4020C021001").sw == "6A82"); // we are in the MF again
        CHECK(card.tx("0082000108"
                      "0000000000000000")
                  .sw
            == "6A88"); // no key in the MF
        REQUIRE(card.tx("00A4080C0410001001").sw == "9000");
        CHECK(card.tx("00B0000001").sw == "6982"); // key 01 must be authenticated again
        CHECK(card.tx("0082000108"
                      "0000000000000000")
                  .sw
            == "6984"); // no challenge
        REQUIRE(card.tx("00A4080C0410001002").sw == "9000");
        CHECK(card.tx("00B0000001").sw == "6982"); // PIN must be verified again

        REQUIRE(card.tx("00A4000C023F00").sw == "9000");
        CHECK(card.tx("00B0810001").data == "EE"); // the update survived
        CHECK(card.tx("00200000").sw == "63C3"); // the counter is full again, as saved
    }
}
