// Integration: a purse card that allows only current-EF reads (hcemu --cos no-sfi answers READ
// BINARY / READ RECORD by short file identifier with 6986). The client selects EF 0015 and EF 0018
// by FID and reads them as the current EF; the card kind remembers it, so the next session costs
// no failed probe. `hcard log` reads the log of such a card, and `hcard purchase` says what was
// verified: the MAC2 by the PSAM (the TAC is the issuer's to verify).
#include "counting_channel.hpp"
#include "hc/card/epurse/purse_client.hpp"
#include "hc/testing/pcsc_stack.hpp"
#include "purse_rig.hpp"

#include <doctest/doctest.h>

using namespace hc;
using namespace hc::card;
using namespace hc::card::epurse;
using hc::testing::EmulatedCard;
using hc::testing::kReader0;
using hc::testing::kReader1;

TEST_CASE("a purse card without SFI: EF 0015 and the log read from the current EF, learned once") {
    EmulatedCard card("purse-card.json", 0, true, {}, { "--cos", "no-sfi" });
    EmulatedCard psamCard("psam-slot1.json", 1);
    health::StrategyCache cache;
    auto options = hc::testing::fixedClock();
    options.strategies = &cache;
    std::size_t n = 0;
    {
        auto ch = hc::testing::connectCounted(kReader0, n);
        PurseClient client(*ch, options);
        const auto pub = client.open();
        CHECK(toHex(pub.serial) == "31000000000012345678");
        // SELECT ADF, READ BINARY by SFI 21 (6986), SELECT EF 0015, READ BINARY.
        CHECK(n == 4);
        auto psamCh = hc::testing::connectCounted(kReader1, n);
        PsamCard psam(*psamCh);
        const auto out = client.purchase(250, psam);
        REQUIRE(std::holds_alternative<Done>(out));
        CHECK(std::get<Done>(out).verified);
    }
    n = 0;
    auto ch = hc::testing::connectCounted(kReader0, n);
    PurseClient client(*ch, options);
    client.open();
    CHECK(n == 3); // SELECT ADF, SELECT EF 0015, READ BINARY: no failed probe
    n = 0;
    const auto log = client.readLog(10);
    REQUIRE(log.size() == 1);
    CHECK(log[0].amount == 250);
    CHECK_FALSE(log[0].isLoad());
    CHECK(n == 3); // SELECT EF 0018, record 1, record 2 (6A83)
}

TEST_CASE("hcard log and purchase on a current-EF-only purse card; the purchase says the PSAM "
          "verified the MAC2") {
    EmulatedCard card("purse-card.json", 0, true, {}, { "--cos", "no-sfi" });
    EmulatedCard psamCard("psam-slot1.json", 1);
    const auto hcard = hc::testing::binaryPath("hcard").string();
    auto r = hc::testing::runCommand({ hcard, "purchase", "--reader", kReader0, "--psam", kReader1,
        "--amount", "120", "--strategy-cache", "none" });
    CHECK(r.status == 0);
    CHECK(r.out.find("MAC2 verified by the PSAM") != std::string::npos);
    CHECK(r.out.find("TAC verified") == std::string::npos);
    r = hc::testing::runCommand({ hcard, "purchase", "--reader", kReader0, "--psam", kReader1,
        "--amount", "30", "--json", "--strategy-cache", "none" });
    CHECK(r.out.find("\"verified_what\":\"mac2 by the psam\"") != std::string::npos);
    r = hc::testing::runCommand(
        { hcard, "log", "--reader", kReader0, "--json", "--strategy-cache", "none" });
    CHECK(r.status == 0);
    CHECK(r.out.find("\"kind\":\"purchase\",\"amount\":120") != std::string::npos);
    CHECK(r.out.find("\"kind\":\"purchase\",\"amount\":30") != std::string::npos);
}
