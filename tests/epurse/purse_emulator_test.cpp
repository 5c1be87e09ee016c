// The purse client against the emulator's "epurse" and "psam" profiles, in process: every flow,
// refusals, and the exactly-once settlement with GET TRANSACTION PROOF.
#include "hc/card/epurse/crypto.hpp"
#include "hc/card/epurse/purse_client.hpp"
#include "hc/card/t0_channel.hpp"
#include "hc/emu/card_image.hpp"
#include "hc/emu/card_os.hpp"
#include "hc/emu/profile.hpp"
#include "purse_rig.hpp"
#include "purse_test_util.hpp"

#include <doctest/doctest.h>

using namespace hc;
using namespace hc::card;
using namespace hc::card::epurse;
using hc::testing::OsChannel;

namespace {
const std::filesystem::path kImages = HC_IMAGES_DIR;
const Bytes kDpkMaster = fromHex("11223344556677888877665544332211");

struct Rig {
    emu::CardOs card { emu::loadCardImage(kImages / "purse-card.json"),
        [this](const emu::CardImage&) { ++saves; } };
    emu::CardOs psamOs { emu::loadCardImage(kImages / "psam-slot1.json") };
    int saves = 0;
    Rig() {
        emu::installProfiles(card);
        emu::installProfiles(psamOs);
    }
    std::int64_t stored() {
        const auto& e = card.image().extensions.at("epurse").as_object().at("balance");
        return e.is_int64() ? e.as_int64() : static_cast<std::int64_t>(e.as_uint64());
    }
};

} // namespace

TEST_CASE("the sample card's keys are the development masters diversified with its serial") {
    Rig rig;
    const auto& keys = rig.card.image().extensions.at("epurse").as_object().at("keys").as_object();
    const auto issuerKeys = loadIssuerKeys(kImages / "purse-issuer-dev-keys.json");
    const Bytes d = fromHex("0000000012345678");
    auto value = [&](const char* k) {
        return std::string(keys.at(k).as_object().at("value").as_string());
    };
    CHECK(value("dpk") == toHex(diversify(kDpkMaster, d)));
    CHECK(value("dlk") == toHex(diversify(issuerKeys.loadMaster.at(1), d)));
    CHECK(value("dtk") == toHex(diversify(issuerKeys.tacMaster, d)));
}

TEST_CASE("balance, purchase with the PSAM card, load with the issuer, log") {
    Rig rig;
    OsChannel ch(rig.card);
    T0Channel psamCh(std::make_unique<OsChannel>(rig.psamOs));
    PsamCard psam(psamCh);
    PurseClient client(ch, hc::testing::fixedClock());
    auto issuer = hc::testing::devIssuer(kImages);

    const auto pub = client.open();
    CHECK(toHex(pub.diversifier()) == "0000000012345678");
    CHECK(client.balance() == 10000);

    ch.count = 0;
    const auto out = client.purchase(1234, psam);
    REQUIRE(std::holds_alternative<Done>(out));
    const auto& done = std::get<Done>(out);
    CHECK(done.verified);
    CHECK(done.balanceAfter == 10000 - 1234);
    CHECK(done.tx.ttsn == 1);
    CHECK(done.tx.atc == 0);
    CHECK(ch.count == 2); // INIT + DEBIT on the card; MAC1 + MAC2 on the PSAM
    const PurseFields f { 1234, txtype::EpPurchase, psam.terminalId(), done.tx.when };
    CHECK(issuer.verifyPurchaseTac(done.tx.card, f, done.tx.ttsn, done.tac));
    CHECK(client.balance() == 8766);
    CHECK(rig.stored() == 8766);

    const auto ld = client.load(500, psam.terminalId(), issuer);
    REQUIRE(std::holds_alternative<Done>(ld));
    CHECK(std::get<Done>(ld).verified);
    CHECK(std::get<Done>(ld).balanceAfter == 9266);
    CHECK(client.balance() == 9266);

    const auto log = client.readLog();
    REQUIRE(log.size() == 2);
    CHECK(log[0].type == txtype::EpLoad);
    CHECK(log[0].amount == 500);
    CHECK(log[1].type == txtype::EpPurchase);
    CHECK(log[1].amount == 1234);
    CHECK(log[1].terminal == psam.terminalId());
    CHECK(log[1].when.text() == "20261123120000");

    // A second purchase uses the next counters.
    const auto again = client.purchase(1, psam);
    REQUIRE(std::holds_alternative<Done>(again));
    CHECK(std::get<Done>(again).tx.atc == 1);
    CHECK(std::get<Done>(again).tx.ttsn == 2);
}

