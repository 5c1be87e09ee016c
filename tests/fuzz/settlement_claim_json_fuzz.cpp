// Fuzz: a terminal's claim JSON through the checked parser and the policy engine.
#include "hc/settle/error.hpp"
#include "hc/settle/json_in.hpp"
#include "hc/settle/policy.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {
const hc::settle::RuleTable& table() {
    static const hc::settle::RuleTable t = [] {
        hc::settle::RuleTable r;
        r.id = "fuzz";
        r.version = "1";
        r.region = "511800";
        r.year = 2014;
        r.insutype = "390";
        r.defaultSelfpayRatio = 1000;
        hc::settle::BenefitRule b;
        b.deductible = 20000;
        b.bands = { { 200000, 4500 }, { 0, 9000 } };
        b.annualCap = 100000000;
        r.rules.push_back(b);
        hc::settle::SeriousIllnessRule si;
        si.deductible = 1500000;
        si.bands = { { 0, 6000 } };
        si.boostPsnTypes = { "dibao" };
        si.boostRatio = 500;
        r.seriousIllness = si;
        r.assistance = hc::settle::AssistanceRule { { "dibao" }, 7000, 0 };
        return r;
    }();
    return t;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const auto v = hc::settle::parseJsonText(
            std::string_view(reinterpret_cast<const char*>(data), size), "claim");
        const auto claim = hc::settle::claimFromJson(v);
        const auto split = hc::settle::computeSettlement(table(), claim, {});
        if (split.medfeeSumamt
            != split.fundPaySumamt + split.acctPay + split.psnCashPay + split.hospPartAmt) {
            __builtin_trap(); // the waterfall invariant must hold for every accepted claim
        }
        (void)hc::settle::splitFromJson(hc::settle::splitToJson(split));
    } catch (const hc::settle::Error&) { }
    return 0;
}
