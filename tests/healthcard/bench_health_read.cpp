// Benchmark: APDU count and wall time of readIdentity and readAll through pcscd + vpcd + hcemu,
// bulk and per record, beside the vendor-SDK pattern (SELECT + READ per data element), and on a
// card of a known kind that allows neither SFI nor bulk reads (hcemu --cos no-sfi,no-bulk: the
// current EF, one record per command). Prints a table; it asserts nothing about time (goals:
// readIdentity <= 4 APDUs bulk, <= 17 per record).
//
//   bench_health_read [iterations]      (default 20; ctest label "bench")
#include "hc/card/health/health_card.hpp"
#include "health_test_util.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <vector>

using namespace hc;
using namespace hc::card;
using namespace hc::card::health;

namespace {

struct Row {
    std::string what;
    std::string mode;
    std::size_t apdus = 0;
    double meanMs = 0;
    double minMs = 0;
    std::string goal;
};

Row measure(CardChannel& ch, SecureAccessModule& sam, const std::string& what,
    const std::string& mode, const std::string& goal, int iterations,
    const std::function<std::size_t(HealthCard&)>& fn, CardProfile profile) {
    std::vector<double> ms;
    std::size_t apdus = 0;
    for (int i = 0; i < iterations; ++i) {
        ch.reset(); // fresh card state: nothing selected, nothing authenticated
        HealthCard card(ch, profile, &sam);
        const auto t0 = std::chrono::steady_clock::now();
        apdus = fn(card);
        const auto t1 = std::chrono::steady_clock::now();
        ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    double sum = 0;
    for (double m : ms) {
        sum += m;
    }
    return { what, mode, apdus, sum / static_cast<double>(ms.size()),
        *std::min_element(ms.begin(), ms.end()), goal };
}

/** The vendor SDK pattern: per data element, SELECT its EF and READ RECORD it by tag. */
std::size_t vendorIdentity(HealthCard& card) {
    const auto& p = card.profile();
    const std::size_t before = card.apduCount();
    card.selectDf(0xDDF1);
    for (const char* file : { "DDF1/EF05", "DDF1/EF06" }) {
        const FileSpec& f = card.fileSpec(file);
        if (f.readKey) {
            card.authenticate(*p.df(0xDDF1), *f.readKey);
        }
        for (const auto* e : p.elementsOf(file)) {
            card.sendOk(apdu::selectFid(f.fid), "SELECT");
            card.sendOk(CommandApdu(0x00, 0xB2, e->tag, 0x00, {}, 2 + e->length), "READ RECORD");
        }
    }
    return card.apduCount() - before;
}

void benchStandard(std::vector<Row>& rows, int iterations);
void printTable(const std::vector<Row>& rows, int iterations);

} // namespace

int main(int argc, char** argv) {
    const int iterations = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
    try {
        std::vector<Row> rows;
        {
            auto emu = std::make_unique<hc::testing::EmulatedCard>("resident-li-na.json");
            benchStandard(rows, iterations);
        }
        {
            hc::testing::EmulatedCard emu(
                "resident-li-na.json", 0, true, {}, { "--cos", "no-sfi,no-bulk" });
            auto ch = healthtest::connect();
            auto sam = healthtest::testSam();
            const auto profile = CardProfile::ws543_2017();
            {
                HealthCard first(*ch, profile, sam.get()); // the first card of the kind probes
                (void)first.readIdentity();
            }
            auto identity = [](HealthCard& c) { return c.readIdentity().apdus; };
            auto all = [](HealthCard& c) { return c.readAll().apdus; };
            rows.push_back(measure(*ch, *sam, "readIdentity", "current EF, 1/cmd", "<= 20",
                iterations, identity, profile));
            rows.push_back(
                measure(*ch, *sam, "readAll", "current EF, 1/cmd", "-", iterations, all, profile));
        }
        printTable(rows, iterations);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "bench_health_read: " << e.what() << "\n";
        return 1;
    }
}

namespace {
void benchStandard(std::vector<Row>& rows, int iterations) {
    {
        auto ch = healthtest::connect();
        auto sam = healthtest::testSam();
        const auto bulk = CardProfile::ws543_2017();
        auto perRecord = bulk;
        perRecord.bulkRead = false;
        auto identity = [](HealthCard& c) { return c.readIdentity().apdus; };
        auto all = [](HealthCard& c) { return c.readAll().apdus; };
        rows.push_back(measure(
            *ch, *sam, "readIdentity", "bulk (P2=05, SFI)", "<= 4", iterations, identity, bulk));
        rows.push_back(measure(*ch, *sam, "readIdentity", "per record (SFI)", "<= 17", iterations,
            identity, perRecord));
        rows.push_back(measure(*ch, *sam, "readIdentity", "vendor SDK pattern", "baseline",
            iterations, vendorIdentity, perRecord));
        rows.push_back(
            measure(*ch, *sam, "readAll", "bulk (P2=05, SFI)", "-", iterations, all, bulk));
        rows.push_back(
            measure(*ch, *sam, "readAll", "per record (SFI)", "-", iterations, all, perRecord));
    }
}

void printTable(const std::vector<Row>& rows, int iterations) {
    std::printf("health-card reads through pcscd + vpcd + hcemu (resident-li-na, software "
                "SAM), %d iterations\n\n",
        iterations);
    std::printf("| %-12s | %-20s | %5s | %9s | %8s | %-8s |\n", "call", "mode", "APDUs", "mean ms",
        "min ms", "goal");
    std::printf(
        "|--------------|----------------------|-------|-----------|----------|----------|\n");
    for (const auto& r : rows) {
        std::printf("| %-12s | %-20s | %5zu | %9.2f | %8.2f | %-8s |\n", r.what.c_str(),
            r.mode.c_str(), r.apdus, r.meanMs, r.minMs, r.goal.c_str());
    }
    std::printf("\nAPDUs count user-card commands only (SELECT, READ, GET CHALLENGE, EXTERNAL "
                "AUTHENTICATE);\n"
                "the identity read includes 2 for the read-key authentication of DDF1/EF06.\n");
}
} // namespace
