// CardOs on the wire: T=0 behaviour (61xx + GET RESPONSE, 6Cxx) over demo-card-t0.json, malformed
// raw APDUs, and profile command handlers.
#include "emu_test_util.hpp"
#include "hc/card/error.hpp"

#include <cstdint>

using namespace hc;
using namespace hc::emu;
using emutest::TestCard;
using hc::card::CommandApdu;
using hc::card::ResponseApdu;
using hc::card::StatusWord;

namespace {
const std::string kFci0001 = "620B820101830200018002"
                             "0020"; // 13 bytes
const std::string kHello = "48656C6C6F2066726F6D206863656D75";

/** Answers INS CA with one byte, INS CB with `bigSize` bytes, SELECT by name with CAFE. */
class TestHandler : public CommandHandler {
public:
    explicit TestHandler(std::uint8_t tag = 0xAB)
        : m_tag(tag) { }
    std::optional<ResponseApdu> handle(CardOs&, const CommandApdu& c) override {
        ++seen;
        if (c.ins() == 0xCA) {
            return ResponseApdu { Bytes { m_tag }, hc::card::sw::Ok };
        }
        if (c.ins() == 0xCB) {
            return ResponseApdu { Bytes(bigSize, m_tag), hc::card::sw::Ok };
        }
        if (c.ins() == 0xA4 && c.p1() == 0x04) {
            return ResponseApdu { fromHex("CAFE"), hc::card::sw::Ok };
        }
        return std::nullopt;
    }
    void onReset(CardOs&) override { ++resets; }

    int seen = 0;
    int resets = 0;
    std::size_t bigSize = 300;

private:
    std::uint8_t m_tag;
};
} // namespace

TEST_CASE("T=0: a case-4 command answers 61xx and GET RESPONSE returns the data") {
    TestCard card("demo-card-t0.json");
    REQUIRE(card.os.image().t0);
    auto r = card.tx("00A40000020001"
                     "00");
    CHECK(r.data == "");
    CHECK(r.sw == "610D");
    r = card.tx("00C000000D");
    CHECK(r.sw == "9000");
    CHECK(r.data == kFci0001);
    CHECK(card.tx("00C000000D").sw == "6985"); // consumed

    SUBCASE("in pieces") {
        REQUIRE(card.tx("00A40000020001"
                        "00")
                    .sw
            == "610D");
        r = card.tx("00C0000005");
        CHECK(r.data == kFci0001.substr(0, 10));
        CHECK(r.sw == "6108");
        r = card.tx("00C0000008");
        CHECK(r.data == kFci0001.substr(10));
        CHECK(r.sw == "9000");
    }
    SUBCASE("a larger Le gets what is left") {
        REQUIRE(card.tx("00A40000020001"
                        "00")
                    .sw
            == "610D");
        r = card.tx("00C0000000");
        CHECK(r.data == kFci0001);
        CHECK(r.sw == "9000");
    }
    SUBCASE("a case-3 command without response data answers directly") {
        CHECK(card.tx("00A4000C020001").sw == "9000");
        CHECK(card.tx(std::string("0020000006") + TestCard::kPin).sw == "9000");
        CHECK(card.tx("00D6000001AA").sw == "9000");
    }
    SUBCASE("errors pass through unchanged") {
        CHECK(card.tx("00A40000027777"
                      "00")
                  .sw
            == "6A82");
        CHECK(card.tx("00C0000001").sw == "6985");
    }
}

TEST_CASE("T=0: more than 256 bytes come out in 61xx chunks") {
    TestCard card("demo-card-t0.json");
    auto h = std::make_shared<TestHandler>(0x5A);
    card.os.addHandler(h);
    auto r = card.tx("00CB000001FF"
                     "00"); // case 4, 300 bytes of answer
    CHECK(r.sw == "6100");
    r = card.tx("00C0000000");
    CHECK(r.data.size() == 2 * 256);
    CHECK(r.sw == "612C");
    r = card.tx("00C000002C");
    CHECK(r.data.size() == 2 * 44);
    CHECK(r.sw == "9000");
}

TEST_CASE("T=0: GET RESPONSE with nothing pending is 6985") {
    TestCard card("demo-card-t0.json");
    CHECK(card.tx("00C0000010").sw == "6985");

    SUBCASE("any other command drops the pending data") {
        REQUIRE(card.tx("00A40000020001"
                        "00")
                    .sw
            == "610D");
        REQUIRE(card.tx("00B0000001").sw == "9000");
        CHECK(card.tx("00C000000D").sw == "6985");
    }
    SUBCASE("so does a malformed command") {
        REQUIRE(card.tx("00A40000020001"
                        "00")
                    .sw
            == "610D");
        REQUIRE(card.tx("00A4").sw == "6700");
        CHECK(card.tx("00C000000D").sw == "6985");
    }
    SUBCASE("and a reset") {
        REQUIRE(card.tx("00A40000020001"
                        "00")
                    .sw
            == "610D");
        card.os.reset();
        CHECK(card.tx("00C000000D").sw == "6985");
    }
    SUBCASE("a proprietary-class C0 is not GET RESPONSE") {
        REQUIRE(card.tx("00A40000020001"
                        "00")
                    .sw
            == "610D");
        CHECK(card.tx("80C000000D").sw == "6E00");
    }
}

