// Fuzz: the center's 3202 comparison result (reconciliation) through parseCenterResultFile and
// the local match of reconcileDay (matchResultLocally) against two settled rows of ours.
#include "hc/settle/error.hpp"
#include "hc/settle/reconcile.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        auto lines = hc::settle::parseCenterResultFile(text);
        std::vector<hc::settle::SettlementRecord> rows(2);
        rows[0].msgid = "H51180000001202611230000000001";
        rows[0].setlId = "S1";
        rows[0].status = hc::settle::SettlementStatus::Settled;
        rows[0].medfee = 100000;
        rows[0].fund = 72160;
        rows[1] = rows[0];
        rows[1].msgid = "H51180000001202611230000000002";
        rows[1].setlId.clear();
        (void)hc::settle::matchResultLocally(rows, lines);
    } catch (const hc::settle::Error&) { }
    return 0;
}
