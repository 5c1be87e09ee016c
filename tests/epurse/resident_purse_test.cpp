// Integration: the co-branded resident cards (resident-*.json: health application in DDF1 and the
// PBOC EP in its own ADF) with the combined slot-1 SAM (resident-sam.json: health SAM and purchase
// PSAM in one card), through pcscd + vpcd + hcemu. A kiosk with one SAM reader reads the health
// data and takes a purchase in the same session.
#include "counting_channel.hpp"
#include "hc/card/epurse/purse_client.hpp"
#include "hc/card/health/health_card.hpp"
#include "hc/card/health/sam_card.hpp"
#include "hc/card/t0_channel.hpp"
#include "hc/pcsc.hpp"
#include "hc/testing/pcsc_stack.hpp"
#include "purse_rig.hpp"

#include <doctest/doctest.h>

using namespace hc;
using namespace hc::card;
using namespace hc::card::epurse;
using hc::testing::CountingChannel;
using hc::testing::EmulatedCard;
using hc::testing::kReader2;
using hc::testing::kReader3;

namespace {
const std::filesystem::path kImages = HC_IMAGES_DIR;

} // namespace

TEST_CASE("the resident cards carry the EP with their starting balances and logs") {
    struct Expect {
        const char* image;
        std::uint32_t balance;
        std::size_t logRecords;
        const char* serial;
    };
    for (const Expect e : { Expect { "resident-li-na.json", 10000, 3, "31001101050000000003" },
             Expect { "resident-ayigul.json", 0, 2, "31006501020000000002" },
             Expect { "resident-zhang-zhe.json", 3550, 3, "31004101020000000001" } }) {
        CAPTURE(e.image);
        EmulatedCard card(e.image, 2);
        std::size_t n = 0;
        auto ch = hc::testing::connectCounted(kReader2, n);
        PurseClient client(*ch, hc::testing::fixedClock());
        const auto info = client.open();
        CHECK(toHex(info.serial) == e.serial);
        CHECK(client.balance() == e.balance);
        const auto log = client.readLog();
        CHECK(log.size() == e.logRecords);
        REQUIRE_FALSE(log.empty());
        CHECK(log.back().isLoad()); // the oldest entry is the first top-up
    }
}

TEST_CASE("one SAM reader: health read with the SAM card, then purchase and load on the EP") {
    EmulatedCard user("resident-li-na.json", 2);
    EmulatedCard samEmu("resident-sam.json", 3);
    std::size_t nCard = 0;
    std::size_t nSam = 0;
    auto ch = hc::testing::connectCounted(kReader2, nCard);
    auto samCh = hc::testing::connectCounted(kReader3, nSam);

    // Health side first: the SAM's PIN leaves its DF01 selected.
    health::SamCard sam(*samCh);
    REQUIRE(sam.verifyPin(Bytes { '1', '2', '3', '4', '5', '6' }).status == health::PinStatus::Ok);
    {
        health::HealthCard card(*ch, health::CardProfile::ws543_2017(), &sam);
        CHECK(card.readIdentity().value.holder.name == "李娜");
    }

    // Purse side on the same two channels: the PSAM reads its terminal id from the MF.
    PsamCard psam(*samCh);
    CHECK(toHex(psam.terminalId()) == "410100000001");
    PurseClient client(*ch, hc::testing::fixedClock());
    client.open();
    CHECK(client.balance() == 10000);
    nCard = nSam = 0;
    const auto out = client.purchase(2350, psam);
    REQUIRE(std::holds_alternative<Done>(out));
    CHECK(std::get<Done>(out).verified);
    CHECK(std::get<Done>(out).balanceAfter == 7650);
    CHECK(nCard + nSam <= 6);

    SoftwareIssuer issuer(loadIssuerKeys(kImages / "purse-issuer-dev-keys.json"));
    const auto ld = client.load(2350, psam.terminalId(), issuer);
    REQUIRE(std::holds_alternative<Done>(ld));
    CHECK(std::get<Done>(ld).verified); // TAC of the resident's diversified DTK
    CHECK(client.balance() == 10000);
    CHECK(client.readLog().size() == 5);

    // And the health side still works after the purse (the SAM's 80 DE / 80 FA are unaffected).
    health::HealthCard again(*ch, health::CardProfile::ws543_2017(), &sam);
    CHECK(again.readAll().value.allergies.size() == 2);
}

TEST_CASE("hcard balance, purchase, load and log on a resident card with the resident SAM") {
    EmulatedCard user("resident-ayigul.json", 2);
    EmulatedCard samEmu("resident-sam.json", 3);
    const auto hcard = hc::testing::binaryPath("hcard").string();
    auto r = hc::testing::runCommand({ hcard, "balance", "--reader", kReader2 });
    CHECK(r.status == 0);
    CHECK(r.out.find("balance: 0.00 yuan (0 fen)") != std::string::npos);

    r = hc::testing::runCommand(
        { hcard, "purchase", "--reader", kReader2, "--psam", kReader3, "--amount", "100" });
    CHECK(r.status == 1); // nothing on the purse: declined (9401)
    CHECK(r.out.find("declined") != std::string::npos);

    r = hc::testing::runCommand({ hcard, "load", "--reader", kReader2, "--amount", "2000", "--psam",
        kReader3, "--issuer-keys", (kImages / "purse-issuer-dev-keys.json").string() });
    CHECK(r.status == 0);
    CHECK(r.out.find("0.00 -> 20.00 yuan") != std::string::npos);

    r = hc::testing::runCommand({ hcard, "purchase", "--reader", kReader2, "--psam", kReader3,
        "--amount", "1250", "--json" });
    CHECK(r.status == 0);
    CHECK(r.out.find("\"balance_after\":750") != std::string::npos);
    CHECK(r.out.find("\"verified\":true") != std::string::npos);

    r = hc::testing::runCommand({ hcard, "log", "--reader", kReader2, "--json" });
    CHECK(r.status == 0);
    CHECK(r.out.find("\"kind\":\"purchase\",\"amount\":1250") != std::string::npos);
    CHECK(r.out.find("\"kind\":\"purchase\",\"amount\":5000") != std::string::npos);
}
