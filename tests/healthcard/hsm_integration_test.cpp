// Integration: the health card read and written with the master keys in hc::hsm (SoftwareHsm in
// memory, keys imported as two components with KCVs) through HsmSam, against pcscd + vpcd + hcemu.
#include "hc/card/health/health_card.hpp"
#include "hc/card_hsm/hsm_sam.hpp"
#include "hc/hsm/pkcs11_hsm.hpp"
#include "hc/hsm/software_hsm.hpp"
#include "hc/testing/softhsm_token.hpp"
#include "health_test_util.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

using namespace hc;
using namespace hc::card;
using namespace hc::card::health;
using hc::card_hsm::HsmSam;
using hc::testing::EmulatedCard;

namespace {
/** Imports every master of resident-keys.json as "hc.master.<P1P2>" v1 (two components). */
void importTestMasters(hc::hsm::Hsm& hsm) {
    const auto v = boost::json::parse(
        hc::testing::readFile(hc::testing::sourcePath("firmware-tools/images/resident-keys.json")));
    for (const auto& kv : v.at("masters").as_object()) {
        const Bytes master = fromHex(std::string(kv.value().as_string()));
        Bytes c1(16);
        Bytes c2(16);
        for (std::size_t i = 0; i < 16; ++i) {
            c1[i] = static_cast<std::uint8_t>(0xA5 ^ i);
            c2[i] = static_cast<std::uint8_t>(master[i] ^ c1[i]);
        }
        std::vector<hc::hsm::KeyComponent> comps(2);
        comps[0].clear = hc::hsm::toSecure(c1);
        comps[0].kcv = hc::hsm::keyCheckValue(hc::hsm::KeyAlgorithm::Sm4, comps[0].clear);
        comps[1].clear = hc::hsm::toSecure(c2);
        comps[1].kcv = hc::hsm::keyCheckValue(hc::hsm::KeyAlgorithm::Sm4, comps[1].clear);
        hsm.importComponents(hc::hsm::KeyRef { "hc.master." + std::string(kv.key()), 1 },
            hc::hsm::KeyAlgorithm::Sm4, comps);
    }
}
} // namespace

TEST_CASE("HsmSam: reads, SM writes and MAC-only index flags with the masters in the HSM") {
    hc::hsm::SoftwareHsm hsm(hc::hsm::SoftwareHsmOptions {});
    importTestMasters(hsm);
    HsmSam sam(hsm, HsmSam::defaultLabels());
    EmulatedCard emu("resident-li-na.json");
    auto ch = healthtest::connect();
    HealthCard card(*ch, CardProfile::ws543_2017(), &sam);
    const auto id = card.readIdentity();
    CHECK(id.value.holder.name == "李娜");
    CHECK(id.apdus == 5);
    CHECK(card.updatePhones("13600000000", "") > 0);
    Bytes rec(1893, 0x00);
    CHECK(card.writeVisitRecord(true, rec).value == 2);
    const auto all = card.readAll().value;
    CHECK(all.validity.phone1 == "13600000000");
    CHECK(all.inpatientIndex.inUse == std::vector<bool> { true, true, false });
    CHECK(sam.name().rfind("hsm:software", 0) == 0);
}

TEST_CASE("HsmSam on SoftHSM2: the same flows with the masters in a PKCS#11 token") {
    // A token of our own in a temp dir; found by label; PIN from a file, never the command line.
    hc::testing::SoftHsmToken token("hc-health-test");
    hc::hsm::Pkcs11Hsm hsm(token.options());
    importTestMasters(hsm);

    HsmSam sam(hsm, HsmSam::defaultLabels());
    CHECK(sam.name().find("pkcs11:hc-health-test") != std::string::npos);
    EmulatedCard emu("resident-li-na.json");
    auto ch = healthtest::connect();
    HealthCard card(*ch, CardProfile::ws543_2017(), &sam);
    const auto id = card.readIdentity();
    CHECK(id.value.holder.name == "李娜");
    CHECK(id.value.holder.idNumber == "110105197503150022");
    CHECK(card.updatePhones("13911112222", "") > 0);
    Bytes rec(1893, 0x00);
    CHECK(card.writeVisitRecord(true, rec).value == 2);
    const auto all = card.readAll().value;
    CHECK(all.validity.phone1 == "13911112222");
    CHECK(all.inpatientIndex.inUse == std::vector<bool> { true, true, false });
}
