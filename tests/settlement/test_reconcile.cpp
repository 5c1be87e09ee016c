// Reconciliation against center-sim: classification, automatic repairs with audit entries,
// the holding pool for items still in the outbox, and both result-code sets.
#include "harness.hpp"
#include "hc/settle/reconcile.hpp"

#include <doctest/doctest.h>

using namespace hc::settle;
using namespace hc::settle::test;
namespace json = boost::json;

TEST_CASE("result codes: 0-3 and 6-digit") {
    CHECK(parseStmtResult("0") == 0);
    CHECK(parseStmtResult("000000") == 0);
    CHECK(parseStmtResult("000102") == 2);
    CHECK(parseStmtResult("000103") == 3);
    CHECK(parseStmtResult("3") == 3);
    CHECK_THROWS_AS(parseStmtResult("9"), InputError);
}

TEST_CASE("a tampered day is classified, repaired with audit entries, then balances") {
    for (const char* codes : { "0-3", "6digit" }) {
        CAPTURE(codes);
        ServiceConfig cfg;
        cfg.settleWait = std::chrono::milliseconds(300);
        cfg.offline.perClaimLimit = 1'000'000;
        Harness h(cfg);
        h.faults(std::string(R"({"result_codes":")") + codes + R"("})");
        h.startDispatcher();
        std::vector<std::string> msgids;
        for (int i = 0; i < 3; ++i) {
            const auto r = h.settleExample();
            REQUIRE(r.at("status") == "SETTLED");
            msgids.emplace_back(r.at("msgid").as_string());
        }
        const auto today = isoDate(std::chrono::system_clock::now());
        CenterGateway g(h.gw, h.ctx, h.msgids);
        auto first = reconcileDay(*h.store, g, today);
        CHECK(first.totalsBalanced);
        CHECK(first.localCount == 3);

        // Tamper: drift on one row, a local-only row, and a center-only row still in the outbox.
        {
            auto tx = h.store->begin();
            auto r = *tx->settlementByMsgid(msgids[0]);
            r.fund -= 100;
            r.cash += 100;
            tx->updateSettlement(r);
            SettlementRecord ghost = r;
            ghost.msgid = "H51180000001209901010000009999";
            ghost.setlId = "SGHOST";
            ghost.visitId = "ghost";
            tx->insertSettlement(ghost);
            tx->updateSettlement(ghost);
            tx->commit();
        }
        {
            // The 2207 reaches the center, its reply is lost: UNKNOWN; its 2601 is lost on the
            // way: UNRESOLVED, for reconciliation to decide (it adopts the center's record).
            const auto visit = h.prepareExample();
            REQUIRE(h.drain());
            h.faults(std::string(R"({"reply_delay_ms":900,"result_codes":")") + codes + R"("})");
            const auto r = h.settle(visit);
            CHECK(r.at("status") == "PROVISIONAL");
            // Its 2601 never reaches the center: the settlement stands there.
            h.faults(std::string(R"({"drop_request_pct":100,"result_codes":")") + codes + R"("})");
            for (int i = 0; i < 200 && h.unresolved() == 0; ++i) {
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
            h.stopDispatcher();
        }
        h.faults(std::string(R"({"result_codes":")") + codes + R"("})");
        ReconOptions noHold; // this test's rows are "now": never held, whatever the hour
        noHold.holdWindow = std::chrono::minutes(0);
        const auto second = reconcileDay(*h.store, g, today, noHold);
        CHECK_FALSE(second.totalsBalanced);
        std::map<std::string, int> seen;
        for (const auto& i : second.items) {
            ++seen[reconClassName(i.cls)];
        }
        CHECK(seen["amount_mismatch"] == 1);
        CHECK(seen["local_only"] == 1);
        CHECK(seen["held"] >= 1); // the UNKNOWN one, known msgid
        {
            auto tx = h.store->begin();
            CHECK(tx->auditCount("recon.amount_mismatch") == 1);
            CHECK(tx->auditCount("recon.local_only") == 1);
            const auto repaired = tx->settlementByMsgid(msgids[0]);
            CHECK(repaired->fund == 721600);
            CHECK(tx->settlementByMsgid("H51180000001209901010000009999")->status
                == SettlementStatus::Failed);
            tx->commit();
        }
        const auto csv = reportToCsv(second);
        CHECK(csv.find("amount_mismatch") != std::string::npos);
        CHECK(reportToText(second).find("NOT balanced") != std::string::npos);
        CHECK(reportToJson(second).at("items").as_array().size() == second.items.size());

        // Next cycle: the outbox adopts the center record; the day balances.
        h.startDispatcher();
        REQUIRE(h.drain());
        const auto third = reconcileDay(*h.store, g, today);
        CHECK(third.totalsBalanced);
        CHECK(third.balancedAfterRepair);
        CHECK(third.localCount == 4);
    }
}

TEST_CASE("holding pool: a local-only row 5 minutes before midnight is held one cycle, then "
          "repaired; the stored report is read back for `settle report`") {
    ServiceConfig cfg;
    cfg.settleWait = std::chrono::milliseconds(1000);
    Harness h(cfg);
    h.startDispatcher();
    const auto r = h.settleExample();
    REQUIRE(r.at("status") == "SETTLED");
    h.stopDispatcher();
    const auto today = isoDate(std::chrono::system_clock::now());
    const auto midnight = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()).time_since_epoch()
        + std::chrono::days(1))
                              .count();
    {
        auto tx = h.store->begin();
        auto ghost = *tx->settlementByMsgid(std::string(r.at("msgid").as_string()));
        ghost.msgid = "H51180000001209901010000009998";
        ghost.setlId = "SLATE";
        ghost.visitId = "late";
        ghost.createdMs = midnight - 5 * 60 * 1000; // 23:55 UTC
        tx->insertSettlement(ghost);
        tx->updateSettlement(ghost);
        tx->commit();
    }
    CenterGateway g(h.gw, h.ctx, h.msgids);
    const auto first = reconcileDay(*h.store, g, today);
    CHECK_FALSE(first.balancedAfterRepair); // held: the day is not balanced yet
    REQUIRE(first.items.size() == 1);
    CHECK(first.items[0].cls == ReconClass::Held);
    CHECK(first.items[0].msgid == "H51180000001209901010000009998");
    CHECK(first.items[0].repair.find("near the cut-off") != std::string::npos);
    {
        auto tx = h.store->begin();
        CHECK(tx->auditCount("recon.held") == 1);
        CHECK(tx->settlementByMsgid("H51180000001209901010000009998")->status
            == SettlementStatus::Settled); // not repaired yet
        const auto stored = storedReport(*tx, today);
        REQUIRE(stored.has_value());
        CHECK(stored->items.size() == 1);
        CHECK(stored->items[0].cls == ReconClass::Held);
        CHECK(reportToText(*stored) == reportToText(first));
        CHECK(reportToCsv(*stored) == reportToCsv(first));
        tx->commit();
    }
    // Next cycle: still local-only, so it is repaired now (voided, fund share collected).
    const auto second = reconcileDay(*h.store, g, today);
    CHECK(second.balancedAfterRepair);
    REQUIRE(second.items.size() == 1);
    CHECK(second.items[0].cls == ReconClass::LocalOnly);
    auto tx = h.store->begin();
    CHECK(tx->settlementByMsgid("H51180000001209901010000009998")->status
        == SettlementStatus::Failed);
    CHECK(storedReport(*tx, today)->balancedAfterRepair);
    CHECK_FALSE(storedReport(*tx, "1999-01-01").has_value());
}

TEST_CASE("a difference the center's 3202 reports as balanced is found by the local detail match "
          "and repaired") {
    ServiceConfig cfg;
    cfg.settleWait = std::chrono::milliseconds(1000);
    Harness h(cfg);
    h.startDispatcher();
    std::vector<std::string> msgids;
    for (int i = 0; i < 3; ++i) {
        const auto r = h.settleExample();
        REQUIRE(r.at("status") == "SETTLED");
        msgids.emplace_back(r.at("msgid").as_string());
    }
    h.stopDispatcher();
    Fen centerFund = 0;
    {
        // Drift on one row: our fund share is 1.00 yuan below the center's.
        auto tx = h.store->begin();
        auto r = *tx->settlementByMsgid(msgids[1]);
        centerFund = r.fund;
        r.fund -= 100;
        r.cash += 100;
        tx->updateSettlement(r);
        tx->commit();
    }
    // The center's totals (3201) see the difference, its detail comparison (3202) does not.
    h.faults(R"({"misreport_amounts":true})");
    const auto today = isoDate(std::chrono::system_clock::now());
    CenterGateway g(h.gw, h.ctx, h.msgids);
    ReconOptions noHold;
    noHold.holdWindow = std::chrono::minutes(0);
    const auto report = reconcileDay(*h.store, g, today, noHold);
    CHECK_FALSE(report.totalsBalanced);
    REQUIRE(report.items.size() == 1);
    CHECK(report.items[0].cls == ReconClass::AmountMismatch);
    CHECK(report.items[0].msgid == msgids[1]);
    CHECK(report.items[0].memo.find("found locally") != std::string::npos);
    CHECK(report.counts.at("found_locally") == 1);
    CHECK(report.counts.at("balanced") == 2);
    CHECK(report.balancedAfterRepair); // repaired with the center's numbers
    auto tx = h.store->begin();
    CHECK(tx->auditCount("recon.center_misreported") == 1);
    CHECK(tx->auditCount("recon.amount_mismatch") == 1);
    CHECK(tx->settlementByMsgid(msgids[1])->fund == centerFund);
    tx->commit();
}
