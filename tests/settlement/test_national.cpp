// Integration: unknown outcomes resolved the national way (reference §2.5) against a strict
// center-sim that drops every 7th committed reply, delays its replies and goes down mid-run.
// Checked: every visit settled exactly once at the center, no msgid ever sent twice, the
// terminal's fund shares equal the center's, and reconciliation balanced.
#include "harness.hpp"
#include "hc/settle/reconcile.hpp"

#include <doctest/doctest.h>
#include <map>

using namespace hc::settle;
using namespace hc::settle::test;
namespace json = boost::json;

namespace {

// The local visit of a center ipt_otp_no: a visit restarted at the center carries "-R<n>".
std::string localVisit(std::string otp) {
    const auto r = otp.rfind("-R");
    if (r != std::string::npos && r + 2 < otp.size()
        && otp.find_first_not_of("0123456789", r + 2) == std::string::npos) {
        otp.resize(r);
    }
    return otp;
}

// Reconciliation while the center still drops replies: a call whose reply was lost fails the
// run, which is simply run again (every call under a new msgid).
ReconReport reconcileWithRetries(Harness& h) {
    for (int attempt = 0;; ++attempt) {
        try {
            CenterGateway g(h.gw, h.ctx, h.msgids);
            return reconcileDay(*h.store, g, isoDate(std::chrono::system_clock::now()));
        } catch (const CenterUnavailable& e) {
            MESSAGE("reconcile attempt " << attempt << ": " << e.what());
            REQUIRE(attempt < 10);
        }
    }
}

} // namespace

TEST_CASE("every 7th committed reply lost, replies delayed, the center down mid-run: each visit "
          "settled exactly once, no msgid sent twice, the center's fund shares, reconcile "
          "balanced") {
    ServiceConfig cfg;
    cfg.settleWait = std::chrono::milliseconds(300);
    cfg.offline.perClaimLimit = 1'000'000; // the 10,000 yuan example settles provisionally
    Harness h(cfg);
    const char* faults = R"({"drop_every_nth_committed":7,"reply_delay_ms":30})";
    h.faults(faults);
    h.startDispatcher();
    constexpr int kVisits = 30;
    std::map<std::string, json::object> replies; // local visit → settle reply
    for (int i = 0; i < kVisits; ++i) {
        if (i == 5) { // replies slower than the gateway's 400 ms timeout: committed, unknown
            h.faults(R"({"drop_every_nth_committed":7,"reply_delay_ms":600})");
        }
        if (i == 8) {
            h.faults(faults);
        }
        if (i == kVisits / 2) {
            h.faults(R"({"drop_every_nth_committed":7,"reply_delay_ms":30,"down_for_ms":1500})");
        }
        const auto r = h.settleExample();
        REQUIRE(r.at("ok").as_bool());
        const auto s = std::string(r.at("status").as_string());
        CHECK((s == "SETTLED" || s == "PROVISIONAL"));
        replies[std::string(r.at("visit_id").as_string())] = r;
    }
    REQUIRE(h.drain(std::chrono::milliseconds(60000)));
    // UNRESOLVED 2207s (their 2601 reply lost as well) are decided by reconciliation; the
    // center keeps dropping every 7th committed reply meanwhile.
    for (int round = 0; round < 5 && h.unresolved() > 0; ++round) {
        (void)reconcileWithRetries(h);
        REQUIRE(h.drain(std::chrono::milliseconds(60000)));
    }
    CHECK(h.unresolved() == 0);
    h.faults("{}");
    const auto final = reconcileWithRetries(h);
    CHECK(final.totalsBalanced);
    CHECK(final.balancedAfterRepair);

    // The faults were actually hit: unknown outcomes were reversed and sent again.
    {
        auto tx = h.store->begin();
        CHECK(tx->auditCount("reversal.requested") > 0);
        CHECK(tx->auditCount("outbox.renewed") > 0);
        tx->commit();
    }
    CHECK(h.centerDuplicates() == 0); // no msgid was ever sent twice

    // Exactly one active settlement per visit at the center, and ours equals it.
    const auto list = parseJsonText(h.admin("/admin/settlements", "").body, "settlements");
    std::map<std::string, int> active;
    std::map<std::string, json::object> byMsgid;
    for (const auto& v : list.as_array()) {
        const auto& s = v.as_object();
        if (s.at("status") == "OK") {
            ++active[localVisit(std::string(s.at("ipt_otp_no").as_string()))];
            byMsgid[std::string(s.at("msgid").as_string())] = s;
        }
    }
    CHECK(active.size() == kVisits);
    auto tx = h.store->begin();
    int settled = 0;
    for (const auto& [visit, reply] : replies) {
        CAPTURE(visit);
        CHECK(active[visit] == 1);
        const auto rec = findSettlement(*tx, std::string(reply.at("msgid").as_string()));
        REQUIRE(rec.has_value());
        CHECK(rec->status == SettlementStatus::Settled);
        const auto c = byMsgid.find(rec->msgid);
        REQUIRE(c != byMsgid.end());
        CHECK(c->second.at("fund_fen").as_int64() == rec->fund);
        CHECK(c->second.at("medfee_fen").as_int64() == rec->medfee);
        CHECK(c->second.at("cash_fen").as_int64() == rec->cash);
        CHECK(rec->fund == 721600); // the reference's 10,000 yuan county example
        settled += rec->status == SettlementStatus::Settled ? 1 : 0;
    }
    CHECK(settled == kVisits);
    CHECK(tx->openAdjustments("").empty()); // provisional == the center's result
    tx->commit();
}

