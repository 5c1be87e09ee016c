// Integration: reading resident health cards through pcscd + vpcd + hcemu (profile health-card),
// with external authentication by the software SAM; APDU counts per call, bulk and per record.
#include "hc/card/atr.hpp"
#include "hc/card/health/health_card.hpp"
#include "hc/card/health/sam_card.hpp"
#include "health_test_util.hpp"

#include <doctest/doctest.h>

using namespace hc;
using namespace hc::card;
using namespace hc::card::health;
using hc::testing::EmulatedCard;

TEST_CASE(
    "readIdentity and readAll of a resident with allergies, immunisations and visits (bulk)") {
    EmulatedCard emu("resident-li-na.json");
    auto ch = healthtest::connect();
    auto sam = healthtest::testSam();
    HealthCard card(*ch, CardProfile::ws543_2017(), sam.get());
    CHECK(toHex(card.diversifier()) == "1101050000000003");

    const auto id = card.readIdentity();
    CHECK(id.value.holder.name == "李娜");
    CHECK(id.value.holder.sex == Sex::Female);
    CHECK(id.value.holder.ethnicity == 1);
    CHECK(id.value.holder.birthDate == "19750315");
    CHECK(id.value.card.cityCode == "110100");
    CHECK(id.value.card.issuerName == "北京市卫生健康委员会");
    CHECK_NOTHROW(validateIdentity(id.value));
    // SELECT DDF1, READ RECORD all EF05, GET CHALLENGE, EXTERNAL AUTHENTICATE, READ RECORD all
    // EF06.
    CHECK(id.apdus == 5);

    const auto all = card.readAll();
    const auto& d = all.value;
    CHECK(d.identity.holder.idNumber == "110105197503150022");
    CHECK(d.validity.phone2 == "010-65550000");
    CHECK(d.validity.paymentMethods[1] == "3");
    CHECK(d.addresses.entries[1].text == "北京市东城区王府井大街1号");
    CHECK(d.contacts.entries[1].name == "赵敏");
    CHECK(d.contacts.entries[2].name.empty());
    CHECK(d.documents.healthRecordNo == "11010520190000003");
    CHECK(d.clinical.abo == 1);
    CHECK(d.clinical.flags[0]); // asthma
    CHECK(d.clinical.flags[5]); // diabetes
    CHECK_FALSE(d.clinical.flags[11]);
    CHECK(d.clinical.otherAlert == "对碘造影剂敏感");
    REQUIRE(d.allergies.size() == 2);
    CHECK(d.allergies[0].substance == "青霉素");
    CHECK(d.allergies[1].reaction == "喉头水肿");
    REQUIRE(d.immunisations.size() == 3);
    CHECK(d.immunisations[0].vaccine == "流感疫苗");
    CHECK(d.immunisations[2].date == "20200315");
    CHECK(d.inpatientIndex.inUse == std::vector<bool> { true, false, false });
    CHECK(d.outpatientIndex.firstFree() == 2u);
    CHECK(d.photo.empty());
    MESSAGE("readAll: " << all.apdus << " APDUs");
    CHECK(all.apdus <= 26);
    CHECK_FALSE(card.bulkFallback());
}

TEST_CASE("per-record reads: readIdentity in 18 APDUs, each DF selected once") {
    EmulatedCard emu("resident-zhang-zhe.json");
    auto ch = healthtest::connect();
    auto sam = healthtest::testSam();
    auto profile = CardProfile::ws543_2017();
    profile.bulkRead = false;
    HealthCard card(*ch, profile, sam.get());
    const auto id = card.readIdentity();
    CHECK(id.value.holder.name == "张喆"); // GBK beyond GB 2312
    CHECK(id.value.holder.sex == Sex::Male);
    // SELECT DDF1, 10 READ RECORD, GET CHALLENGE, EXTERNAL AUTHENTICATE, 5 READ RECORD.
    CHECK(id.apdus == 18);
    const auto again = card.readHolder();
    CHECK(again.apdus == 5); // no SELECT, no authentication the second time
    const auto docs = card.readDocuments();
    CHECK(docs.value.number == "410102198001010018");
    CHECK(docs.apdus == 1 + 2 + 4); // SELECT DF01, authentication, 4 records
}

