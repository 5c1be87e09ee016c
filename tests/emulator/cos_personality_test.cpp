// COS personalities (hcemu --cos): the switches, the ATR each personality presents (a card kind of
// its own, the diversifier kept as the last 8 historical bytes), and the refusals a reader must
// learn from: SFI, bulk reads, extended APDUs, a wrong Le, SELECT of a DF by FID.
#include "emu_test_util.hpp"
#include "hc/card/atr.hpp"
#include "hc/card/error.hpp"

#include <set>

using namespace hc;
using namespace hc::emu;
using emutest::TestCard;

namespace {
class CosCard : public TestCard {
public:
    explicit CosCard(const char* cos)
        : TestCard("resident-zhang-zhe.json") {
        os.setPersonality(CosPersonality::parse(cos));
        os.powerOn();
    }
};
} // namespace

TEST_CASE("the switches parse and print; bad words are named") {
    const auto p = CosPersonality::parse("no-sfi, no-bulk,delay=5,strict-le");
    CHECK_FALSE(p.sfi);
    CHECK_FALSE(p.bulk);
    CHECK(p.strictLe);
    CHECK(p.delayMs == 5);
    CHECK(p.toString() == "no-sfi,no-bulk,strict-le,delay=5");
    CHECK(CosPersonality::parse(p.toString()) == p);
    CHECK(CosPersonality::parse("standard").toString() == "standard");
    CHECK_FALSE(CosPersonality::parse("delay=20").changesAtr());
    try {
        CosPersonality::parse("no-sfi,fast");
        FAIL("no error");
    } catch (const hc::InputError& e) {
        CHECK(std::string(e.what()).find("\"fast\"") != std::string::npos);
    }
    CHECK_THROWS_AS(CosPersonality::parse("delay=x"), hc::InputError);
    CHECK_THROWS_AS(CosPersonality::parse("delay=10001"), hc::InputError);
    CHECK_THROWS_AS(CosPersonality::parse("t0,contactless"), hc::InputError);
}

TEST_CASE("each personality presents its own ATR, with the image's diversifier last") {
    const Bytes image = fromHex("3B8F8131FE45807300004069B04101020000000001AD");
    std::set<Bytes> prefixes;
    for (const char* cos : { "no-sfi", "no-bulk", "no-extended", "t0", "strict-le", "name-only",
             "contactless", "no-sfi,no-bulk" }) {
        CAPTURE(cos);
        const auto p = CosPersonality::parse(cos);
        const auto atr = hc::card::Atr::parse(personalityAtr(image, p));
        const Bytes& hist = atr.historicalBytes();
        REQUIRE(hist.size() == 15);
        CHECK(toHex(Bytes(hist.end() - 8, hist.end())) == "4101020000000001");
        CHECK(atr.announcesExtendedLength() == p.takesExtended());
        CHECK(atr.isContactless() == p.contactless);
        CHECK(atr.offers(1) == !p.t0);
        prefixes.insert(Bytes(hist.begin(), hist.end() - 8));
    }
    CHECK(prefixes.size() == 8); // eight card kinds
    CHECK(personalityAtr(image, CosPersonality::parse("delay=3")) == image);
}

TEST_CASE("no-sfi: SFI addressing is 6986; the selected EF reads") {
    CosCard card("no-sfi");
    CHECK(card.tx("00A4000002DDF1").sw == "9000");
    CHECK(card.tx("00B2012C03").sw == "6986");
    CHECK(card.tx("00B0870002").sw == "6986");
    CHECK(card.tx("00A4000002EF05").sw == "9000");
    CHECK(card.tx("00B2010403").data == "010131");
    CHECK(card.tx("00B2010003").data == "010131"); // by identifier in the current EF
}

TEST_CASE("no-bulk: P2=05 is 6A86; no-extended: extended APDUs are 6700") {
    CosCard card("no-bulk,no-extended");
    CHECK(card.tx("00A4000002DDF1").sw == "9000");
    CHECK(card.tx("00B2012D00").sw == "6A86");
    CHECK(card.tx("00B2012D00011C").sw == "6700");
    CHECK(card.tx("00B2012C03").sw == "9000");
}

TEST_CASE("strict-le: 6Cxx when Le is not the record length, even Le 00; the record stays") {
    CosCard card("strict-le");
    CHECK(card.tx("00A4000002DDF1").sw == "9000");
    CHECK(card.tx("00B2012C00").sw == "6C03");
    CHECK(card.tx("00B2012C10").sw == "6C03");
    const auto r = card.tx("00B2012C03");
    CHECK(r.sw == "9000");
    CHECK(r.data == "010131");
}

TEST_CASE("t0: 61xx for a case 4 answer, 6Cxx for a case 2 one, no extended APDUs") {
    CosCard card("t0");
    CHECK(card.tx("00A4000002DDF100").sw.substr(0, 2) == "61");
    CHECK(card.tx("00B2012C00").sw == "6C03");
    CHECK(card.tx("00B2012D0000FF").sw == "6700");
}

TEST_CASE("name-only: DFs by name, not by FID or path; EFs by FID") {
    CosCard card("name-only");
    CHECK(card.tx("00A4000002DDF1").sw == "6A82");
    CHECK(card.tx("00A40800043F00DDF1").sw == "6A82");
    CHECK(card.tx("00A404000C48432E544553542E44444631").sw == "9000");
    CHECK(card.tx("00A4000002EF05").sw == "9000");
    CHECK(card.tx("00A40000023F00").sw == "9000"); // the MF stays selectable
}

TEST_CASE("the image option extensions.cos; a bad one names the member") {
    auto img = emutest::loadSample("resident-zhang-zhe.json");
    img.extensions["cos"] = "no-sfi,contactless";
    CardOs os(std::move(img));
    CHECK_FALSE(os.personality().sfi);
    CHECK(hc::card::Atr::parse(os.atr()).isContactless());
    auto bad = emutest::loadSample("resident-zhang-zhe.json");
    bad.extensions["cos"] = "sfi-off";
    try {
        CardOs broken(std::move(bad));
        FAIL("no error");
    } catch (const hc::InputError& e) {
        CHECK(std::string(e.what()).find("extensions.cos") != std::string::npos);
    }
}
