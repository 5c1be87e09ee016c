// The kiosk's card device over the real PC/SC stack: pcscd + vpcd + hcemu serving the co-branded
// resident card (health application + PBOC e-purse) in slot 0 and the combined health SAM / PSAM
// in slot 1. Reads the identity, debits with the PSAM, loads with the development issuer keys,
// reads the log (the SAM PIN 123456 is the test image's); then the engine takes the card in and
// shows the menu, and a debit through the engine moves the card's balance once.
#include "core_fakes.hpp"
#include "hc/kiosk/core/engine.hpp"
#include "hc/kiosk/core/pcsc_patient_card.hpp"
#include "hc/kiosk/core/recovery_executor.hpp"
#include "hc/testing/pcsc_stack.hpp"

#include <doctest/doctest.h>

using namespace hc::kiosk::core;

namespace {

// vpcd slots 2 and 3 ("Virtual PCD B 00 00/01"): slots 0 and 1 are where a demo left running by
// hand puts its card and SAM, which would answer in place of ours.
constexpr int kCardSlot = 2;
constexpr int kSamSlot = 3;

std::shared_ptr<PcscPatientCard> openCard() {
    return std::make_shared<PcscPatientCard>(hc::testing::readerForSlot(kCardSlot),
        hc::testing::readerForSlot(kSamSlot), "123456",
        hc::testing::sourcePath("firmware-tools/images/purse-issuer-dev-keys.json"), "K01");
}

} // namespace

TEST_CASE("PcscPatientCard: identity, balance, purchase with the PSAM, load, log") {
    hc::testing::sharedPcscd();
    hc::testing::EmulatedCard card("resident-li-na.json", kCardSlot);
    hc::testing::EmulatedCard sam("resident-sam.json", kSamSlot);
    auto c = openCard();
    const auto who = c->identity();
    CHECK(who.name == "李娜");
    CHECK(who.idNumber.size() == 18);
    REQUIRE(c->hasPurse());
    const auto before = c->balance();
    CHECK(before == 10000);
    const auto p = c->purchase(1250);
    REQUIRE(p.status == PurseStatus::Done);
    CHECK(p.balanceAfter == before - 1250);
    CHECK(c->balance() == before - 1250);
    const auto l = c->load(250);
    REQUIRE(l.status == PurseStatus::Done);
    CHECK(c->balance() == before - 1000);
    const auto log = c->log(10);
    REQUIRE(log.size() >= 2);
    CHECK(log[0].load);
    CHECK(log[0].amountFen == 250);
    CHECK(!log[1].load);
    CHECK(log[1].amountFen == 1250);
    // A proof asked for a transaction that was done answers Done (never debits again).
    const auto s = c->settle(p.pending);
    CHECK(s.status == PurseStatus::Done);
    CHECK(c->balance() == before - 1000);
    // Too much: declined with "insufficient funds", nothing moves.
    const auto big = c->purchase(1000000);
    CHECK(big.status == PurseStatus::Declined);
    CHECK(big.insufficientFunds);
    CHECK(c->balance() == before - 1000);
}

TEST_CASE("engine with the PC/SC card: menu, then a registration debits the card once") {
    hc::testing::sharedPcscd();
    hc::testing::EmulatedCard card("resident-li-na.json", kCardSlot);
    hc::testing::EmulatedCard sam("resident-sam.json", kSamSlot);
    hc::testing::TempDir dir("hc-kpcsc-");
    hc::kiosk::Journal journal(dir / "j.db");
    hc::kiosk::testing::FakeHis his;
    hc::kiosk::testing::FakeClock clock;
    auto c = openCard();
    his.patients[c->identity().idNumber]
        = { "P0001", c->identity().idNumber, "李娜", "female", "", "" };
    EngineParts parts;
    parts.journal = &journal;
    parts.his = &his;
    parts.clock = &clock;
    Engine engine(loadFlows(hc::testing::sourcePath("kiosk/flows"), engineHandlers()), parts);
    engine.cardInserted(c);
    CHECK(engine.currentView().at("screen").as_string() == "menu");
    const auto choose = [&](const std::string& id) {
        engine.handleInput({ { "type", "choose" }, { "item", id } });
    };
    choose("registration");
    choose("D0101");
    choose("DR001");
    choose("SL-DR001-08:00");
    engine.handleInput({ { "type", "action" }, { "action", "confirm" } });
    const auto v = engine.currentView();
    CHECK(v.at("items").at(0).at("detail").as_string() == "余额 100.00 元");
    choose("purse");
    CHECK(engine.currentView().at("screen").as_string() == "done");
    CHECK(c->balance() == 5000);
    CHECK(his.bookings.size() == 1);
}

