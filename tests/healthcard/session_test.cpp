// Unit tests of the HealthCard session against scripted cards: the short forms first (SFI, bulk,
// record identifier), the long forms learned from a refusal and remembered per card kind, one
// SELECT per DF, Le = the record length, extended Le only when the ATR announces it.
#include "hc/card/health/health_card.hpp"
#include "hc/card/health/model.hpp"
#include "hc/card/health/records.hpp"
#include "hc/card/scripted_channel.hpp"
#include "hc/card/tlv.hpp"

#include <cstdio>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace hc;
using namespace hc::card;
using namespace hc::card::health;

namespace {
std::string tlv(const CardProfile& p, const char* key, const char* value) {
    const auto* e = p.element(std::string(key));
    REQUIRE(e);
    return toHex(encodeSimpleTlv(e->tag, encodeElement(*e, value)));
}

/** The 10 records of DDF1/EF05, record 1 first. */
std::vector<std::string> ef05(const CardProfile& p) {
    const char* const keys[] = { "card.card_type", "card.spec_version", "card.issuer_name",
        "card.issuer_code", "card.issuer_certificate", "card.issue_date", "card.card_number",
        "card.security_code", "card.chip_serial", "card.city_code" };
    const char* const values[] = { "1", "V1.0", "某卫健委", "41000000001", "00", "20200101",
        "410102198001010018", "123", "HC00000001", "410100" };
    std::vector<std::string> out;
    for (int i = 0; i < 10; ++i) {
        out.push_back(tlv(p, keys[i], values[i]));
    }
    return out;
}

/** The 5 records of DDF1/EF06. */
std::vector<std::string> ef06(const CardProfile& p) {
    return { tlv(p, "holder.name", "张喆"), tlv(p, "holder.sex", "1"),
        tlv(p, "holder.ethnicity", "01"), tlv(p, "holder.birth_date", "19800101"),
        tlv(p, "holder.id_number", "410102198001010018") };
}

const std::uint8_t kEf05Tags[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0A, 0x39 };
const std::size_t kEf05Lens[] = { 3, 6, 32, 13, 182, 6, 20, 5, 12, 5 };
const std::size_t kEf06Lens[] = { 32, 3, 3, 6, 20 };

std::string hex2(unsigned v) {
    char b[8];
    std::snprintf(b, sizeof b, "%02X", v & 0xFF);
    return b;
}

/** READ RECORD of DDF1/EF05 record n (1-based) by identifier: P2 = sfi<<3 | 00. */
ScriptStep ef05ById(const CardProfile& p, int n, unsigned sfi, const char* sw = "9000") {
    const auto i = static_cast<std::size_t>(n - 1);
    return { "00B2" + hex2(kEf05Tags[i]) + hex2(sfi << 3)
            + hex2(static_cast<unsigned>(kEf05Lens[i])),
        std::string(sw) == "9000" ? ef05(p)[i] + "9000" : sw };
}

/** READ RECORD of DDF1/EF06 record n by number: P2 = sfi<<3 | 04. */
ScriptStep ef06ByNumber(const CardProfile& p, int n, unsigned sfi) {
    const auto i = static_cast<std::size_t>(n - 1);
    return { "00B2" + hex2(static_cast<unsigned>(n)) + hex2((sfi << 3) | 4)
            + hex2(static_cast<unsigned>(kEf06Lens[i])),
        ef06(p)[i] + "9000" };
}

std::string concatFrom(const std::vector<std::string>& recs, std::size_t first) {
    std::string s;
    for (std::size_t i = first - 1; i < recs.size(); ++i) {
        s += recs[i];
    }
    return s;
}

const ScriptStep kChallenge { "0084000008",
    "1122334455667788"
    "9000" };
const ScriptStep kExtAuthRk { "0082000411" + std::string(34, '*'), "9000" };

/** The scripted default ATR carries no card capabilities: short APDUs only. An ATR with
 * 73 00 00 40 announces extended Lc/Le; both end with the same 8-byte diversifier. */
const Bytes kShortAtr = fromHex("3B6D000080318065B0893501F183009000");
const Bytes kExtendedAtr = fromHex("3B8F8131FE45807300004069B0893501F18300900000");

Bytes withTck(Bytes atr) {
    std::uint8_t x = 0;
    for (std::size_t i = 1; i + 1 < atr.size(); ++i) {
        x = static_cast<std::uint8_t>(x ^ atr[i]);
    }
    atr.back() = x;
    return atr;
}
} // namespace

