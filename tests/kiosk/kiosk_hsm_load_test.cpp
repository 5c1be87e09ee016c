// Loads at the kiosk through the issuer's HSM: kioskd's configuration (purseHsm "pkcs11") opened by
// openHsmPurseIssuer, the DLK and DTK masters in a SoftHSM2 token of the test's own, the
// co-branded resident card served by hcemu through pcscd + vpcd. The card accepts CREDIT FOR LOAD
// only with a MAC2 it verifies itself, so a Done load is the card's word that the HSM's MAC2 was
// right; the load TAC is then verified inside the HSM (verified). A wrong master in the HSM is
// refused (MAC1 does not verify) and moves nothing.
#include "hc/hsm/pkcs11_hsm.hpp"
#include "hc/kiosk/core/pcsc_patient_card.hpp"
#include "hc/kiosk/core/purse_issuer_config.hpp"
#include "hc/testing/pcsc_stack.hpp"
#include "hc/testing/softhsm_token.hpp"
#include "hsm_test_support.hpp"

#include <cstdlib>
#include <doctest/doctest.h>

using namespace hc::kiosk::core;

namespace {

// vpcd slots 2 and 3, as kiosk_pcsc_card_test (slots 0 and 1 are a hand-run demo's).
constexpr int kCardSlot = 2;
constexpr int kSamSlot = 3;

/** kioskd's configuration for loads through the token (the PIN in an environment variable). */
KioskdConfig hsmConfig(const std::string& token) {
    KioskdConfig cfg;
    cfg.purseHsm = "pkcs11";
    cfg.purseHsmToken = token;
    cfg.purseHsmSecretEnv = "HC_TEST_PURSE_HSM_PIN";
    return cfg;
}

} // namespace

TEST_CASE("kiosk loads through the HSM: MAC2 from SoftHSM2 accepted by the card, TAC verified") {
    hc::testing::SoftHsmToken token("hc-kiosk-purse");
    ::setenv("HC_TEST_PURSE_HSM_PIN", token.userPin().read().c_str(), 1);
    const auto dev = hc::card::epurse::loadIssuerKeys(
        hc::testing::sourcePath("firmware-tools/images/purse-issuer-dev-keys.json"));
    {
        hc::hsm::Pkcs11Hsm ceremony(token.options());
        // pboc.mk-dlk, pboc.mk-dtk, and another DLK master: what a kiosk pointed at the
        // wrong key would use.
        hctest::importPurseMasters(
            ceremony, dev.loadMaster.at(1), dev.tacMaster, "pboc.mk-dlk-other");
    }

    hc::testing::sharedPcscd();
    hc::testing::EmulatedCard card("resident-li-na.json", kCardSlot);
    hc::testing::EmulatedCard samCard("resident-sam.json", kSamSlot);

    {
        // The right master: the balance moves by the load, once.
        KioskSam sam(hc::testing::readerForSlot(kSamSlot), "123456",
            openHsmPurseIssuer(hsmConfig("hc-kiosk-purse")), "K01");
        PcscPatientCard c(hc::testing::readerForSlot(kCardSlot), sam);
        REQUIRE(c.hasPurse());
        const auto before = c.balance();
        const auto l = c.load(250);
        REQUIRE(l.status == PurseStatus::Done); // the card verified the HSM's MAC2
        CHECK(l.verified); // the card's load TAC verified inside the HSM
        CHECK(l.balanceAfter == before + 250);
        CHECK(c.balance() == before + 250);
        const auto log = c.log(1);
        REQUIRE(log.size() == 1);
        CHECK(log[0].load);
        CHECK(log[0].amountFen == 250);
    }
    {
        // The wrong master: MAC1 does not verify in the HSM, nothing is loaded.
        auto cfg = hsmConfig("hc-kiosk-purse");
        cfg.purseLoadKey = "pboc.mk-dlk-other";
        KioskSam sam(
            hc::testing::readerForSlot(kSamSlot), "123456", openHsmPurseIssuer(cfg), "K01");
        PcscPatientCard c(hc::testing::readerForSlot(kCardSlot), sam);
        const auto before = c.balance();
        const auto l = c.load(250);
        CHECK(l.status == PurseStatus::Declined);
        CHECK(l.reason.find("MAC1") != std::string::npos);
        CHECK(c.balance() == before);
    }
}

TEST_CASE("kioskd's purse issuer configuration: one issuer, named errors") {
    KioskdConfig both;
    both.purseHsm = "pkcs11";
    both.issuerKeys = "keys.json";
    CHECK_THROWS_WITH_AS(openHsmPurseIssuer(both),
        doctest::Contains("purseHsm and issuerKeys are both set"), ConfigError);
    KioskdConfig unknown;
    unknown.purseHsm = "cloud";
    CHECK_THROWS_WITH_AS(openHsmPurseIssuer(unknown), doctest::Contains("purseHsm"), ConfigError);
    KioskdConfig noStore;
    noStore.purseHsm = "software";
    CHECK_THROWS_WITH_AS(
        openHsmPurseIssuer(noStore), doctest::Contains("purseHsmStore"), ConfigError);
    // Without an HSM library the HSM setting is refused, not ignored.
    CHECK_THROWS_WITH_AS(openPurseIssuer(both), doctest::Contains("no HSM"), ConfigError);
    CHECK(openHsmPurseIssuer(KioskdConfig {}) == nullptr); // neither: no loads
}
