// Worked examples of the reimbursement waterfall (reference §1.1, §1.2).
#include "hc/settle/error.hpp"
#include "hc/settle/json_in.hpp"
#include "hc/settle/policy.hpp"

#include <doctest/doctest.h>

using namespace hc::settle;

namespace {

const PolicyLibrary& library() {
    static const PolicyLibrary lib = [] {
        PolicyLibrary l;
        l.loadDirectory(HC_SETTLE_POLICY_DIR);
        return l;
    }();
    return lib;
}

ClaimInput claim(const std::string& region, int year, const std::string& lv,
    const std::string& medType = "inpatient", const std::string& psnType = "general") {
    ClaimInput c;
    c.key = PolicyKey { region, year, "390", psnType, lv, medType };
    return c;
}

FeeItem item(ItemClass cls, Fen amount, std::optional<BasisPoints> selfpay = std::nullopt) {
    FeeItem f;
    f.code = "X";
    f.cls = cls;
    f.amount = amount;
    f.selfpayRatio = selfpay;
    return f;
}

SettlementSplit run(const ClaimInput& c, const RunningTotals& t = {}) {
    const auto& table = library().find(c.key);
    auto s = computeSettlement(table, c, t);
    // The invariant of reference §1.1 point 6 holds for every example.
    CHECK(s.medfeeSumamt == s.fundPaySumamt + s.acctPay + s.psnCashPay + s.hospPartAmt);
    return s;
}

} // namespace

TEST_CASE("reference worked example: 10,000 yuan at a Ya'an county hospital") {
    auto c = claim("511800", 2014, "county");
    c.items = { item(ItemClass::C, 80000), item(ItemClass::B, 200000), item(ItemClass::A, 720000) };
    const auto s = run(c);
    CHECK(s.medfeeSumamt == 1000000);
    CHECK(s.fulamtOwnpayAmt == 80000);
    CHECK(s.preselfpayAmt == 20000);
    CHECK(s.inscpScpAmt == 900000);
    CHECK(s.actPayDedc == 20000);
    CHECK(s.hifpPay == 721600);
    CHECK(s.fundPaySumamt == 721600);
    CHECK(s.psnPartAmt == 278400);
    CHECK(s.psnCashPay == 278400);
    CHECK(s.poolPropSelfpay == 1800);
    CHECK(s.ruleVersion == "2014.1");
}

TEST_CASE("Ya'an rows: deductible and ratio per hospital level") {
    struct Row {
        const char* lv;
        Fen expectedFund; // for 5,000 yuan of 甲 items
    };
    // (5000 - deductible) × ratio
    const Row rows[] = { { "township", 441000 }, { "county", 393600 }, { "city", 292500 },
        { "provincial", 236500 }, { "out_province", 180000 } };
    for (const auto& r : rows) {
        CAPTURE(r.lv);
        auto c = claim("511800", 2014, r.lv);
        c.items = { item(ItemClass::A, 500000) };
        CHECK(run(c).hifpPay == r.expectedFund);
    }
}

TEST_CASE("deductible larger than the policy-scope amount: fund pays nothing") {
    auto c = claim("511800", 2014, "city");
    c.items = { item(ItemClass::A, 30000), item(ItemClass::C, 10000) };
    const auto s = run(c);
    CHECK(s.actPayDedc == 30000);
    CHECK(s.hifpPay == 0);
    CHECK(s.psnCashPay == 40000);
}

TEST_CASE("rounding: half-up once per tier, patient takes the remainder") {
    auto c = claim("511800", 2014, "township");
    c.items = { item(ItemClass::A, 33333) }; // (333.33 - 100) × 90 % = 209.997 → 210.00
    auto s = run(c);
    CHECK(s.hifpPay == 21000);
    CHECK(s.psnCashPay == 12333);

    // 乙 line of 0.05 yuan at 10 %: 0.005 → 0.01 (half-up per line)
    c.items = { item(ItemClass::B, 5) };
    s = run(c);
    CHECK(s.preselfpayAmt == 1);
    CHECK(s.inscpScpAmt == 4);

    // per-item ratio overrides the table default
    c.items = { item(ItemClass::B, 100000, 2500) };
    s = run(c);
    CHECK(s.preselfpayAmt == 25000);
}

TEST_CASE("price cap: the part above pric_uplmt_amt is overlmt self-pay") {
    auto c = claim("511800", 2014, "county");
    FeeItem f = item(ItemClass::B, 300000);
    f.qtyMilli = 2000; // 2 units
    f.priceCap = 100000; // 1,000 yuan per unit → 2,000 allowed
    c.items = { f };
    const auto s = run(c);
    CHECK(s.overlmtSelfpay == 100000);
    CHECK(s.preselfpayAmt == 20000);
    CHECK(s.inscpScpAmt == 180000);
    CHECK(s.hifpPay == applyRatio(180000 - 20000, 8200));
}

