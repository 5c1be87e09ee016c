// Integration: cardholder PIN verify / change / unblock through pcscd + vpcd + hcemu, and hcard
// pin.
#include "hc/card/health/health_card.hpp"
#include "health_test_util.hpp"

#include <doctest/doctest.h>

using namespace hc;
using namespace hc::card;
using namespace hc::card::health;
using hc::testing::EmulatedCard;

TEST_CASE("wrong PIN until blocked, then unblock with the PUK; change the PIN") {
    EmulatedCard emu("resident-zhang-zhe.json");
    auto ch = healthtest::connect();
    HealthCard card(*ch);
    CHECK(card.verifyPin("123456").status == PinStatus::Ok);
    auto r = card.verifyPin("000000");
    CHECK(r.status == PinStatus::Wrong);
    CHECK(r.triesLeft == 2);
    CHECK(r.describe() == "wrong PIN, 2 tries left");
    r = card.verifyPin("000000");
    CHECK(r.triesLeft == 1);
    CHECK(r.describe() == "wrong PIN, 1 try left");
    r = card.verifyPin("000000");
    CHECK(r.status == PinStatus::Blocked); // the last try used up
    r = card.verifyPin("123456");
    CHECK(r.status == PinStatus::Blocked); // 6983: even the right PIN
    CHECK(r.describe() == "blocked");

    CHECK(card.unblockPin("00000000", "654321").status == PinStatus::Wrong);
    CHECK(card.unblockPin("12345678", "654321").status == PinStatus::Ok);
    CHECK(card.verifyPin("654321").status == PinStatus::Ok);
    CHECK(card.changePin("654321", "112233").status == PinStatus::Ok);
    CHECK(card.verifyPin("654321").status == PinStatus::Wrong);
    CHECK(card.verifyPin("112233").status == PinStatus::Ok);
    CHECK_THROWS_AS(card.verifyPin("12a4"), ValidationError);
}

TEST_CASE("hcard pin: distinct results and exit codes; the PIN can come from stdin") {
    EmulatedCard emu("resident-ayigul.json");
    const auto hcard = hc::testing::binaryPath("hcard").string();
    const std::string reader = hc::testing::kReader0;
    auto r = hc::testing::runCommand({ hcard, "pin", "verify", "654321", "--reader", reader });
    CHECK(r.status == 0);
    CHECK(r.out == "verify: ok\n");
    r = hc::testing::runCommand(
        { hcard, "pin", "verify", "-", "--reader", reader, "--json" }, "999999\n");
    CHECK(r.status == 3);
    CHECK(r.out.find("\"result\":\"wrong\",\"tries_left\":2") != std::string::npos);
    hc::testing::runCommand({ hcard, "pin", "verify", "999999", "--reader", reader });
    r = hc::testing::runCommand({ hcard, "pin", "verify", "999999", "--reader", reader });
    CHECK(r.status == 4);
    CHECK(r.out == "verify: blocked\n");
    r = hc::testing::runCommand(
        { hcard, "pin", "unblock", "87654321", "246810", "--reader", reader });
    CHECK(r.status == 0);
    r = hc::testing::runCommand({ hcard, "pin", "change", "246810", "135790", "--reader", reader });
    CHECK(r.status == 0);
    CHECK(r.out == "change: ok\n");
}