TEST_CASE("a 2207 whose reply is lost and whose 2601 never arrives stays UNRESOLVED until "
          "reconciliation adopts the center's record through 5203 with its setl_id") {
    ServiceConfig cfg;
    cfg.settleWait = std::chrono::milliseconds(200);
    cfg.offline.perClaimLimit = 1'000'000;
    Harness h(cfg);
    h.startDispatcher();
    auto r = h.settleExample(); // a visit settled normally beside it
    REQUIRE(r.at("status") == "SETTLED");
    // Register and upload with the center answering, then lose the 2207's reply (it commits).
    const json::array items { json::object {
        { "code", "a" }, { "class", "A" }, { "amount_fen", 100000 } } };
    REQUIRE(h.call("T1",
                 { { "call", "register_visit" }, { "request_id", "rv" }, { "visit_id", "VU" },
                     { "psn_no", "510100199001011234" }, { "insutype", "390" },
                     { "hosp_lv", "county" }, { "med_type", "inpatient" }, { "year", 2014 } })
                .at("ok")
                .as_bool());
    REQUIRE(h.call("T1",
                 { { "call", "upload_fees" }, { "request_id", "uf" }, { "visit_id", "VU" },
                     { "chrg_bchno", "B1" }, { "items", items } })
                .at("ok")
                .as_bool());
    REQUIRE(h.drain());
    h.faults(R"({"reply_delay_ms":900})"); // past the gateway's 400 ms timeout
    r = h.call("T1",
        { { "call", "settle" }, { "request_id", "st" }, { "visit_id", "VU" },
            { "chrg_bchno", "B1" } });
    REQUIRE(r.at("ok").as_bool());
    CHECK(r.at("status") == "PROVISIONAL");
    // Its 2601 is lost on the way (the settle answered before the 2207's timeout).
    h.faults(R"({"drop_request_pct":100})");
    // Wait until the dispatcher gave up on it: UNRESOLVED (or restarted registrations).
    for (int i = 0; i < 200 && h.unresolved() == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    h.faults("{}");
    REQUIRE(h.drain());
    for (int round = 0; round < 3 && h.unresolved() > 0; ++round) {
        CenterGateway g(h.gw, h.ctx, h.msgids);
        (void)reconcileDay(*h.store, g, isoDate(std::chrono::system_clock::now()));
        REQUIRE(h.drain());
    }
    CHECK(h.unresolved() == 0);
    auto tx = h.store->begin();
    const auto rec = findSettlement(*tx, std::string(r.at("msgid").as_string()));
    REQUIRE(rec.has_value());
    CHECK(rec->status == SettlementStatus::Settled);
    CHECK(tx->auditCount("recon.unresolved") == 1); // adopted by reconciliation
    CHECK(rec->msgid == std::string(r.at("msgid").as_string())); // the center's own record
    tx->commit();
    CHECK(h.centerDuplicates() == 0);
    CHECK(h.centerActive() == 2);
}