TEST_CASE("a counterfeit card through pcscd (hcemu forge mac2): the PSAM refuses its MAC2, the "
          "engine journals the debit UNKNOWN, books nothing, and recovery finds no proof") {
    hc::testing::sharedPcscd();
    hc::testing::EmulatedCard card("resident-li-na.json", kCardSlot);
    hc::testing::EmulatedCard sam("resident-sam.json", kSamSlot);
    auto c = openCard();
    const auto before = c->balance();
    // The device: a forged DEBIT answer is Done but not verified.
    REQUIRE(card.control("forge mac2").rfind("ok", 0) == 0);
    const auto p = c->purchase(100);
    CHECK(p.status == PurseStatus::Done);
    CHECK(!p.verified);
    CHECK(p.reason.find("MAC2") != std::string::npos);
    CHECK(c->balance() == before); // the counterfeit moved nothing
    // Its proof: the card has no such transaction.
    CHECK(c->settle(p.pending).status == PurseStatus::Declined);

    // The engine over the same card.
    hc::testing::TempDir dir("hc-kpcsc-forge-");
    hc::kiosk::Journal journal(dir / "j.db");
    hc::kiosk::testing::FakeHis his;
    hc::kiosk::testing::FakeClock clock;
    his.patients[c->identity().idNumber]
        = { "P0001", c->identity().idNumber, "李娜", "female", "", "" };
    RecoveryExecutor recovery(journal, &his, nullptr, nullptr);
    EngineParts parts;
    parts.journal = &journal;
    parts.his = &his;
    parts.clock = &clock;
    parts.recovery = &recovery;
    Engine engine(loadFlows(hc::testing::sourcePath("kiosk/flows"), engineHandlers()), parts);
    engine.cardInserted(c);
    const auto choose = [&](const std::string& id) {
        engine.handleInput({ { "type", "choose" }, { "item", id } });
    };
    choose("registration");
    choose("D0101");
    choose("DR001");
    choose("SL-DR001-08:00");
    engine.handleInput({ { "type", "action" }, { "action", "confirm" } });
    REQUIRE(card.control("forge mac2").rfind("ok", 0) == 0);
    choose("purse");
    const auto v = engine.currentView();
    CHECK(v.at("screen").as_string() == "choose_payment");
    REQUIRE(v.at("error").is_object());
    CHECK(v.at("error").at("code").as_string() == "card_debit_unverified");
    CHECK(his.bookings.empty());
    const auto session = std::string(v.at("session").as_string());
    std::optional<hc::kiosk::StepRecord> debit;
    for (const auto& s : journal.steps(session)) {
        if (s.type == hc::kiosk::StepType::CardDebit) {
            debit = s;
        }
    }
    REQUIRE(debit);
    CHECK(debit->status == hc::kiosk::StepStatus::Unknown);
    // Home: the session ends, recovery asks the card (GET TRANSACTION PROOF): none -> FAILED,
    // nothing given back, nothing booked; the balance never moved.
    engine.handleInput({ { "type", "action" }, { "action", "home" } });
    CHECK(journal.step(debit->id)->status == hc::kiosk::StepStatus::Failed);
    CHECK(journal.session(session)->recovered);
    CHECK(c->balance() == before);
    CHECK(his.bookings.empty());
}
