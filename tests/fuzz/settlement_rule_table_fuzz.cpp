// Fuzz: a rule-table data file through the checked loader, then one claim through the result.
#include "hc/settle/error.hpp"
#include "hc/settle/json_in.hpp"
#include "hc/settle/policy.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const auto v = hc::settle::parseJsonText(
            std::string_view(reinterpret_cast<const char*>(data), size), "table");
        const auto t = hc::settle::ruleTableFromJson(v);
        hc::settle::ClaimInput c;
        c.key = { t.region, t.year, t.insutype, "dibao", "county", "inpatient" };
        c.items = { { "a", hc::settle::ItemClass::A, 12345678, 1000, 0, std::nullopt },
            { "b", hc::settle::ItemClass::B, 54321, 2000, 10000, std::nullopt } };
        if (t.match(c.key) != nullptr) {
            const auto s = hc::settle::computeSettlement(t, c, {});
            if (s.fundPaySumamt > s.medfeeSumamt || s.psnCashPay < 0) {
                __builtin_trap();
            }
        }
    } catch (const hc::settle::Error&) { }
    return 0;
}
