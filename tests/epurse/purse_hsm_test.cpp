// hc_hsm (software backend) as the purse's issuer side: loads authorised by the HSM (MAC1 check,
// MAC2) on the emulated purse card, TACs verified by the HSM, a wrong master refused.
#include "hc/card/epurse/purse_client.hpp"
#include "hc/card_hsm/hsm_purse_issuer.hpp"
#include "hc/emu/card_image.hpp"
#include "hc/emu/profile.hpp"
#include "hc/hsm/pkcs11_hsm.hpp"
#include "hc/hsm/software_hsm.hpp"
#include "hc/testing/process.hpp"
#include "hc/testing/softhsm_token.hpp"
#include "hsm_test_support.hpp"
#include "purse_test_util.hpp"

#include <doctest/doctest.h>

using namespace hc;
using namespace hc::card::epurse;

namespace {
const std::filesystem::path kImages = HC_IMAGES_DIR;
} // namespace

TEST_CASE("hc_hsm authorises loads and verifies TACs for the emulated purse") {
    emu::CardOs card(emu::loadCardImage(kImages / "purse-card.json"));
    emu::installProfiles(card);
    hc::testing::OsChannel ch(card);
    const auto dev = loadIssuerKeys(kImages / "purse-issuer-dev-keys.json");
    hc::hsm::SoftwareHsm hsm(hc::hsm::SoftwareHsmOptions {});
    hctest::importPurseMasters(hsm, dev.loadMaster.at(1), dev.tacMaster);
    hc::card_hsm::HsmPurseIssuer issuer(hsm, {});
    SoftwareIssuer soft(dev);

    PurseClientOptions opt;
    opt.clock = [] { return TransactionTime::parse("20261123120000"); };
    PurseClient client(ch, opt);
    const TerminalId term { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
    const auto out = client.load(4200, term, issuer);
    REQUIRE(std::holds_alternative<Done>(out));
    const auto& done = std::get<Done>(out);
    CHECK(done.verified); // load TAC verified inside the HSM
    CHECK(client.balance() == 14200);
    const PurseFields f { 4200, txtype::EpLoad, term, done.tx.when };
    CHECK(soft.verifyLoadTac(done.tx.card, 14200, done.tx.atc, f, done.tac));

    // A purchase TAC made by the card verifies in the HSM.
    SoftwarePsam psam({ { 1, fromHex("11223344556677888877665544332211") } }, term);
    const auto p = client.purchase(200, psam);
    REQUIRE(std::holds_alternative<Done>(p));
    const auto& pd = std::get<Done>(p);
    CHECK(issuer.verifyPurchaseTac(
        pd.tx.card, { 200, txtype::EpPurchase, term, pd.tx.when }, pd.tx.ttsn, pd.tac));
    CHECK_FALSE(issuer.verifyPurchaseTac(
        pd.tx.card, { 201, txtype::EpPurchase, term, pd.tx.when }, pd.tx.ttsn, pd.tac));

    // A card whose MAC1 the HSM cannot verify (another master key) is refused before CREDIT.
    hc::hsm::SoftwareHsm other(hc::hsm::SoftwareHsmOptions {});
    hctest::importPurseMasters(other, fromHex("00112233445566778899AABBCCDDEEFF"), dev.tacMaster);
    hc::card_hsm::HsmPurseIssuer wrong(other, {});
    const auto refused = client.load(100, term, wrong);
    REQUIRE(std::holds_alternative<Declined>(refused));
    CHECK(std::get<Declined>(refused).reason.find("MAC1") != std::string::npos);
    CHECK(client.balance() == 14000);
}

TEST_CASE("the purse's issuer keys in SoftHSM2: loads authorised, TACs verified in the token") {
    hc::testing::SoftHsmToken token("hc-purse-test");
    hc::hsm::Pkcs11Hsm hsm(token.options());

    emu::CardOs card(emu::loadCardImage(kImages / "purse-card.json"));
    emu::installProfiles(card);
    hc::testing::OsChannel ch(card);
    const auto dev = loadIssuerKeys(kImages / "purse-issuer-dev-keys.json");
    hctest::importPurseMasters(hsm, dev.loadMaster.at(1), dev.tacMaster);
    hc::card_hsm::HsmPurseIssuer issuer(hsm, {});

    PurseClientOptions opt;
    opt.clock = [] { return TransactionTime::parse("20261123120000"); };
    PurseClient client(ch, opt);
    const TerminalId term { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
    const auto out = client.load(4200, term, issuer);
    REQUIRE(std::holds_alternative<Done>(out));
    CHECK(std::get<Done>(out).verified);
    CHECK(client.balance() == 14200);

    SoftwarePsam psam({ { 1, fromHex("11223344556677888877665544332211") } }, term);
    const auto p = client.purchase(200, psam);
    REQUIRE(std::holds_alternative<Done>(p));
    const auto& pd = std::get<Done>(p);
    CHECK(issuer.verifyPurchaseTac(
        pd.tx.card, { 200, txtype::EpPurchase, term, pd.tx.when }, pd.tx.ttsn, pd.tac));
    CHECK_FALSE(issuer.verifyPurchaseTac(
        pd.tx.card, { 201, txtype::EpPurchase, term, pd.tx.when }, pd.tx.ttsn, pd.tac));
    CHECK(client.balance() == 14000);
}