TEST_CASE("FC banded county table: progressive bands, county = 80 % of township") {
    auto c = claim("FC0000", 2012, "township");
    c.items = { item(ItemClass::A, 1200000) };
    // 1800×45 % + 3000×50 % + 5000×60 % + 2000×70 % = 810 + 1500 + 3000 + 1400 = 6710
    auto s = run(c);
    CHECK(s.hifpPay == 671000);
    CHECK(s.poolPropSelfpay == 3000);

    c.key.hospLv = "county";
    s = run(c);
    CHECK(s.hifpPay == 536800); // 80 % of 6710

    c.key.hospLv = "regional";
    s = run(c);
    CHECK(s.hifpPay == 402600); // 60 % of 6710

    c.key.hospLv = "township";
    c.items = { item(ItemClass::A, 3000000) }; // 30,000: +10000×70 % + 10000×90 %
    s = run(c);
    CHECK(s.hifpPay == 81000 + 150000 + 300000 + 700000 + 900000);

    c.items = { item(ItemClass::A, 150000) }; // inside the first band
    CHECK(run(c).hifpPay == applyRatio(130000, 4500));
}

TEST_CASE("per-year deductible, annual cap and running totals") {
    auto c = claim("510100", 2025, "county", "outpatient");
    c.items = { item(ItemClass::A, 40000) };
    RunningTotals t;
    auto s = run(c, t);
    CHECK(s.actPayDedc == 40000); // 400 of the 500 yearly deductible
    CHECK(s.hifpPay == 0);
    t = s.totalsAfter;
    CHECK(t.dedcPaid == 40000);

    s = run(c, t); // 100 left of the deductible, then 50 %
    CHECK(s.actPayDedc == 10000);
    CHECK(s.hifpPay == 15000);
    t = s.totalsAfter;

    t.hifpPaid = 295000; // 2,950 of the 3,000 cap used
    s = run(c, t);
    CHECK(s.actPayDedc == 0);
    CHECK(s.hifpPay == 5000);
    CHECK(s.totalsAfter.hifpPaid == 300000);
}

TEST_CASE("serious-illness tier and medical assistance for a dibao patient") {
    auto c = claim("510100", 2025, "county", "inpatient", "dibao");
    c.items = { item(ItemClass::A, 10000000) }; // 100,000 yuan
    const auto s = run(c);
    // hifp = (100000 - 800) × 70 % = 69,440; scope self-pay = 30,560
    CHECK(s.hifpPay == 6944000);
    // 大病: (30,560 - 15,000) × (60 + 5) % = 10,114
    CHECK(s.hifmiPay == 1011400);
    // 救助: (30,560 - 10,114) × 70 % = 14,312.20
    CHECK(s.mafPay == 1431220);
    CHECK(s.fundPaySumamt == 6944000 + 1011400 + 1431220);
    CHECK(s.totalsAfter.seriousBase == 3056000);

    // The same claim for a general person: no boost, no assistance.
    c.key.psnType = "general";
    const auto g = run(c);
    CHECK(g.hifmiPay == applyRatio(1556000, 6000));
    CHECK(g.mafPay == 0);
}

TEST_CASE("personal account pays part of the patient's share") {
    auto c = claim("511800", 2014, "county");
    c.items = { item(ItemClass::A, 100000) };
    c.useAccount = true;
    c.accountBalance = 5000;
    const auto s = run(c);
    CHECK(s.acctPay == 5000);
    CHECK(s.psnCashPay == s.psnPartAmt - 5000);
}

TEST_CASE("unknown key and malformed tables are refused with the field named") {
    auto c = claim("511800", 2014, "moon");
    CHECK_THROWS_AS(library().find(c.key), InputError);
    c = claim("999999", 2014, "county");
    CHECK_THROWS_AS(library().find(c.key), InputError);

    const auto bad = parseJsonText(R"({"id":"x","version":"1","region":"1","year":2020,
        "insutype":"390","rules":[{"deductible":"1.234","ratio_pct":"50"}]})",
        "t");
    try {
        (void)ruleTableFromJson(bad);
        FAIL("expected an error");
    } catch (const InputError& e) {
        CHECK(e.field() == "rules[0].deductible");
    }
    const auto unordered = parseJsonText(R"({"id":"x","version":"1","region":"1","year":2020,
        "insutype":"390","rules":[{"deductible":"0","bands":[{"up_to":"10","ratio_pct":"5"},
        {"up_to":"5","ratio_pct":"5"},{"ratio_pct":"9"}]}]})",
        "t");
    CHECK_THROWS_AS(ruleTableFromJson(unordered), InputError);
}

TEST_CASE("claim and split JSON round trip") {
    const auto v = parseJsonText(R"({"region":"511800","year":2014,"insutype":"390",
        "hosp_lv":"county","med_type":"inpatient","items":[
        {"code":"a","class":"丙","amount_fen":80000},
        {"code":"b","class":"02","amount_fen":200000},
        {"code":"c","class":"A","amount_fen":720000}]})",
        "claim");
    const auto c = claimFromJson(v);
    const auto s = computeSettlement(library().find(c.key), c, {});
    CHECK(s.hifpPay == 721600);
    const auto back = splitFromJson(splitToJson(s));
    CHECK(back.hifpPay == s.hifpPay);
    CHECK(back.psnCashPay == s.psnCashPay);
    CHECK(back.ruleVersion == "2014.1");

    auto j = splitToJson(s);
    j.as_object()["psn_cash_pay"] = "1.00";
    CHECK_THROWS_AS(splitFromJson(j), InputError);

    const auto badClass = parseJsonText(R"({"region":"511800","year":2014,"insutype":"390",
        "hosp_lv":"county","med_type":"inpatient","items":[{"code":"a","class":"D","amount_fen":1}]})",
        "claim");
    try {
        (void)claimFromJson(badClass);
        FAIL("expected an error");
    } catch (const InputError& e) {
        CHECK(e.field() == "items[0].class");
    }
}
