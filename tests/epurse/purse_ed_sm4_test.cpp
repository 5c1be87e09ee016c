// The electronic deposit (ED: PIN, its own balance and counters, the overdraft limit) and the
// SM4 purse (algorithm id 04) against the emulator's "epurse" and "psam" profiles, in process.
#include "hc/card/epurse/crypto.hpp"
#include "hc/card/epurse/purse_client.hpp"
#include "hc/card/t0_channel.hpp"
#include "hc/emu/card_image.hpp"
#include "hc/emu/card_os.hpp"
#include "hc/emu/profile.hpp"
#include "purse_test_util.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace hc;
using namespace hc::card;
using namespace hc::card::epurse;
using hc::testing::OsChannel;

namespace {
const std::filesystem::path kImages = HC_IMAGES_DIR;

struct Rig {
    emu::CardOs card;
    emu::CardOs psamOs { emu::loadCardImage(kImages / "psam-slot1.json") };
    explicit Rig(const char* image)
        : card(emu::loadCardImage(kImages / image)) {
        emu::installProfiles(card);
        emu::installProfiles(psamOs);
    }
    std::int64_t stored(const char* purse) {
        const auto& e = card.image().extensions.at("epurse").as_object();
        const auto& o = std::string(purse) == "ed" ? e.at("ed").as_object() : e;
        return o.at("balance").to_number<std::int64_t>();
    }
};

PurseClientOptions options(PurseKind kind = PurseKind::Ep) {
    PurseClientOptions o;
    o.kind = kind;
    o.clock = [] { return TransactionTime::parse("20261123120000"); };
    return o;
}
const Bytes kPin { '1', '2', '3', '4', '5', '6' };
} // namespace

TEST_CASE("SM4 purse: the card names algorithm 04, PSAM and issuer follow it") {
    Rig rig("purse-card-sm4.json");
    OsChannel ch(rig.card);
    T0Channel psamCh(std::make_unique<OsChannel>(rig.psamOs));
    PsamCard psam(psamCh);
    PurseClient client(ch, options());
    SoftwareIssuer sm4Issuer(loadIssuerKeys(kImages / "purse-issuer-dev-keys-sm4.json"));

    // The sample card's keys are the development masters in the SM4 diversification form.
    const auto& keys = rig.card.image().extensions.at("epurse").at("keys").as_object();
    const auto d = fromHex("0000000012345678");
    CHECK(std::string(keys.at("dpk").at("value").as_string())
        == toHex(diversify(fromHex("11223344556677888877665544332211"), d, PurseAlgorithm::Sm4)));

    const auto out = client.purchase(1234, psam);
    REQUIRE(std::holds_alternative<Done>(out));
    const auto& done = std::get<Done>(out);
    CHECK(done.verified); // the PSAM checked MAC2 with the SM4 session key
    const PurseFields f { 1234, txtype::EpPurchase, psam.terminalId(), done.tx.when };
    CHECK(sm4Issuer.verifyPurchaseTac(done.tx.card, f, done.tx.ttsn, done.tac));
    SoftwareIssuer desIssuer(loadIssuerKeys(kImages / "purse-issuer-dev-keys.json"));
    CHECK_FALSE(desIssuer.verifyPurchaseTac(done.tx.card, f, done.tx.ttsn, done.tac));

    // A 3DES issuer refuses the SM4 card's load before anything moves.
    const auto refused = client.load(500, psam.terminalId(), desIssuer);
    REQUIRE(std::holds_alternative<Declined>(refused));
    CHECK(std::get<Declined>(refused).reason.find("algorithm") != std::string::npos);
    CHECK(rig.stored("ep") == 10000 - 1234);

    const auto ld = client.load(500, psam.terminalId(), sm4Issuer);
    REQUIRE(std::holds_alternative<Done>(ld));
    CHECK(std::get<Done>(ld).verified);
    CHECK(client.balance() == 10000 - 1234 + 500);

    // The software PSAM computes the same.
    SoftwarePsam soft({ { 1, fromHex("11223344556677888877665544332211") } }, psam.terminalId());
    const auto again = client.purchase(66, soft);
    REQUIRE(std::holds_alternative<Done>(again));
    CHECK(std::get<Done>(again).verified);
}