TEST_CASE("refusals move no money") {
    Rig rig;
    OsChannel ch(rig.card);
    PurseClient client(ch, hc::testing::fixedClock());
    const TerminalId term { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };

    SUBCASE("a PSAM with the wrong master key: the card refuses MAC1 with 9302") {
        SoftwarePsam wrong({ { 1, fromHex("00112233445566778899AABBCCDDEEFF") } }, term);
        const auto out = client.purchase(100, wrong);
        REQUIRE(std::holds_alternative<Declined>(out));
        CHECK(std::get<Declined>(out).sw == sw::MacInvalid);
    }
    SUBCASE("more than the balance: 9401 at INITIALIZE") {
        SoftwarePsam psam({ { 1, kDpkMaster } }, term);
        const auto out = client.purchase(10001, psam);
        REQUIRE(std::holds_alternative<Declined>(out));
        CHECK(std::get<Declined>(out).sw == sw::InsufficientBalance);
    }
    SUBCASE("a PSAM without the card's key version: 9403 from the PSAM") {
        SoftwarePsam psam({ { 2, kDpkMaster } }, term);
        const auto out = client.purchase(100, psam);
        REQUIRE(std::holds_alternative<Declined>(out));
        CHECK(std::get<Declined>(out).sw == sw::KeyNotFound);
    }
    SUBCASE("an issuer with the wrong load key refuses MAC1; no CREDIT is sent") {
        IssuerKeys k = loadIssuerKeys(kImages / "purse-issuer-dev-keys.json");
        k.loadMaster[1] = fromHex("00112233445566778899AABBCCDDEEFF");
        SoftwareIssuer bad(k);
        ch.count = 0;
        const auto out = client.load(100, term, bad);
        REQUIRE(std::holds_alternative<Declined>(out));
        CHECK(std::get<Declined>(out).reason.find("MAC1") != std::string::npos);
        CHECK(ch.count == 3); // SELECT, READ BINARY EF 0015, INITIALIZE: no CREDIT
    }
    SUBCASE("a forged MAC2 in CREDIT FOR LOAD: 9302") {
        client.open();
        REQUIRE(ch.transmit(cmd::initializeForLoad(1, 100, term)).ok());
        const auto r = ch.transmit(
            cmd::creditForLoad(TransactionTime::parse("20261123120000"), { 1, 2, 3, 4 }));
        CHECK(r.sw() == sw::MacInvalid);
    }
    SUBCASE("a DEBIT without INITIALIZE: 6985") {
        client.open();
        CHECK(ch.transmit(cmd::debitForPurchase(
                              1, TransactionTime::parse("20261123120000"), { 1, 2, 3, 4 }))
                  .sw()
            == sw::ConditionsNotSatisfied);
    }
    CHECK(rig.stored() == 10000);
    CHECK(client.balance() == 10000);
}