TEST_CASE("short APDUs: EF05 as single records and a bulk tail of 243 bytes; P2=05 refused once") {
    const auto p = CardProfile::ws543_2017();
    std::vector<ScriptStep> steps { { "00A4000002DDF1", "9000" } };
    for (int n = 1; n <= 3; ++n) {
        steps.push_back(ef05ById(p, n, 5));
    }
    steps.push_back({ "00B2042DF3", "6A86" }); // all from record 4 by SFI 5: refused
    for (int n = 4; n <= 10; ++n) {
        steps.push_back(ef05ById(p, n, 5));
    }
    ScriptedChannel ch(steps);
    StrategyCache cache;
    HealthCard card(ch, p, nullptr, &cache);
    const auto ci = card.readCardIdentification();
    CHECK(ci.value.cityCode == "410100");
    CHECK(ci.value.issuerName == "某卫健委");
    CHECK(ci.apdus == 12);
    CHECK(card.bulkFallback());
    CHECK(ch.finished());
    const auto report = card.strategyReport();
    CHECK(report.failedProbes == 1);
    CHECK(report.strategy.sfi.yes());
    CHECK(report.strategy.recordIds.yes());
    CHECK_FALSE(report.extendedLength);
    CHECK(report.strategy.bulk.why.find("6A86") != std::string::npos);
}

TEST_CASE(
    "a card with neither SFI nor bulk reads: learned on the first card, no probe on the next") {
    const auto p = CardProfile::ws543_2017();
    auto sam = std::make_unique<SoftwareSam>(
        std::map<std::uint16_t, Bytes> { { 0x4731, Bytes(16, 0x11) } });
    StrategyCache cache;
    const auto recs05 = ef05(p);

    // The issue's card: 00B2 ... by SFI answered 6986 (no current EF), P2=05 refused.
    std::vector<ScriptStep> first { { "00A4000002DDF1", "9000" }, ef05ById(p, 1, 5, "6986"),
        { "00A4000002EF05", "9000" } };
    for (int n = 1; n <= 3; ++n) {
        first.push_back(ef05ById(p, n, 0));
    }
    first.push_back({ "00B20405F3", "6A86" });
    for (int n = 4; n <= 10; ++n) {
        first.push_back(ef05ById(p, n, 0));
    }
    first.push_back(kChallenge);
    first.push_back(kExtAuthRk);
    first.push_back({ "00A4000002EF06", "9000" });
    for (int n = 1; n <= 5; ++n) {
        first.push_back(ef06ByNumber(p, n, 0));
    }
    ScriptedChannel ch1(first);
    HealthCard card1(ch1, p, sam.get(), &cache);
    const auto id1 = card1.readIdentity();
    CHECK(id1.value.holder.name == "张喆");
    CHECK(id1.value.card.cardNumber == "410102198001010018");
    CHECK(ch1.finished());
    CHECK(card1.strategyReport().failedProbes == 2);
    CHECK(card1.strategyReport().strategy.sfi.no());
    CHECK(card1.strategyReport().strategy.sfi.why.find("6986") != std::string::npos);
    REQUIRE(cache.size() == 1);

    // The next card of that kind (another diversifier, same historical bytes before it).
    std::vector<ScriptStep> second { { "00A4000002DDF1", "9000" }, { "00A4000002EF05", "9000" } };
    for (int n = 1; n <= 10; ++n) {
        second.push_back(ef05ById(p, n, 0));
    }
    second.push_back(kChallenge);
    second.push_back(kExtAuthRk);
    second.push_back({ "00A4000002EF06", "9000" });
    for (int n = 1; n <= 5; ++n) {
        second.push_back(ef06ByNumber(p, n, 0));
    }
    ScriptedChannel ch2(second, fromHex("3B6D000080318065B0893501F1830090FF"));
    HealthCard card2(ch2, p, sam.get(), &cache);
    const auto id2 = card2.readIdentity();
    CHECK(ch2.finished());
    // 3 SELECTs (DDF1, EF05, EF06), one READ RECORD per record, external authentication.
    CHECK(id2.apdus == 3 + 10 + 5 + 2);
    const auto report = card2.strategyReport();
    CHECK(report.fromCache);
    CHECK(report.failedProbes == 0);
    CHECK(describe(report).find("from the cache") != std::string::npos);
    CHECK(describe(report).find("SELECT the EF by FID") != std::string::npos);
}

