// Integration: the SM4 purse, the ED (PIN, overdraft) and the composite purchase through pcscd +
// vpcd + hcemu, and `hcard balance|load|log --ed --pin`. The card is in vpcd slot 2 and the PSAM
// is the software one (same development master as psam-slot1.json), so these tests need one
// reader only; the PSAM card in a second reader is covered by purse_integration_test.cpp.
#include "counting_channel.hpp"
#include "hc/card/epurse/purse_client.hpp"
#include "hc/card/t0_channel.hpp"
#include "hc/pcsc.hpp"
#include "hc/testing/pcsc_stack.hpp"

#include <doctest/doctest.h>

using namespace hc;
using namespace hc::card;
using namespace hc::card::epurse;
using hc::testing::CountingChannel;
using hc::testing::EmulatedCard;
using hc::testing::kReader2;

namespace {
const std::filesystem::path kImages = HC_IMAGES_DIR;
const TerminalId kTerminal { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };

CardChannelPtr connect(std::size_t& counter) {
    return hc::testing::connectCounted(kReader2, counter);
}
PurseClientOptions options(PurseKind kind) {
    PurseClientOptions o;
    o.kind = kind;
    o.clock = [] { return TransactionTime::parse("20261123120000"); };
    return o;
}
SoftwarePsam devPsam() {
    return SoftwarePsam({ { 1, fromHex("11223344556677888877665544332211") } }, kTerminal);
}
} // namespace

TEST_CASE("SM4 purse through pcscd: purchase (2 card APDUs), load, TACs verified") {
    EmulatedCard card("purse-card-sm4.json", 2);
    std::size_t n = 0;
    auto ch = connect(n);
    auto psam = devPsam();
    PurseClient client(*ch, options(PurseKind::Ep));
    SoftwareIssuer issuer(loadIssuerKeys(kImages / "purse-issuer-dev-keys-sm4.json"));
    client.open();
    n = 0;
    const auto out = client.purchase(250, psam);
    REQUIRE(std::holds_alternative<Done>(out));
    CHECK(std::get<Done>(out).verified);
    CHECK(n == 2);
    const auto& tx = std::get<Done>(out).tx;
    CHECK(issuer.verifyPurchaseTac(tx.card, { 250, txtype::EpPurchase, kTerminal, tx.when },
        tx.ttsn, std::get<Done>(out).tac));
    const auto ld = client.load(250, kTerminal, issuer);
    REQUIRE(std::holds_alternative<Done>(ld));
    CHECK(std::get<Done>(ld).verified);
    CHECK(client.balance() == 10000);
}

TEST_CASE("ED through pcscd and hcard: PIN, overdraft, load; the EP untouched") {
    EmulatedCard card("purse-card-ed.json", 2);
    const auto hcard = hc::testing::binaryPath("hcard").string();
    const auto keys = (kImages / "purse-issuer-dev-keys.json").string();

    // Library first (a fresh power-on): without the PIN the INITIALIZE is refused; with it,
    // 450.00 goes 150.00 into the overdraft.
    {
        std::size_t n = 0;
        auto ch = connect(n);
        auto psam = devPsam();
        PurseClient ed(*ch, options(PurseKind::Ed));
        const auto refused = ed.purchase(100, psam);
        REQUIRE(std::holds_alternative<Declined>(refused));
        CHECK(std::get<Declined>(refused).sw == sw::SecurityStatusNotSatisfied);
        CHECK(ed.verifyPin(Bytes { '1', '2', '3', '4', '5', '6' }) == sw::Ok);
        const auto out = ed.purchase(45000, psam);
        REQUIRE(std::holds_alternative<Done>(out));
        CHECK(std::get<Done>(out).verified);
        CHECK(std::get<Done>(out).balanceAfter == 5000);
    }

    auto r = hc::testing::runCommand({ hcard, "balance", "--reader", kReader2, "--ed" });
    CHECK(r.status == 2); // --ed without --pin
    r = hc::testing::runCommand(
        { hcard, "balance", "--reader", kReader2, "--ed", "--pin", "000000" });
    CHECK(r.status == 1);
    CHECK((r.out + r.err).find("wrong PIN, 2 tries left") != std::string::npos);
    r = hc::testing::runCommand(
        { hcard, "balance", "--reader", kReader2, "--ed", "--pin", "123456" });
    CHECK(r.status == 0);
    CHECK(r.out.find("ED balance: 50.00 yuan") != std::string::npos);

    r = hc::testing::runCommand({ hcard, "load", "--reader", kReader2, "--terminal", "112233445566",
        "--amount", "30000", "--issuer-keys", keys, "--ed", "--pin", "123456" });
    CHECK(r.status == 0);
    CHECK(r.out.find("50.00 -> 350.00 yuan") != std::string::npos);

    r = hc::testing::runCommand({ hcard, "balance", "--reader", kReader2 });
    CHECK(r.out.find("balance: 100.00 yuan") != std::string::npos); // the EP

    r = hc::testing::runCommand({ hcard, "log", "--reader", kReader2, "--json" });
    CHECK(r.out.find("\"kind\":\"load\",\"amount\":30000") != std::string::npos);
    CHECK(r.out.find("\"kind\":\"purchase\",\"amount\":45000") != std::string::npos);
    CHECK(r.out.find("\"purse\":\"ED\"") != std::string::npos);
}

TEST_CASE("composite purchase through pcscd: the record is on the card's disk with the debit") {
    EmulatedCard card("purse-card.json", 2);
    std::size_t n = 0;
    auto ch = connect(n);
    auto psam = devPsam();
    PurseClient client(*ch, options(PurseKind::Ep));
    client.open();
    const Bytes rec = fromHex("01 20261123 0005 000000000000000000");
    n = 0;
    const auto out = client.compositePurchase(300, psam, { CappUpdate { 0x17, 0x01, rec } });
    REQUIRE(std::holds_alternative<Done>(out));
    CHECK(std::get<Done>(out).verified);
    CHECK(n == 3);
    CHECK(hc::testing::readFile(card.imagePath()).find(toHex(rec)) != std::string::npos);
    CHECK(client.balance() == 9700);
}
