// The compatibility matrix: every COS personality hcemu can play (hcemu --cos, or the image's
// extensions.cos), through pcscd + vpcd, read (identity), write a visit record and verify the
// PIN. Two cards of each kind: the first may probe (its refusals teach the reader), the second
// must cost no failed probe and hold the APDU budget:
//   SFI and bulk reads with extended Le: identity in <= 5 APDUs (as before);
//   neither SFI nor bulk: SELECT DDF1 + SELECT EF05 + SELECT EF06, one READ RECORD per record
//   (10 + 5), and the external authentication the profile needs for EF06 (2): 20.
// APDUs are counted on the wire (a counting channel right above the reader, no T=0 layer in
// between: the session handles 61xx/6Cxx itself). The table printed at the end is the one in
// docs/healthcard.md ("Compatibility matrix").
#include "hc/card/health/health_card.hpp"
#include "health_test_util.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

using namespace hc;
using namespace hc::card;
using namespace hc::card::health;
using hc::testing::EmulatedCard;

namespace {

/** Counts what crosses the wire, and the answers that were refusals (not 9000/61xx/6Cxx). */
class WireCounter final : public CardChannel {
public:
    explicit WireCounter(CardChannelPtr inner)
        : m_inner(std::move(inner)) { }
    ResponseApdu transmit(const CommandApdu& c) override {
        ++apdus;
        auto r = m_inner->transmit(c);
        if (r.sw().wrongLe()) {
            ++wrongLe;
        } else if (!r.ok() && !r.sw().moreData()) {
            ++refusals;
        }
        return r;
    }
    Bytes atr() const override { return m_inner->atr(); }
    void reset() override { m_inner->reset(); }
    std::string readerName() const override { return m_inner->readerName(); }
    void zero() { apdus = refusals = wrongLe = 0; }
    std::size_t apdus = 0;
    std::size_t refusals = 0;
    std::size_t wrongLe = 0;

private:
    CardChannelPtr m_inner;
};

struct Row {
    std::string cos;
    bool viaImage = false; // extensions.cos in the image instead of --cos
    std::size_t firstApdus = 0, firstProbes = 0;
    std::size_t nextApdus = 0, nextProbes = 0, nextRefusals = 0, nextWrongLe = 0;
    std::size_t visitApdus = 0, pinApdus = 0;
    std::string strategy;
};

CardProfile profileWithAids() {
    auto p = CardProfile::ws543_2017();
    for (auto& df : p.dfs) {
        const std::string name = "HC.TEST." + df.name; // the test names of resident-gen.py
        df.aid = Bytes(name.begin(), name.end());
    }
    return p;
}

/** A copy of a resident image with "cos" in its extensions (the image option). */
std::filesystem::path imageWithCos(
    const hc::testing::TempDir& dir, const std::string& image, const std::string& cos) {
    std::string text
        = hc::testing::readFile(hc::testing::sourcePath("firmware-tools/images") / image);
    const std::string key = "\"extensions\": {";
    const auto at = text.find(key);
    REQUIRE(at != std::string::npos);
    text.insert(at + key.size(), "\n    \"cos\": \"" + cos + "\",");
    const auto path = dir.path() / image;
    std::ofstream(path) << text;
    return path;
}

std::string shortStrategy(const StrategyReport& r) {
    std::string s = r.strategy.sfi.no() ? "select EF" : "SFI";
    s += r.strategy.bulk.no() ? ", 1 record/cmd" : ", P2=05";
    s += r.extendedLength ? ", ext. Le" : ", short";
    if (r.strategy.dfByName.yes()) {
        s += ", DF by name";
    }
    return s;
}

void runRow(Row& row) {
    hc::testing::TempDir dir("hc-compat-");
    auto emulated = [&](const std::string& image) {
        std::vector<std::string> extra;
        std::string path = image;
        if (row.viaImage) {
            path = imageWithCos(dir, image, row.cos).string();
        } else if (!row.cos.empty()) {
            extra = { "--cos", row.cos };
        }
        return std::make_unique<EmulatedCard>(path, 0, true, std::string {}, extra);
    };
    const bool nameOnly = row.cos.find("name-only") != std::string::npos;
    const CardProfile profile = nameOnly ? profileWithAids() : CardProfile::ws543_2017();
    auto sam = healthtest::testSam();
    StrategyCache cache; // this kind has not been seen before this row

    {
        auto emu = emulated("resident-zhang-zhe.json");
        WireCounter wire(std::make_unique<hc::pcsc::PcscCard>(hc::testing::kReader0));
        HealthCard card(wire, profile, sam.get(), &cache);
        const auto id = card.readIdentity();
        CHECK(id.value.holder.name == "张喆");
        CHECK(id.apdus == wire.apdus);
        row.firstApdus = id.apdus;
        row.firstProbes = card.strategyReport().failedProbes;
    }
    auto emu = emulated("resident-li-na.json");
    WireCounter wire(std::make_unique<hc::pcsc::PcscCard>(hc::testing::kReader0));
    HealthCard card(wire, profile, sam.get(), &cache);
    const auto id = card.readIdentity();
    CHECK(id.value.holder.name == "李娜");
    CHECK(id.value.card.cityCode == "110100");
    CHECK_NOTHROW(validateIdentity(id.value));
    const auto report = card.strategyReport();
    row.nextApdus = wire.apdus;
    row.nextProbes = report.failedProbes;
    row.nextRefusals = wire.refusals;
    row.nextWrongLe = wire.wrongLe;
    row.strategy = shortStrategy(report);
    CHECK(id.apdus == wire.apdus);
    CHECK(report.fromCache);
    // No failed probe after the first card of a kind, and the budget.
    CHECK(report.failedProbes == 0);
    CHECK(wire.refusals == 0);
    CHECK(wire.wrongLe == 0);
    const bool sfi = !report.strategy.sfi.no();
    const bool bulk = !report.strategy.bulk.no();
    if (sfi && bulk && report.extendedLength) {
        CHECK(id.apdus <= 5);
    }
    CHECK(id.apdus <= 3 + 10 + 5 + 2);

    // Write a visit record (index flag with its MAC) and read it back.
    wire.zero();
    Bytes record(3267);
    for (std::size_t i = 0; i < record.size(); ++i) {
        record[i] = static_cast<std::uint8_t>(i * 13 + row.cos.size());
    }
    const auto w = card.writeVisitRecord(false, record);
    row.visitApdus = wire.apdus;
    CHECK(w.value == 3u); // li-na's outpatient slots 1 and 2 are in use
    CHECK(card.readOutpatientIndex().value.inUse
        == std::vector<bool> { true, true, true, false, false });
    CHECK(card.readVisitRecord(false, 3).value == record);

    // The cardholder PIN.
    wire.zero();
    const auto pin = card.verifyPin("111111");
    row.pinApdus = wire.apdus;
    CHECK(pin.status == PinStatus::Ok);
    CHECK(card.verifyPin("000000").triesLeft == 2);
    CHECK(card.verifyPin("111111").status == PinStatus::Ok);
}

} // namespace