TEST_CASE("SM4 purse: a wrong MAC1 is refused with 9302") {
    Rig rig("purse-card-sm4.json");
    OsChannel ch(rig.card);
    PurseClient client(ch, options());
    SoftwarePsam wrong({ { 1, fromHex("00112233445566778899AABBCCDDEEFF") } },
        { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 });
    const auto out = client.purchase(100, wrong);
    REQUIRE(std::holds_alternative<Declined>(out));
    CHECK(std::get<Declined>(out).sw == sw::MacInvalid);
    CHECK(rig.stored("ep") == 10000);
}

TEST_CASE("ED: PIN first, its own balance and counters, purchases into the overdraft limit") {
    Rig rig("purse-card-ed.json");
    OsChannel ch(rig.card);
    T0Channel psamCh(std::make_unique<OsChannel>(rig.psamOs));
    PsamCard psam(psamCh);
    PurseClient ed(ch, options(PurseKind::Ed));
    SoftwareIssuer issuer(loadIssuerKeys(kImages / "purse-issuer-dev-keys.json"));

    // Without the PIN: GET BALANCE and INITIALIZE are refused (6982), nothing moves.
    CHECK_THROWS_AS(ed.balance(), PurseError);
    const auto noPin = ed.purchase(100, psam);
    REQUIRE(std::holds_alternative<Declined>(noPin));
    CHECK(std::get<Declined>(noPin).sw == sw::SecurityStatusNotSatisfied);

    CHECK(ed.verifyPin(Bytes { '0', '0', '0', '0', '0', '0' }) == StatusWord(0x63C2));
    CHECK(ed.verifyPin(kPin) == sw::Ok);
    CHECK(ed.balance() == 50000); // own money 300.00 + overdraft limit 200.00

    // 400.00: 100.00 into the overdraft.
    const auto out = ed.purchase(40000, psam);
    REQUIRE(std::holds_alternative<Done>(out));
    const auto& done = std::get<Done>(out);
    CHECK(done.verified);
    CHECK(done.tx.type == txtype::EdPurchase);
    CHECK(done.balanceAfter == 10000);
    const PurseFields f { 40000, txtype::EdPurchase, psam.terminalId(), done.tx.when };
    CHECK(issuer.verifyPurchaseTac(done.tx.card, f, done.tx.ttsn, done.tac));
    CHECK(rig.stored("ed") == 10000);
    CHECK(rig.stored("ep") == 10000); // the EP is another purse

    // Beyond the limit: 9401.
    const auto over = ed.purchase(10001, psam);
    REQUIRE(std::holds_alternative<Declined>(over));
    CHECK(std::get<Declined>(over).sw == sw::InsufficientBalance);

    // ED load (type 01), issuer-authorised.
    const auto ld = ed.load(15000, psam.terminalId(), issuer);
    REQUIRE(std::holds_alternative<Done>(ld));
    CHECK(std::get<Done>(ld).verified);
    CHECK(std::get<Done>(ld).tx.type == txtype::EdLoad);
    CHECK(ed.balance() == 25000);

    // The log shows ED types and the overdraft limit; the proof is found by the ED's type.
    const auto log = ed.readLog();
    REQUIRE(log.size() == 2);
    CHECK(log[0].type == txtype::EdLoad);
    CHECK(log[1].type == txtype::EdPurchase);
    CHECK(log[1].overdraft == 20000);
    const auto settled = ed.settle(done.tx, &issuer);
    REQUIRE(std::holds_alternative<Done>(settled));
    CHECK(std::get<Done>(settled).verified);

    // The EP of the same card needs no PIN and has its own counter.
    PurseClient ep(ch, options());
    CHECK(ep.balance() == 10000);
    const auto epOut = ep.purchase(100, psam);
    REQUIRE(std::holds_alternative<Done>(epOut));
    CHECK(std::get<Done>(epOut).tx.atc == 0);

    // A reset forgets the PIN.
    rig.card.reset();
    PurseClient after(ch, options(PurseKind::Ed));
    CHECK_THROWS_AS(after.balance(), PurseError);
}

TEST_CASE("a card without an ED answers 6A86 to ED commands") {
    Rig rig("purse-card.json");
    OsChannel ch(rig.card);
    PurseClient ed(ch, options(PurseKind::Ed));
    try {
        ed.balance();
        FAIL("expected a refusal");
    } catch (const PurseError& e) {
        CHECK(e.sw() == sw::IncorrectP1P2);
    }
}

