// Integration: the write flows through pcscd + vpcd + hcemu: cyclic records after the update key,
// secure-messaging UPDATE RECORD (CLA 04), MAC-only index flags (84 D2 / 84 0C), a bad MAC refused.
#include "hc/card/health/codec.hpp"
#include "hc/card/health/crypto.hpp"
#include "hc/card/health/health_card.hpp"
#include "hc/card/health/sam_card.hpp"
#include "health_test_util.hpp"

#include <doctest/doctest.h>
#include <fstream>

using namespace hc;
using namespace hc::card;
using namespace hc::card::health;
using hc::testing::EmulatedCard;

namespace {
/** A module whose MACs are wrong in one bit. */
class BadMacSam final : public SecureAccessModule {
public:
    explicit BadMacSam(SecureAccessModule& inner)
        : m_inner(inner) { }
    void deliverKey(std::uint8_t p1, std::uint8_t p2, ByteView d) override {
        m_inner.deliverKey(p1, p2, d);
    }
    Bytes encrypt(ByteView b) override { return m_inner.encrypt(b); }
    Bytes mac(ByteView iv, ByteView d) override {
        Bytes m = m_inner.mac(iv, d);
        m[0] ^= 0x01;
        return m;
    }
    std::string name() const override { return "bad-mac"; }

private:
    SecureAccessModule& m_inner;
};
} // namespace

TEST_CASE("add an allergy and an immunisation; update phones and addresses with secure messaging") {
    EmulatedCard emu("resident-li-na.json");
    auto ch = healthtest::connect();
    auto sam = healthtest::testSam();
    HealthCard card(*ch, CardProfile::ws543_2017(), sam.get());

    CHECK(card.addAllergy({ "头孢", "荨麻疹" }) > 0);
    CHECK(card.addImmunisation({ "狂犬疫苗", "20240101" }) == 1); // UK 87 already authenticated
    const auto allergies = card.readAllergies().value;
    REQUIRE(allergies.size() == 3);
    CHECK(allergies[0].substance == "头孢");
    CHECK(allergies[2].substance == "花生");
    const auto imm = card.readImmunisations().value;
    REQUIRE(imm.size() == 4);
    CHECK(imm[0].vaccine == "狂犬疫苗");

    // SM: UK 05 (two challenges + EXTERNAL AUTHENTICATE), then per element GET CHALLENGE + 04 DC.
    const std::size_t phones = card.updatePhones("13700000001", "021-12345678");
    CHECK(phones == 1 + 3 + 2 + 2);
    Addresses a;
    a.entries[0] = { "1", "北京市海淀区中关村大街27号" };
    a.entries[1] = { "3", "河北省保定市莲池区" };
    CHECK(card.updateAddresses(a) > 0);

    // A fresh session sees the new data (it is on the card, not cached).
    card.forgetState();
    HealthCard again(*ch, CardProfile::ws543_2017(), sam.get());
    const auto v = again.readValidity().value;
    CHECK(v.phone1 == "13700000001");
    CHECK(v.phone2 == "021-12345678");
    const auto addr = again.readAddresses().value;
    CHECK(addr.entries[0].text == "北京市海淀区中关村大街27号");
    CHECK(addr.entries[1].type == "3");

    // Too long for AN 20: refused before anything is sent.
    CHECK_THROWS_AS(again.updatePhones("1234567890123456789012", ""), ValidationError);
}

TEST_CASE("through pcscd: a bad MAC is refused with 6988 and nothing changes; a plain UPDATE "
          "RECORD of an SM file (no MAC at all) is refused with 6987") {
    EmulatedCard emu("resident-zhang-zhe.json");
    auto ch = healthtest::connect();
    auto good = healthtest::testSam();
    BadMacSam bad(*good);
    HealthCard card(*ch, CardProfile::ws543_2017(), &bad);
    try {
        card.updateElement("validity.phone1", "13100000000");
        FAIL("bad MAC accepted");
    } catch (const CardRefused& e) {
        CHECK(e.sw() == sw::SmDataObjectsIncorrect);
    }
    // Plain 00 DC to an SM file, even with the update key authenticated: 6987 (MAC missing).
    const auto* spec = card.profile().element("validity.phone1");
    const Bytes tlv = concat(
        Bytes { spec->tag, static_cast<std::uint8_t>(spec->length) }, encodeAn("13100000000", 20));
    CHECK(card.send(CommandApdu(0x00, 0xDC, spec->record, (8 << 3) | 4, tlv)).sw()
        == sw::SmDataObjectsMissing);
    card.setSecureAccessModule(good.get());
    CHECK(card.readValidity().value.phone1 == "13800138000");

    // A bad MAC on the index flag too: the flag stays as it was.
    const auto indexBefore = card.readInpatientIndex().value.inUse;
    HealthCard idx(*ch, CardProfile::ws543_2017(), &bad);
    idx.forgetState();
    try {
        idx.eraseVisitIndex(true, 1);
        FAIL("bad MAC accepted");
    } catch (const CardRefused& e) {
        CHECK(e.sw() == sw::SmDataObjectsIncorrect);
    }
    card.forgetState();
    CHECK(card.readInpatientIndex().value.inUse == indexBefore);
}

TEST_CASE("an outpatient record goes into the next free slot with its index flag (MAC-only)") {
    EmulatedCard emu("resident-li-na.json");
    auto ch = healthtest::connect();
    auto sam = healthtest::testSam();
    HealthCard card(*ch, CardProfile::ws543_2017(), sam.get());
    Bytes record(3267);
    for (std::size_t i = 0; i < record.size(); ++i) {
        record[i] = static_cast<std::uint8_t>(i * 7);
    }
    const auto w = card.writeVisitRecord(false, record);
    CHECK(w.value == 3); // slots 1 and 2 are in use
    CHECK(card.readOutpatientIndex().value.inUse
        == std::vector<bool> { true, true, true, false, false });
    CHECK(card.readVisitRecord(false, 3).value == record);
    CHECK(card.eraseVisitIndex(false, 3) == 2);
    CHECK(card.readOutpatientIndex().value.firstFree() == 2u);
    CHECK_THROWS_AS(card.writeVisitRecord(false, Bytes(10)), hc::InputError);
}