TEST_CASE("extended Le only when the ATR announces it: DDF1/EF05 in one READ RECORD") {
    const auto p = CardProfile::ws543_2017();
    ScriptedChannel ch(
        { { "00A4000002DDF1", "9000" }, { "00B2012D00011C", concatFrom(ef05(p), 1) + "9000" } },
        withTck(kExtendedAtr));
    StrategyCache cache;
    HealthCard card(ch, p, nullptr, &cache);
    CHECK(card.readCardIdentification().apdus == 2);
    CHECK(ch.finished());
    CHECK(card.strategyReport().extendedLength);
    CHECK(toHex(card.diversifier()) == "893501F183009000");
}

TEST_CASE("padded records longer than the exact Le (6700 above 256 bytes): asked once for all") {
    const auto p = CardProfile::ws543_2017();
    std::string padded;
    for (const auto& r : ef05(p)) {
        padded += r + "0000"; // fixed-size records, 00-padded
    }
    ScriptedChannel ch({ { "00A4000002DDF1", "9000" }, { "00B2012D00011C", "6700" },
                           { "00B2012D000000", padded + "9000" } },
        withTck(kExtendedAtr));
    StrategyCache cache;
    HealthCard card(ch, p, nullptr, &cache);
    CHECK(card.readCardIdentification().value.securityCode == "123");
    CHECK(ch.finished());
    CHECK_FALSE(card.bulkFallback());
}

TEST_CASE("61xx and 6Cxx are handled without a T=0 layer below the session") {
    const auto p = CardProfile::ws543_2017();
    std::vector<ScriptStep> steps { { "00A4000002DDF1", "6110" },
        { "00C0000010", std::string(32, '0') + "9000" } };
    steps.push_back({ "00B2012803", "6C03" });
    steps.push_back(ef05ById(p, 1, 5));
    for (int n = 2; n <= 3; ++n) {
        steps.push_back(ef05ById(p, n, 5));
    }
    steps.push_back({ "00B2042DF3", "61F3" });
    steps.push_back({ "00C00000F3", concatFrom(ef05(p), 4) + "9000" });
    ScriptedChannel ch(steps);
    StrategyCache cache;
    HealthCard card(ch, p, nullptr, &cache);
    const auto ci = card.readCardIdentification();
    CHECK(ci.value.chipSerial == "HC00000001");
    CHECK(ci.apdus == 8); // SELECT + GET RESPONSE, r1 twice (6C03), r2, r3, P2=05 + GET RESPONSE
    CHECK(ch.finished());
    const auto r = card.strategyReport();
    CHECK(r.wrongLe == 1);
    CHECK(r.getResponses == 2);
}

TEST_CASE("a DF the card selects by name only: the profile's AID, then remembered") {
    auto p = CardProfile::ws543_2017();
    p.dfs[0].aid = fromHex("48432E544553542E44444631");
    p.bulkRead = false;
    std::vector<ScriptStep> steps { { "00A4000002DDF1", "6A82" },
        { "00A404000C48432E544553542E44444631", "9000" } };
    for (int n = 1; n <= 10; ++n) {
        steps.push_back(ef05ById(p, n, 5));
    }
    ScriptedChannel ch(steps);
    StrategyCache cache;
    HealthCard card(ch, p, nullptr, &cache);
    CHECK(card.readCardIdentification().value.issueDate == "20200101");
    CHECK(ch.finished());
    CHECK(card.strategyReport().strategy.dfByName.yes());

    ScriptedChannel again({ { "00A404000C48432E544553542E44444631", "9000" } });
    HealthCard card2(again, p, nullptr, &cache);
    card2.selectDf(0xDDF1);
    CHECK(again.finished());

    // Without an AID the refusal says what to configure.
    ScriptedChannel none({ { "00A4000002DDF1", "6A86" } });
    StrategyCache other;
    HealthCard card3(none, CardProfile::ws543_2017(), nullptr, &other);
    try {
        card3.readCardIdentification();
        FAIL("no error");
    } catch (const CardRefused& e) {
        CHECK(e.sw() == sw::IncorrectP1P2);
        CHECK(std::string(e.what()).find("dfs[].aid") != std::string::npos);
    }
}