TEST_CASE("composite purchase (CAPP, type 09): the record update is written with the debit") {
    Rig rig("purse-card.json");
    OsChannel ch(rig.card);
    T0Channel psamCh(std::make_unique<OsChannel>(rig.psamOs));
    PsamCard psam(psamCh);
    PurseClient client(ch, options());
    SoftwareIssuer issuer(loadIssuerKeys(kImages / "purse-issuer-dev-keys.json"));
    auto record = [&](std::size_t i) {
        for (const auto& df : rig.card.image().mf->children) {
            if (const auto* ef = df->isDf() ? df->child(0x0017) : nullptr) {
                return toHex(ef->records.at(i));
            }
        }
        return std::string("no EF 0017");
    };
    const Bytes rec = fromHex("01 20261123 0005 000000000000000000");
    client.open();
    ch.count = 0;
    const auto out = client.compositePurchase(300, psam, { CappUpdate { 0x17, 0x01, rec } });
    REQUIRE(std::holds_alternative<Done>(out));
    const auto& done = std::get<Done>(out);
    CHECK(done.verified);
    CHECK(done.tx.type == txtype::CompositePurchase);
    CHECK(ch.count == 3); // INIT, UPDATE CAPP DATA CACHE, DEBIT
    CHECK(record(0) == toHex(rec));
    CHECK(record(1) == "02000000000000000000000000000000");
    const PurseFields f { 300, txtype::CompositePurchase, psam.terminalId(), done.tx.when };
    CHECK(issuer.verifyPurchaseTac(done.tx.card, f, done.tx.ttsn, done.tac));
    CHECK(client.readLog().at(0).type == txtype::CompositePurchase);
    const auto proof = client.settle(done.tx, &issuer);
    REQUIRE(std::holds_alternative<Done>(proof));
    CHECK(std::get<Done>(proof).verified);

    // An update of a record that is not there: declined, nothing written, no money moved.
    const auto bad = client.compositePurchase(
        100, psam, { CappUpdate { 0x17, 0x02, fromHex("02AA") }, CappUpdate { 0x17, 0x09, rec } });
    REQUIRE(std::holds_alternative<Declined>(bad));
    CHECK(std::get<Declined>(bad).sw == StatusWord(0x6700)); // 02AA: not the record's length
    const auto missing = client.compositePurchase(
        100, psam, { CappUpdate { 0x17, 0x09, fromHex("09000000000000000000000000000000") } });
    REQUIRE(std::holds_alternative<Declined>(missing));
    CHECK(std::get<Declined>(missing).sw == sw::RecordNotFound);

    // A bad MAC1 on the DEBIT: the cached update is dropped with the session.
    SoftwarePsam wrong({ { 1, fromHex("00112233445566778899AABBCCDDEEFF") } },
        { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 });
    const Bytes rec2 = fromHex("02FFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
    const auto badMac = client.compositePurchase(100, wrong, { CappUpdate { 0x17, 0x02, rec2 } });
    REQUIRE(std::holds_alternative<Declined>(badMac));
    CHECK(std::get<Declined>(badMac).sw == sw::MacInvalid);
    CHECK(record(1) == "02000000000000000000000000000000");
    CHECK(client.balance() == 10000 - 300);
}

TEST_CASE("ED cash withdrawal (type 04): PIN, DEBIT like a purchase, proof by type 04") {
    Rig rig("purse-card-ed.json");
    OsChannel ch(rig.card);
    T0Channel psamCh(std::make_unique<OsChannel>(rig.psamOs));
    PsamCard psam(psamCh);
    PurseClient ed(ch, options(PurseKind::Ed));
    SoftwareIssuer issuer(loadIssuerKeys(kImages / "purse-issuer-dev-keys.json"));
    const auto noPin = ed.withdraw(100, psam);
    REQUIRE(std::holds_alternative<Declined>(noPin));
    CHECK(std::get<Declined>(noPin).sw == sw::SecurityStatusNotSatisfied);
    REQUIRE(ed.verifyPin(kPin) == sw::Ok);
    const auto out = ed.withdraw(20000, psam);
    REQUIRE(std::holds_alternative<Done>(out));
    const auto& done = std::get<Done>(out);
    CHECK(done.verified);
    CHECK(done.tx.type == txtype::EdWithdraw);
    CHECK(done.balanceAfter == 30000);
    const PurseFields f { 20000, txtype::EdWithdraw, psam.terminalId(), done.tx.when };
    CHECK(issuer.verifyPurchaseTac(done.tx.card, f, done.tx.ttsn, done.tac));
    CHECK(ed.readLog().at(0).type == txtype::EdWithdraw);
    REQUIRE(std::holds_alternative<Done>(ed.settle(done.tx, &issuer)));
    // Only from the ED.
    PurseClient ep(ch, options());
    CHECK_THROWS_AS(ep.withdraw(100, psam), InputError);
}

TEST_CASE(
    "ED overdraft limit update (type 07): issuer-authorised, balance moves by the difference") {
    Rig rig("purse-card-ed.json");
    OsChannel ch(rig.card);
    T0Channel psamCh(std::make_unique<OsChannel>(rig.psamOs));
    PsamCard psam(psamCh);
    PurseClient ed(ch, options(PurseKind::Ed));
    SoftwareIssuer issuer(loadIssuerKeys(kImages / "purse-issuer-dev-keys.json"));
    const TerminalId terminal { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };

    const auto noPin = ed.updateOverdraftLimit(50000, terminal, issuer);
    REQUIRE(std::holds_alternative<Declined>(noPin));
    CHECK(std::get<Declined>(noPin).sw == sw::SecurityStatusNotSatisfied);
    REQUIRE(ed.verifyPin(kPin) == sw::Ok);

    // 500.00 reported = 300.00 own + 200.00 limit; the limit becomes 500.00.
    const auto out = ed.updateOverdraftLimit(50000, terminal, issuer);
    REQUIRE(std::holds_alternative<Done>(out));
    const auto& done = std::get<Done>(out);
    CHECK(done.verified);
    CHECK(done.tx.type == txtype::OverdraftUpdate);
    CHECK(done.tx.balanceBefore == 30000); // own money
    CHECK(done.balanceAfter == 80000);
    CHECK(ed.balance() == 80000);
    const auto& st = rig.card.image().extensions.at("epurse").at("ed").as_object();
    CHECK(st.at("overdraft_limit").to_number<std::int64_t>() == 50000);
    CHECK(ed.readLog().at(0).type == txtype::OverdraftUpdate);
    const auto proof = ed.settle(done.tx, &issuer);
    REQUIRE(std::holds_alternative<Done>(proof));
    CHECK(std::get<Done>(proof).verified);

    // Spend into the overdraft, then a limit below the debt is refused by the issuer.
    REQUIRE(std::holds_alternative<Done>(ed.purchase(60000, psam))); // own money -300.00
    const auto tooLow = ed.updateOverdraftLimit(10000, terminal, issuer);
    REQUIRE(std::holds_alternative<Declined>(tooLow));
    CHECK(std::get<Declined>(tooLow).reason.find("owes") != std::string::npos);
    CHECK(ed.balance() == 20000);

    // An issuer without the DUK masters refuses; the default PurseIssuer does too.
    auto keys = loadIssuerKeys(kImages / "purse-issuer-dev-keys.json");
    keys.overdraftMaster.clear();
    SoftwareIssuer noDuk(keys);
    REQUIRE(std::holds_alternative<Declined>(ed.updateOverdraftLimit(60000, terminal, noDuk)));
    CHECK(ed.balance() == 20000);
}

TEST_CASE("issuer key file: a bad overdraft_master or max_balance is refused naming the field") {
    const auto file = std::filesystem::temp_directory_path()
        / ("hc-issuer-keys-" + std::to_string(::getpid()) + ".json");
    const std::string head = R"({"format":"hc-purse-issuer-keys/1",
        "load_master":{"01":"2233445566778899AABBCCDDEEFF0011"},
        "tac_master":"33445566778899AABBCCDDEEFF001122")";
    const auto errorOf = [&](const std::string& tail) {
        std::ofstream(file) << head << tail << "}";
        try {
            loadIssuerKeys(file);
        } catch (const hc::Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(errorOf(R"(,"max_balance":"1000")").find("max_balance: expected an integer")
        != std::string::npos);
    CHECK(errorOf(R"(,"max_balance":-1)").find("max_balance: out of range") != std::string::npos);
    CHECK(errorOf(R"(,"overdraft_master":"4455667788AABBCCDDEEFF0011223344")")
              .find("overdraft_master: expected an object")
        != std::string::npos);
    CHECK(errorOf(R"(,"max_balance":5000)") == "no error");
    std::ofstream(file) << head << R"(,"max_balance":5000})";
    CHECK(loadIssuerKeys(file).maxBalance == 5000);
    std::filesystem::remove(file);
}