TEST_CASE("T=0: a case-2 command with the wrong Le answers 6Cxx") {
    TestCard card("demo-card-t0.json");
    REQUIRE(card.tx("00A4000C020001").sw == "9000");
    auto r = card.tx("00B0000040");
    CHECK(r.data == "");
    CHECK(r.sw == "6C20");
    CHECK(card.tx("00B0000000").sw == "6C20"); // Le=00 means 256 on T=0
    r = card.tx("00B0000020");
    CHECK(r.sw == "9000");
    CHECK(r.data.substr(0, 32) == kHello);
    CHECK(card.tx("00B0001020").sw == "6C10"); // 16 left at offset 16
    CHECK(card.tx("00B0000004").data == "48656C6C");
    CHECK(card.tx("00B0002101").sw == "6B00");

    REQUIRE(card.tx("00A4000C020002").sw == "9000");
    CHECK(card.tx("00B2010420").sw == "6C10"); // 16-byte records
    CHECK(card.tx("00B2010408").sw == "6C10");
    CHECK(card.tx("00B2010410").sw == "9000");
}

TEST_CASE("T=0: a 6Cxx answer does not move the record pointer") {
    TestCard card("demo-card-t0.json");
    REQUIRE(card.tx("00A4000C020002").sw == "9000");
    REQUIRE(card.tx("00B2010410").sw == "9000"); // record 1 is current
    CHECK(card.tx("00B2000220").sw == "6C10"); // next, Le too large
    auto r = card.tx("00B2000210");
    CHECK(r.sw == "9000");
    CHECK(r.data.substr(0, 2) == "02"); // record 2, not 3
}

TEST_CASE("T=1: no 61xx/6Cxx, and GET RESPONSE is not a command") {
    TestCard card;
    REQUIRE_FALSE(card.os.image().t0);
    auto r = card.tx("00A40000020001"
                     "00");
    CHECK(r.sw == "9000");
    CHECK(r.data == kFci0001);
    r = card.tx("00B0000040");
    CHECK(r.sw == "6282");
    CHECK(r.data.size() == 64);
    CHECK(card.tx("00C000000D").sw == "6D00");
}

TEST_CASE("processRaw: malformed APDU bytes answer 6700") {
    for (const std::string t0image : { "demo-card.json", "demo-card-t0.json" }) {
        CAPTURE(t0image);
        TestCard card(t0image.c_str());
        for (const std::string bad : { "", "00", "00A4", "00A400", "00A40000053F00",
                 "00A40000023F000000"
                 "00",
                 "00B000000001", "00D60000000003AABB" }) {
            CAPTURE(bad);
            CHECK(card.tx(bad).sw == "6700");
        }
        // The card is fine afterwards.
        CHECK(card.tx("00A4000C020001").sw == "9000");
        CHECK(card.tx("00B0000005").data == "48656C6C6F");
    }
}

TEST_CASE("processRaw: random bytes never crash and always get a status word") {
    for (const std::string image : { "demo-card.json", "demo-card-t0.json" }) {
        CAPTURE(image);
        TestCard card(image.c_str());
        REQUIRE(card.tx(std::string("0020000006") + TestCard::kPin).sw == "9000");
        std::uint64_t state = 0x243F6A8885A308D3ULL;
        auto next = [&state] {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            return static_cast<std::uint8_t>(state >> 56);
        };
        const std::uint8_t ins[]
            = { 0xA4, 0xB0, 0xD6, 0xB2, 0xDC, 0xE2, 0x84, 0x20, 0x24, 0x2C, 0x82, 0xC0, 0x00 };
        std::string firstFailure;
        for (int i = 0; i < 5000 && firstFailure.empty(); ++i) {
            Bytes apdu(next() % 24);
            for (auto& b : apdu) {
                b = next();
            }
            if (apdu.size() >= 2 && next() % 4 != 0) {
                apdu[0] = 0x00;
                apdu[1] = ins[next() % sizeof ins];
            }
            if (apdu.size() >= 5 && next() % 2 == 0) {
                apdu[4] = static_cast<std::uint8_t>(apdu.size() - 5); // a consistent Lc
            }
            try {
                const Bytes rsp = card.os.processRaw(apdu);
                if (rsp.size() < 2) {
                    firstFailure = toHex(apdu) + ": response shorter than 2 bytes";
                }
            } catch (const std::exception& e) {
                firstFailure = toHex(apdu) + ": threw " + e.what();
            }
            if (next() % 64 == 0) {
                card.os.reset();
            }
        }
        CHECK(firstFailure == "");
        // Whatever state the card reached can be saved and loaded again.
        const std::string text = serializeCardImage(card.os.image());
        CHECK_NOTHROW((void)parseCardImage(text));
    }
}

TEST_CASE("CommandHandler: asked first, in order, and told about resets") {
    TestCard card;
    auto first = std::make_shared<TestHandler>(0x01);
    auto second = std::make_shared<TestHandler>(0x02);
    card.os.addHandler(first);
    card.os.addHandler(second);

    auto r = card.tx("00CA000000");
    CHECK(r.sw == "9000");
    CHECK(r.data == "01"); // the first handler answered
    CHECK(first->seen == 1);
    CHECK(second->seen == 0);

    // Precedence over ISO: SELECT by name goes to the handler, even for an unknown name.
    r = card.tx("00A404000401020304"
                "00");
    CHECK(r.data == "CAFE");
    CHECK(r.sw == "9000");
    // And over the proprietary-class check.
    CHECK(card.tx("80CA000000").data == "01");
    // Declined commands go on to ISO.
    r = card.tx("00A40000020001"
                "00");
    CHECK(r.data == kFci0001);
    CHECK(second->seen == 1); // it saw the SELECT the first one declined

    // process() consults handlers the same way.
    const auto pr = card.os.process(CommandApdu(0x00, 0xCA, 0x00, 0x00, {}, 1));
    CHECK(pr.data() == Bytes { 0x01 });

    const int before = first->resets;
    card.os.reset();
    CHECK(first->resets == before + 1);
    CHECK(second->resets == before + 1);
    card.os.powerOff();
    const int afterOff = first->resets;
    card.os.powerOn();
    CHECK(first->resets == afterOff + 1);
}