TEST_CASE("the cardholder PIN: global reference first, DF-specific P2=80 when the card asks") {
    StrategyCache cache;
    const std::string pin6(12, '*');
    ScriptedChannel ch({ { "0020000006" + pin6, "6A88" }, { "00A4000002DDF1", "9000" },
        { "0020008006" + pin6, "63C2" } });
    HealthCard card(ch, CardProfile::ws543_2017(), nullptr, &cache);
    const auto r = card.verifyPin("000000");
    CHECK(r.status == PinStatus::Wrong);
    CHECK(r.triesLeft == 2);
    CHECK(card.strategyReport().strategy.pinLocal.yes());
    ScriptedChannel next({ { "00A4000002DDF1", "9000" }, { "0020008006" + pin6, "9000" } });
    HealthCard card2(next, CardProfile::ws543_2017(), nullptr, &cache);
    CHECK(card2.verifyPin("123456").status == PinStatus::Ok);
    CHECK(next.finished());
    CHECK(card2.strategyReport().failedProbes == 0);
}

TEST_CASE("an SM write refused by SFI is sent again to the selected EF with a fresh MAC") {
    StrategyCache cache;
    SoftwareSam sam({ { 0x272A, Bytes(16, 0x22) }, { 0x2802, Bytes(16, 0x33) } });
    const std::string sm36(72, '*');
    ScriptedChannel ch({ { "00A4000002DDF1", "9000" }, kChallenge, kChallenge,
        { "0082000511" + std::string(34, '*'), "9000" }, kChallenge,
        { "04DC0244"
          "24" + sm36,
            "6986" },
        { "00A4000002EF08", "9000" }, kChallenge,
        { "04DC0204"
          "24" + sm36,
            "9000" } });
    HealthCard card(ch, CardProfile::ws543_2017(), &sam, &cache);
    CHECK(card.updateElement("validity.phone1", "13800000000") == 9);
    CHECK(ch.finished());
    CHECK(card.strategyReport().strategy.sfi.no());
}

TEST_CASE("without SFI addressing in the profile each EF is selected, each DF once") {
    auto p = CardProfile::ws543_2017();
    p.addressBySfi = false;
    std::vector<ScriptStep> steps { { "00A4000002DDF1", "9000" }, { "00A4000002EF05", "9000" } };
    for (int n = 1; n <= 3; ++n) {
        steps.push_back(ef05ById(p, n, 0));
    }
    steps.push_back({ "00B20405F3", concatFrom(ef05(p), 4) + "9000" });
    ScriptedChannel ch(steps);
    StrategyCache cache;
    HealthCard card(ch, p, nullptr, &cache);
    const auto v = card.readElements("DDF1/EF05");
    CHECK(v.apdus == 6);
    CHECK(decodeElement(*p.element(0x39), v.value.at(0x39)) == "410100");
    CHECK(ch.finished());
}