TEST_CASE("every COS personality: read, write a visit record, verify the PIN; APDU budget") {
    std::vector<Row> rows;
    for (const char* cos : { "", "no-sfi", "no-bulk", "no-sfi,no-bulk", "no-extended", "t0",
             "strict-le", "name-only", "delay=20", "no-sfi,no-bulk,no-extended,t0,strict-le" }) {
        rows.emplace_back();
        rows.back().cos = cos;
    }
    for (const char* cos : { "contactless", "no-sfi,no-bulk,name-only,contactless,strict-le" }) {
        rows.emplace_back();
        rows.back().cos = cos;
        rows.back().viaImage = true; // the image option instead of --cos
    }
    for (auto& row : rows) {
        CAPTURE(row.cos);
        runRow(row);
    }
    std::ostringstream t;
    t << "| personality (--cos) | first card: identity APDUs (failed probes) | next card: "
         "identity APDUs (failed probes) | strategy learned | visit write APDUs | PIN APDUs |\n"
      << "|---|---|---|---|---|---|\n";
    for (const auto& r : rows) {
        t << "| " << (r.cos.empty() ? "(image as is)" : "`" + r.cos + "`")
          << (r.viaImage ? " (image option)" : "") << " | " << r.firstApdus << " (" << r.firstProbes
          << ") | " << r.nextApdus << " (" << r.nextProbes << ") | " << r.strategy << " | "
          << r.visitApdus << " | " << r.pinApdus << " |\n";
    }
    std::cout << t.str();
    MESSAGE("\n" << t.str());
}

TEST_CASE("hcard read --explain on a card with neither SFI nor bulk reads: learned once, cached "
          "in the --strategy-cache file") {
    hc::testing::TempDir dir("hc-compat-");
    const auto cacheFile = (dir.path() / "strategies.json").string();
    const auto hcard = hc::testing::binaryPath("hcard").string();
    const auto keys = hc::testing::sourcePath("firmware-tools/images/resident-keys.json").string();
    const std::vector<std::string> args { hcard, "read", "--json", "--explain", "--reader",
        hc::testing::kReader0, "--keys", keys, "--strategy-cache", cacheFile };
    {
        EmulatedCard emu("resident-zhang-zhe.json", 0, true, {}, { "--cos", "no-sfi,no-bulk" });
        const auto r = hc::testing::runCommand(args);
        CHECK(r.status == 0);
        CHECK(r.out.find("\"name\":\"张喆\"") != std::string::npos);
        CHECK(r.out.find("\"from_cache\":false") != std::string::npos);
        CHECK(r.out.find("\"failed_probes\":0") == std::string::npos);
        CHECK(r.out.find("6986") != std::string::npos); // the evidence: SFI refused
    }
    {
        EmulatedCard emu("resident-li-na.json", 0, true, {}, { "--cos", "no-sfi,no-bulk" });
        const auto r = hc::testing::runCommand(args);
        CHECK(r.status == 0);
        CHECK(r.out.find("\"name\":\"李娜\"") != std::string::npos);
        CHECK(r.out.find("\"from_cache\":true") != std::string::npos);
        CHECK(r.out.find("\"failed_probes\":0") != std::string::npos);
        CHECK(r.out.find("\"apdus\":20") != std::string::npos);
        const auto text = hc::testing::runCommand({ hcard, "read", "--explain", "--reader",
            hc::testing::kReader0, "--keys", keys, "--strategy-cache", cacheFile });
        CHECK(text.status == 0);
        CHECK(text.out.find("SELECT the EF by FID, then the current EF") != std::string::npos);
        CHECK(text.out.find("one record per READ RECORD") != std::string::npos);
        CHECK(text.out.find("by record identifier (P2=00, P1 = tag)") != std::string::npos);
        CHECK(text.out.find("from the cache") != std::string::npos);
    }
    CHECK(hc::testing::readFile(cacheFile).find("hc-card-strategies/1") != std::string::npos);
}