TEST_CASE("SM2-signed visit records: signed when written, verified when read; unsigned and "
          "tampered reported") {
    EmulatedCard emu("resident-li-na.json");
    auto ch = healthtest::connect();
    auto sam = healthtest::testSam();
    HealthCard card(*ch, CardProfile::ws543_2017(), sam.get());
    auto signer = Sm2SoftwareSigner::generate("北京协和医院", "12110000400000001X");
    const Bytes text = encodeAn("门诊: 2型糖尿病复诊，二甲双胍 0.5g tid", 200);
    const auto w = card.writeSignedVisit(false, text, *signer);
    CHECK(w.value == 3);
    // A record written without a signer, then one with a broken signature.
    Bytes forged = buildSignedVisitRecord(text, 3267, *signer, card.profile().signerId);
    forged[5] ^= 0x01;
    CHECK(card.writeVisitRecord(false, forged).value == 4);

    const auto visits = card.readVisits(false).value;
    REQUIRE(visits.size() == 4);
    CHECK(visits[0].second.status == SignatureStatus::Unsigned); // slots 1, 2 from the image
    CHECK(visits[1].second.status == SignatureStatus::Unsigned);
    CHECK(visits[2].first == 3);
    CHECK(visits[2].second.status == SignatureStatus::Valid);
    CHECK(visits[2].second.signerName == "北京协和医院");
    CHECK(decodeAn(visits[2].second.data) == "门诊: 2型糖尿病复诊，二甲双胍 0.5g tid");
    CHECK(visits[3].second.status == SignatureStatus::Invalid);

    const auto inpatient = card.writeSignedVisit(true, encodeAn("住院: 阑尾切除术", 100), *signer);
    CHECK(inpatient.value == 2);
    CHECK(card.readVisits(true).value.back().second.status == SignatureStatus::Valid);
}

TEST_CASE("hcard write-visit FILE.json signs with the institution key and writes the next slot") {
    EmulatedCard emu("resident-zhang-zhe.json");
    hc::testing::TempDir dir;
    auto signer = Sm2SoftwareSigner::generate("郑州市中心医院", "12410100000000001X");
    {
        std::ofstream(dir / "signer.pem") << signer->privatePem();
        std::ofstream(dir / "visit.json")
            << "{\"kind\":\"inpatient\",\"text\":\"住院: 肺炎，头孢曲松\","
               "\"signer\":{\"key_pem\":\""
            << (dir / "signer.pem").string()
            << "\",\"name\":\"郑州市中心医院\",\"institution_code\":\"12410100000000001X\"}}";
    }
    const auto hcard = hc::testing::binaryPath("hcard").string();
    const auto keys = hc::testing::sourcePath("firmware-tools/images/resident-keys.json").string();
    auto r = hc::testing::runCommand({ hcard, "write-visit", (dir / "visit.json").string(),
        "--reader", hc::testing::kReader0, "--keys", keys, "--json" });
    CHECK(r.status == 0);
    CHECK(r.out.find("\"slot\":1") != std::string::npos);
    auto ch = healthtest::connect();
    auto sam = healthtest::testSam();
    HealthCard card(*ch, CardProfile::ws543_2017(), sam.get());
    const auto visits = card.readVisits(true).value;
    REQUIRE(visits.size() == 1);
    CHECK(visits[0].second.status == SignatureStatus::Valid);
    CHECK(visits[0].second.institutionCode == "12410100000000001X");
    CHECK(decodeAn(visits[0].second.data) == "住院: 肺炎，头孢曲松");
    // A bad file is refused before the card is touched, naming the file and the field; a null
    // signer is refused, not taken as "write unsigned".
    std::ofstream(dir / "bad.json") << "{\"kind\":\"inpatient\",\"text\":\"x\",\"signer\":null}";
    auto bad = hc::testing::runCommand({ hcard, "write-visit", (dir / "bad.json").string(),
        "--reader", hc::testing::kReader0, "--keys", keys });
    CHECK(bad.status != 0);
    CHECK(bad.err.find("bad.json: signer: must be an object") != std::string::npos);
    CHECK(card.readVisits(true).value.size() == 1);
}

TEST_CASE("writes with the SAM card in slot 1: SM encryption and MACs come from 80 DE / 80 FA") {
    EmulatedCard user("resident-ayigul.json", 0);
    EmulatedCard samEmu("resident-sam.json", 1);
    auto samCh = healthtest::connect(hc::testing::kReader1);
    SamCard sam(*samCh);
    REQUIRE(sam.verifyPin(Bytes { '1', '2', '3', '4', '5', '6' }).status == PinStatus::Ok);
    auto ch = healthtest::connect();
    HealthCard card(*ch, CardProfile::ws543_2017(), &sam);
    card.updatePhones("13912345678", "");
    card.addImmunisation({ "麻疹疫苗", "19910612" });
    Bytes rec(1893, 0x00);
    rec[0] = 0x42;
    CHECK(card.writeVisitRecord(true, rec).value == 1);
    const auto v = card.readValidity().value;
    CHECK(v.phone1 == "13912345678");
    CHECK(v.phone2.empty());
    CHECK(card.readImmunisations().value.at(0).vaccine == "麻疹疫苗");
    CHECK(card.readInpatientIndex().value.inUse.at(0));
    CHECK(sam.apduCount() > 10);
}
