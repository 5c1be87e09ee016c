// JSON forms of rule tables, claims and splits. Every field is type- and range-checked.
#include "hc/settle/error.hpp"
#include "hc/settle/json_in.hpp"
#include "hc/settle/policy.hpp"

#include <fstream>
#include <sstream>

namespace hc::settle {

namespace json = boost::json;

namespace {

std::vector<Band> bandsFrom(const JsonIn& in) {
    std::vector<Band> bands;
    if (in.has("ratio_pct")) {
        if (in.has("bands")) {
            throw InputError(in.at("bands"), "give either ratio_pct or bands, not both");
        }
        bands.push_back(Band { 0, in.percent("ratio_pct") });
        return bands;
    }
    const auto list = in.objects("bands", 64);
    if (list.empty()) {
        throw InputError(in.at("bands"), "needs at least one band");
    }
    Fen previous = 0;
    for (std::size_t i = 0; i < list.size(); ++i) {
        Band b;
        b.ratio = list[i].percent("ratio_pct");
        const bool last = i + 1 == list.size();
        if (last) {
            if (list[i].has("up_to")) {
                throw InputError(list[i].at("up_to"), "the last band must be open-ended");
            }
        } else {
            b.upTo = list[i].yuan("up_to", 1);
            if (b.upTo <= previous) {
                throw InputError(list[i].at("up_to"), "bands must be strictly increasing");
            }
            previous = b.upTo;
        }
        bands.push_back(b);
    }
    return bands;
}

} // namespace

RuleTable ruleTableFromJson(const json::value& value) {
    const JsonIn in(value, "");
    RuleTable t;
    t.id = in.str("id", 64);
    t.version = in.str("version", 32);
    t.region = in.str("region", 12);
    t.year = static_cast<int>(in.integer("year", 1990, 2100));
    t.insutype = in.str("insutype", 8);
    t.description = in.strOr("description", "", 2000);
    t.defaultSelfpayRatio = in.has("default_selfpay_pct") ? in.percent("default_selfpay_pct") : 0;
    for (const auto& r : in.objects("rules", 256)) {
        BenefitRule rule;
        rule.psnType = r.strOr("psn_type", "*", 32);
        rule.hospLv = r.strOr("hosp_lv", "*", 32);
        rule.medType = r.strOr("med_type", "*", 32);
        rule.deductible = r.yuan("deductible");
        const auto per = r.strOr("deductible_per", "admission", 16);
        if (per == "admission") {
            rule.per = DeductiblePer::Admission;
        } else if (per == "year") {
            rule.per = DeductiblePer::Year;
        } else {
            throw InputError(r.at("deductible_per"), "expected 'admission' or 'year'");
        }
        rule.bands = bandsFrom(r);
        rule.annualCap = r.yuanOr("annual_cap", 0);
        t.rules.push_back(std::move(rule));
    }
    if (t.rules.empty()) {
        throw InputError("rules", "needs at least one rule");
    }
    if (auto si = in.objectOpt("serious_illness")) {
        SeriousIllnessRule s;
        s.deductible = si->yuan("deductible");
        s.bands = bandsFrom(*si);
        s.annualCap = si->yuanOr("annual_cap", 0);
        s.boostPsnTypes = si->strings("boost_psn_types", 16, 32);
        s.boostRatio = si->has("boost_pct") ? si->percent("boost_pct") : 0;
        t.seriousIllness = std::move(s);
    }
    if (auto aid = in.objectOpt("assistance")) {
        AssistanceRule a;
        a.psnTypes = aid->strings("psn_types", 16, 32);
        a.ratio = aid->percent("ratio_pct");
        a.annualCap = aid->yuanOr("annual_cap", 0);
        t.assistance = std::move(a);
    }
    return t;
}

RuleTable loadRuleTable(const std::filesystem::path& file) {
    std::ifstream f(file, std::ios::binary);
    if (!f) {
        throw InputError(file.string(), "cannot open rule table");
    }
    std::stringstream ss;
    ss << f.rdbuf();
    try {
        return ruleTableFromJson(parseJsonText(ss.str(), file.string()));
    } catch (const InputError& e) {
        throw InputError(file.string() + ":" + e.field(), e.what());
    }
}

ClaimInput claimFromJson(const json::value& value) {
    const JsonIn in(value, "");
    ClaimInput c;
    c.key.region = in.str("region", 12);
    c.key.year = static_cast<int>(in.integer("year", 1990, 2100));
    c.key.insutype = in.str("insutype", 8);
    c.key.psnType = in.strOr("psn_type", "general", 32);
    c.key.hospLv = in.str("hosp_lv", 32);
    c.key.medType = in.str("med_type", 32);
    c.useAccount = in.booleanOr("acct_used_flag", false);
    c.accountBalance = in.has("acct_balance_fen") ? in.fen("acct_balance_fen") : 0;
    for (const auto& it : in.objects("items", 2000)) {
        FeeItem item;
        item.code = it.str("code", 50);
        const auto cls = it.str("class", 8);
        const auto parsed = parseItemClass(cls);
        if (!parsed) {
            throw InputError(it.at("class"), "expected A/B/C, 甲/乙/丙 or 01/02/03");
        }
        item.cls = *parsed;
        item.amount = it.fen("amount_fen");
        item.qtyMilli = it.integerOr("qty_milli", 1000, 1, 10'000'000);
        item.priceCap = it.has("price_cap_fen") ? it.integer("price_cap_fen", 0, 1'000'000'000) : 0;
        if (it.has("selfpay_pct")) {
            item.selfpayRatio = it.percent("selfpay_pct");
        }
        c.items.push_back(std::move(item));
    }
    return c;
}

json::value splitToJson(const SettlementSplit& s) {
    json::object o;
    o["medfee_sumamt"] = formatYuan(s.medfeeSumamt);
    o["fulamt_ownpay_amt"] = formatYuan(s.fulamtOwnpayAmt);
    o["overlmt_selfpay"] = formatYuan(s.overlmtSelfpay);
    o["preselfpay_amt"] = formatYuan(s.preselfpayAmt);
    o["inscp_scp_amt"] = formatYuan(s.inscpScpAmt);
    o["act_pay_dedc"] = formatYuan(s.actPayDedc);
    o["hifp_pay"] = formatYuan(s.hifpPay);
    o["pool_prop_selfpay_bp"] = s.poolPropSelfpay;
    o["hifmi_pay"] = formatYuan(s.hifmiPay);
    o["maf_pay"] = formatYuan(s.mafPay);
    o["fund_pay_sumamt"] = formatYuan(s.fundPaySumamt);
    o["psn_part_amt"] = formatYuan(s.psnPartAmt);
    o["acct_pay"] = formatYuan(s.acctPay);
    o["psn_cash_pay"] = formatYuan(s.psnCashPay);
    o["hosp_part_amt"] = formatYuan(s.hospPartAmt);
    o["rule_table"] = s.ruleTable;
    o["rule_version"] = s.ruleVersion;
    return o;
}

SettlementSplit splitFromJson(const json::value& value) {
    const JsonIn in(value, "setlinfo");
    SettlementSplit s;
    s.medfeeSumamt = in.yuan("medfee_sumamt");
    s.fulamtOwnpayAmt = in.yuanOr("fulamt_ownpay_amt", 0);
    s.overlmtSelfpay = in.yuanOr("overlmt_selfpay", 0);
    s.preselfpayAmt = in.yuanOr("preselfpay_amt", 0);
    s.inscpScpAmt = in.yuanOr("inscp_scp_amt", 0);
    s.actPayDedc = in.yuanOr("act_pay_dedc", 0);
    s.hifpPay = in.yuanOr("hifp_pay", 0);
    if (in.has("pool_prop_selfpay")) {
        s.poolPropSelfpay = in.ratio("pool_prop_selfpay");
    } else {
        s.poolPropSelfpay
            = static_cast<BasisPoints>(in.integerOr("pool_prop_selfpay_bp", 0, 0, kFullRatio));
    }
    s.hifmiPay = in.yuanOr("hifmi_pay", 0);
    s.mafPay = in.yuanOr("maf_pay", 0);
    s.fundPaySumamt = in.yuan("fund_pay_sumamt");
    // 2207 names the patient's burden psn_part_amt; 5203 names it psn_pay.
    s.psnPartAmt = in.has("psn_part_amt") ? in.yuan("psn_part_amt") : in.yuan("psn_pay");
    s.acctPay = in.yuanOr("acct_pay", 0);
    // 2207 names the cash part psn_cash_pay; 5203 names it cash_payamt.
    s.psnCashPay = in.has("psn_cash_pay") ? in.yuan("psn_cash_pay", -kMaxFen)
                                          : in.yuan("cash_payamt", -kMaxFen);
    s.hospPartAmt = in.yuanOr("hosp_part_amt", 0);
    s.ruleTable = in.strOr("rule_table", "", 64);
    s.ruleVersion = in.strOr("rule_version", "", 32);
    if (s.fundPaySumamt + s.acctPay + s.psnCashPay + s.hospPartAmt != s.medfeeSumamt) {
        throw InputError("setlinfo",
            "medfee_sumamt != fund_pay_sumamt + acct_pay + "
            "psn_cash_pay + hosp_part_amt");
    }
    if (s.fundPaySumamt > s.medfeeSumamt) {
        throw InputError("setlinfo.fund_pay_sumamt", "larger than medfee_sumamt");
    }
    return s;
}

} // namespace hc::settle