TEST_CASE("nonsense answers: the file and record are named, no half-read identity") {
    const auto p = CardProfile::ws543_2017();
    auto readWith = [&](ScriptStep bad, int badRecord) {
        std::vector<ScriptStep> steps { { "00A4000002DDF1", "9000" } };
        for (int n = 1; n < badRecord; ++n) {
            steps.push_back(ef05ById(p, n, 5));
        }
        steps.push_back(std::move(bad));
        ScriptedChannel ch(steps);
        StrategyCache cache;
        HealthCard card(ch, p, nullptr, &cache);
        std::string message;
        try {
            (void)card.readCardIdentification();
        } catch (const hc::Error& e) {
            message = e.what();
        }
        return message;
    };
    // Another tag in record 2.
    auto m = readWith({ "00B2022806", tlv(p, "card.issue_date", "20200101") + "9000" }, 2);
    CHECK(m.find("DDF1/EF05 record 2: tag 06") != std::string::npos);
    // A length byte that disagrees with the element.
    m = readWith({ "00B2022806", "0205563100009000" }, 2);
    CHECK(m.find("DDF1/EF05 record 2: the TLV says 5 value bytes") != std::string::npos);
    // A TLV running past the answer.
    m = readWith({ "00B2032820", "031E4142439000" }, 3);
    CHECK(m.find("DDF1/EF05 record 3") != std::string::npos);
    // 9000 without data.
    m = readWith({ "00B2012803", "9000" }, 1);
    CHECK(m.find("DDF1/EF05 record 1: the card answered 9000 without data") != std::string::npos);
    // A status word out of place.
    m = readWith({ "00B2022806", "6281" }, 2);
    CHECK(m.find("READ RECORD 2 (tag 02) by SFI 5 DDF1/EF05") != std::string::npos);
    CHECK(m.find("6281") != std::string::npos);
}

TEST_CASE("a record missing: the file is not returned at all") {
    const auto p = CardProfile::ws543_2017();
    ScriptedChannel ch({ { "00A4000002DDF1", "9000" }, ef05ById(p, 1, 5), { "00B2022806", "6A83" },
        ef05ById(p, 3, 5), { "00B2042DF3", concatFrom(ef05(p), 4) + "9000" } });
    StrategyCache cache;
    HealthCard card(ch, p, nullptr, &cache);
    try {
        (void)card.readIdentity();
        FAIL("no error");
    } catch (const RecordError& e) {
        CHECK(e.file() == "DDF1/EF05");
        CHECK(e.record() == 2);
        CHECK(std::string(e.what()).find("the element 02 (card.spec_version) is missing")
            != std::string::npos);
    }
    CHECK(ch.finished());
}

TEST_CASE("a refusal carries the status word and the step; the diversifier comes from the ATR") {
    ScriptedChannel ch({ { "00A4000002DDF1", "6A82" } });
    StrategyCache cache;
    HealthCard card(ch, CardProfile::ws543_2017(), nullptr, &cache);
    try {
        card.readCardIdentification();
        FAIL("no error");
    } catch (const CardRefused& e) {
        CHECK(e.sw() == sw::FileNotFound);
        CHECK(e.step().rfind("SELECT DDF1", 0) == 0);
    }
    // The scripted channel's default ATR: 3B 6D 00 00 80 31 80 65 B0 89 35 01 F1 83 00 90 00;
    // the last 8 historical bytes.
    CHECK(toHex(card.diversifier()) == "893501F183009000");
    CHECK(cardKind(ch.atr(), CardProfile::ws543_2017().diversifier) == "t0:80318065B0");
}

TEST_CASE("the strategy cache file: saved atomically, read back, a bad file named") {
    const auto dir
        = std::filesystem::temp_directory_path() / ("hc-strategy-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto file = dir / "strategies.json";
    {
        StrategyCache c(file);
        CardStrategy s;
        s.sfi = { Known::No, "READ RECORD by SFI answered 6986" };
        s.bulk = { Known::Yes, "P2=05 answered" };
        c.store("t1:8073", s);
    }
    StrategyCache again(file);
    REQUIRE(again.find("t1:8073"));
    CHECK(again.find("t1:8073")->sfi.no());
    CHECK(again.find("t1:8073")->bulk.why == "P2=05 answered");
    CHECK_FALSE(std::filesystem::exists(file.string() + ".tmp"));
    {
        std::ofstream(file)
            << "{\"format\":\"hc-card-strategies/1\",\"kinds\":{\"x\":{\"sfi\":1}}}";
    }
    try {
        StrategyCache broken(file);
        FAIL("no error");
    } catch (const hc::InputError& e) {
        CHECK(std::string(e.what()).find("kinds.x.sfi") != std::string::npos);
        CHECK(std::string(e.what()).find("delete it") != std::string::npos);
    }
    std::filesystem::remove_all(dir);
}