TEST_CASE("a DEBIT whose answer is lost is Unknown; settle() decides from the card's proof") {
    Rig rig;
    auto issuer = hc::testing::devIssuer(kImages);
    const TerminalId term { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
    SoftwarePsam psam({ { 1, kDpkMaster } }, term);

    SUBCASE("processed, then torn: the proof says Done, and no second debit happens") {
        OsChannel ch(rig.card);
        PurseClient client(ch, hc::testing::fixedClock());
        ch.tearAfter = 0x54;
        const auto out = client.purchase(300, psam);
        REQUIRE(std::holds_alternative<Unknown>(out));
        const auto pending = std::get<Unknown>(out).tx;
        CHECK(rig.stored() == 9700); // the card did debit
        const auto journal = pending.toJson();

        rig.card.reset(); // the card comes back
        PurseClient next(ch, hc::testing::fixedClock());
        const auto settled = next.settle(PendingTransaction::fromJson(journal), &issuer);
        REQUIRE(std::holds_alternative<Done>(settled));
        CHECK(std::get<Done>(settled).byProof);
        CHECK(std::get<Done>(settled).verified);
        CHECK(std::get<Done>(settled).balanceAfter == 9700);
        CHECK(next.balance() == 9700);
        // Settling again is harmless: the same proof.
        CHECK(std::holds_alternative<Done>(next.settle(pending, &issuer)));
        CHECK(rig.stored() == 9700);
    }
    SUBCASE("torn before the card processed it: the proof says it did not happen") {
        OsChannel ch(rig.card);
        PurseClient client(ch, hc::testing::fixedClock());
        ch.tearBefore = 0x54;
        const auto out = client.purchase(300, psam);
        REQUIRE(std::holds_alternative<Unknown>(out));
        rig.card.reset();
        PurseClient next(ch, hc::testing::fixedClock());
        const auto settled = next.settle(std::get<Unknown>(out).tx, &issuer);
        REQUIRE(std::holds_alternative<Declined>(settled));
        CHECK(std::get<Declined>(settled).sw == sw::ConditionsNotSatisfied);
        CHECK(next.balance() == 10000);
    }
    SUBCASE("a lost CREDIT FOR LOAD settles the same way") {
        OsChannel ch(rig.card);
        PurseClient client(ch, hc::testing::fixedClock());
        ch.tearAfter = 0x52;
        const auto out = client.load(700, term, issuer);
        REQUIRE(std::holds_alternative<Unknown>(out));
        rig.card.reset();
        PurseClient next(ch, hc::testing::fixedClock());
        const auto settled = next.settle(std::get<Unknown>(out).tx, &issuer);
        REQUIRE(std::holds_alternative<Done>(settled));
        CHECK(std::get<Done>(settled).verified);
        CHECK(next.balance() == 10700);
    }
}

TEST_CASE("the pending transaction's JSON form round-trips and rejects bad input") {
    PendingTransaction p;
    p.kind = TxKind::Load;
    p.type = txtype::EpLoad;
    p.atc = 7;
    p.amount = 4200;
    p.balanceBefore = 100;
    p.terminal = { 1, 2, 3, 4, 5, 6 };
    p.ttsn = 0;
    p.when = TransactionTime::parse("20261123120000");
    p.card = { 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78 };
    p.keyVersion = 1;
    const auto q = PendingTransaction::fromJson(p.toJson());
    CHECK(q.toJson() == p.toJson());
    CHECK(q.kind == TxKind::Load);
    CHECK_THROWS_AS(PendingTransaction::fromJson("{}"), InputError);
    CHECK_THROWS_AS(PendingTransaction::fromJson("[1]"), InputError);
    CHECK_THROWS_AS(PendingTransaction::fromJson(R"({"kind":"x"})"), InputError);
}

TEST_CASE("settle() stays Unknown for another card and for a proof the card no longer keeps") {
    Rig rig;
    OsChannel ch(rig.card);
    PurseClient client(ch, hc::testing::fixedClock());
    const TerminalId term { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
    SoftwarePsam psam({ { 1, kDpkMaster } }, term);
    const auto first = client.purchase(1, psam);
    REQUIRE(std::holds_alternative<Done>(first));
    auto pending = std::get<Done>(first).tx;

    auto other = pending;
    other.card[7] ^= 0xFF;
    const auto s1 = client.settle(other);
    REQUIRE(std::holds_alternative<Unknown>(s1));
    CHECK(std::get<Unknown>(s1).cause.find("another card") != std::string::npos);

    for (int i = 0; i < 10; ++i) { // the card keeps the last 10 proofs
        REQUIRE(std::holds_alternative<Done>(client.purchase(1, psam)));
    }
    const auto s2 = client.settle(pending);
    REQUIRE(std::holds_alternative<Unknown>(s2));
    CHECK(std::get<Unknown>(s2).cause.find("6A88") != std::string::npos);
    CHECK(client.balance() == 10000 - 11);
}

TEST_CASE(
    "the purse on a T=0 card (as a resident health card may be): same flows through T0Channel") {
    Rig rig;
    rig.card.image().t0 = true;
    auto raw = std::make_unique<OsChannel>(rig.card);
    OsChannel* counter = raw.get();
    T0Channel ch(std::move(raw));
    T0Channel psamCh(std::make_unique<OsChannel>(rig.psamOs));
    PsamCard psam(psamCh);
    PurseClient client(ch, hc::testing::fixedClock());
    client.open();
    counter->count = 0;
    const auto out = client.purchase(99, psam);
    REQUIRE(std::holds_alternative<Done>(out));
    CHECK(std::get<Done>(out).verified);
    CHECK(counter->count == 4); // INIT + GET RESPONSE, DEBIT + GET RESPONSE
    auto issuer = hc::testing::devIssuer(kImages);
    REQUIRE(std::holds_alternative<Done>(client.load(99, psam.terminalId(), issuer)));
    CHECK(client.balance() == 10000);
    CHECK(client.readLog().size() == 2);
}