TEST_CASE("a contactless card behind a PC/SC pseudo-ATR: the diversifier is found the same way") {
    EmulatedCard emu("resident-ayigul.json");
    auto ch = healthtest::connect();
    REQUIRE(Atr::parse(ch->atr()).isContactless());
    auto sam = healthtest::testSam();
    HealthCard card(*ch, CardProfile::ws543_2017(), sam.get());
    CHECK(toHex(card.diversifier()) == "6501020000000002");
    const auto id = card.readIdentity();
    CHECK(id.value.holder.name == "阿依古丽·买买提");
    CHECK(id.value.holder.ethnicity == 5);
    CHECK(ethnicGroupName(id.value.holder.ethnicity) == "维吾尔族");
    CHECK_NOTHROW(validateIdentity(id.value));
    CHECK(card.readDocuments().value.ncmsNo == "650102000000000002");
}

TEST_CASE("without a SAM only the free file is readable; a wrong key is refused with 63Cx") {
    EmulatedCard emu("resident-zhang-zhe.json");
    auto ch = healthtest::connect();
    HealthCard card(*ch);
    const auto ci = card.readCardIdentification();
    CHECK(ci.value.cardNumber == "410102198001010018");
    CHECK(ci.apdus == 2);
    try {
        card.readHolder();
        FAIL("read without SAM");
    } catch (const hc::Error& e) {
        CHECK(e.nextStep() == NextStep::CheckConfiguration);
    }
    SoftwareSam wrong({ { 0x4731, Bytes(16, 0x11) } });
    card.setSecureAccessModule(&wrong);
    try {
        card.readHolder();
        FAIL("read with a wrong key");
    } catch (const CardRefused& e) {
        CHECK(e.sw().triesLeft() == 14);
    }
}

TEST_CASE("the SAM card in slot 1: PIN, terminal number, and reads authenticated through it") {
    EmulatedCard user("resident-li-na.json", 0);
    EmulatedCard samEmu("resident-sam.json", 1);
    auto samCh = healthtest::connect(hc::testing::kReader1);
    SamCard sam(*samCh);
    auto ch = healthtest::connect();
    HealthCard card(*ch, CardProfile::ws543_2017(), &sam);
    // Key operations before the PIN are refused.
    CHECK_THROWS_AS(card.readHolder(), CardRefused);
    card.forgetState();
    const auto wrong = sam.verifyPin(Bytes { '0', '0', '0', '0', '0', '0' });
    CHECK(wrong.status == PinStatus::Wrong);
    CHECK(wrong.triesLeft == 2);
    CHECK(sam.verifyPin(Bytes { '1', '2', '3', '4', '5', '6' }).status == PinStatus::Ok);
    CHECK(toHex(sam.terminalNumber()) == "410100000001");
    const auto all = card.readAll();
    CHECK(all.value.identity.holder.name == "李娜");
    CHECK(all.value.allergies.size() == 2);
    CHECK(all.value.clinical.flags[5]);
    CHECK(sam.name() == "sam:" + hc::testing::kReader1);
}

TEST_CASE("hcard read --all --json, with the software keys and with the SAM card") {
    EmulatedCard user("resident-zhang-zhe.json", 0);
    const auto hcard = hc::testing::binaryPath("hcard").string();
    const auto keys = hc::testing::sourcePath("firmware-tools/images/resident-keys.json").string();
    auto r = hc::testing::runCommand(
        { hcard, "read", "--all", "--json", "--reader", hc::testing::kReader0, "--keys", keys });
    CHECK(r.status == 0);
    CHECK(r.out.find("\"name\":\"张喆\"") != std::string::npos);
    CHECK(r.out.find("\"apdus\":") != std::string::npos);
    CHECK(r.out.find("\"health_record_no\":\"41010220200000001\"") != std::string::npos);
    CHECK(r.out.find("validation_error") == std::string::npos);

    r = hc::testing::runCommand(
        { hcard, "read", "--reader", hc::testing::kReader0, "--keys", keys, "--per-record" });
    CHECK(r.status == 0);
    CHECK(r.out.find("张喆") != std::string::npos);
    CHECK(r.out.find("(18 APDUs") != std::string::npos);

    EmulatedCard samEmu("resident-sam.json", 1);
    r = hc::testing::runCommand({ hcard, "read", "--json", "--reader", hc::testing::kReader0,
        "--sam", hc::testing::kReader1 });
    CHECK(r.status == 0);
    CHECK(r.out.find("\"id_number\":\"410102198001010018\"") != std::string::npos);
    CHECK(r.out.find("\"apdus\":5") != std::string::npos);

    // No keys at all: the protected holder file cannot be read, and the tool says why.
    r = hc::testing::runCommand({ hcard, "read", "--reader", hc::testing::kReader0 });
    CHECK(r.status == 1);
    CHECK(r.err.find("SecureAccessModule") != std::string::npos);
}
