// Integration: the service and the outbox against a center-sim process under each fault switch.
// Every scenario ends with the outbox drained, the center holding exactly the settlements the
// ledger holds as SETTLED (no duplicate, no loss) and the day's totals balanced (3201).
#include "harness.hpp"
#include "hc/settle/reconcile.hpp"
#include "hc/settle/wire_json.hpp"

#include <doctest/doctest.h>

using namespace hc::settle;
using namespace hc::settle::test;
namespace json = boost::json;

namespace {

// Local SETTLED count must equal the center's active count; totals must balance.
void checkBalanced(Harness& h) {
    REQUIRE(h.drain());
    // A 2207 whose 2601 reply was lost too stays UNRESOLVED until reconciliation decides it
    // (adopted from the center through 5203, or settled again under a new msgid).
    for (int round = 0; round < 3 && h.unresolved() > 0; ++round) {
        CenterGateway g(h.gw, h.ctx, h.msgids);
        (void)reconcileDay(*h.store, g, isoDate(std::chrono::system_clock::now()));
        REQUIRE(h.drain());
    }
    CHECK(h.unresolved() == 0);
    std::int64_t settled = 0;
    Fen medfee = 0, fund = 0, acct = 0;
    {
        auto tx = h.store->begin();
        for (const auto& r : tx->settlementsOfDay(isoDate(std::chrono::system_clock::now()))) {
            CHECK(r.status != SettlementStatus::Pending);
            CHECK(r.status != SettlementStatus::Provisional);
            if (r.status == SettlementStatus::Settled) {
                ++settled;
                medfee += r.medfee;
                fund += r.fund;
                acct += r.acct;
            }
        }
        tx->commit();
    }
    CHECK(h.centerActive() == settled);
    CHECK(h.centerDuplicates() == 0); // no msgid was ever sent twice
    CenterGateway g(h.gw, h.ctx, h.msgids);
    const auto today = isoDate(std::chrono::system_clock::now());
    json::object data { { "insutype", "390" }, { "clr_type", "11" }, { "setl_optins", "511800" },
        { "stmt_begndate", today }, { "stmt_enddate", today },
        { "medfee_sumamt", wireAmount(medfee) }, { "fund_pay_sumamt", wireAmount(fund) },
        { "acct_pay", wireAmount(acct) }, { "fixmedins_setl_cnt", settled },
        { "refd_setl_flag", "0" } };
    const auto out = g.call("3201", json::object { { "data", std::move(data) } });
    CHECK(out.at("stmtinfo").at("stmt_rslt") == "0");
}

std::string status(const json::object& r) {
    return r.contains("status") ? std::string(r.at("status").as_string()) : std::string("?");
}

} // namespace

TEST_CASE(
    "online: settle returns the center's split; a repeated request id is answered, not redone") {
    Harness h;
    h.startDispatcher();
    const auto r = h.settleExample();
    REQUIRE(r.at("ok").as_bool());
    CHECK(status(r) == "SETTLED");
    CHECK(r.at("fund_fen").as_int64() == 721600);
    CHECK(r.at("cash_fen").as_int64() == 278400);
    CHECK(r.at("psn_no") == "51**************34");

    // Same request id again: the stored reply, no second settlement.
    const auto visit = std::string(r.at("visit_id").as_string());
    const auto again = h.call("T1",
        { { "call", "settle" }, { "request_id", "st" + visit }, { "visit_id", visit },
            { "chrg_bchno", "B1" } });
    CHECK(again.at("replayed").as_bool());
    CHECK(again.at("msgid") == r.at("msgid"));
    // A new request id for the same batch is refused by the unique index.
    const auto dup = h.call("T1",
        { { "call", "settle" }, { "request_id", "other" }, { "visit_id", visit },
            { "chrg_bchno", "B1" } });
    CHECK_FALSE(dup.at("ok").as_bool());
    CHECK(dup.at("error").at("field") == "chrg_bchno");
    checkBalanced(h);
}

TEST_CASE("bad terminal input is refused with the field named") {
    Harness h;
    const auto r = h.call("T1",
        { { "call", "upload_fees" }, { "request_id", "x" }, { "visit_id", "V" },
            { "chrg_bchno", "B" },
            { "items",
                json::array {
                    json::object { { "code", "a" }, { "class", "A" }, { "amount_fen", -5 } } } } });
    CHECK_FALSE(r.at("ok").as_bool());
    CHECK(r.at("error").at("field") == "items[0].amount_fen");
    CHECK(r.at("error").at("next_step") == "fix_input");
    const auto bad = h.service->handle("T1", "{not json");
    CHECK(bad.find("fix_input") != std::string::npos);
}

TEST_CASE("fault switches: every one ends balanced with no duplicate and no loss") {
    struct Case {
        const char* name;
        const char* faults;
    };
    const Case cases[] = {
        { "drop request", R"({"drop_request_pct":100})" },
        { "commit then drop response", R"({"drop_response_pct":100})" },
        { "HTTP 5xx", R"({"http_5xx_pct":100})" },
        { "duplicate response", R"({"duplicate_response_pct":100})" },
        { "delay beyond the settle wait", R"({"delay_ms":700})" },
        { "down", R"({"down":true})" },
        { "mixed 30 %",
            R"({"drop_request_pct":30,"drop_response_pct":30,"http_5xx_pct":20,"duplicate_response_pct":30})" },
    };
    for (const auto& c : cases) {
        const std::string name = c.name;
        CAPTURE(name);
        ServiceConfig cfg;
        cfg.settleWait = std::chrono::milliseconds(300);
        cfg.offline.perClaimLimit = 1'000'000; // 10,000 yuan: the example settles provisionally
        Harness h(cfg);
        h.startDispatcher();
        h.faults(c.faults);
        std::vector<json::object> replies;
        for (int i = 0; i < 3; ++i) {
            replies.push_back(h.settleExample());
        }
        for (const auto& r : replies) {
            REQUIRE(r.at("ok").as_bool());
            const auto s = status(r);
            CHECK((s == "SETTLED" || s == "PROVISIONAL"));
        }
        h.faults("{}");
        checkBalanced(h);
        auto tx = h.store->begin();
        CHECK(tx->openAdjustments("").empty()); // same rules: provisional == center result
        for (const auto& a : tx->openAdjustments("")) {
            const auto e = tx->outboxByMsgid(a.msgid);
            MESSAGE(a.reason << " " << a.amount << " " << a.msgid << " "
                             << (e ? e->lastError : std::string("-")));
        }
        tx->commit();
    }
}

TEST_CASE("down and back with a different rule version: the center wins, adjustments appear") {
    ServiceConfig cfg;
    cfg.settleWait = std::chrono::milliseconds(200);
    cfg.offline.perClaimLimit = 1'000'000;
    Harness h(cfg);
    h.startDispatcher();
    h.faults(R"({"down":true})");
    const auto r = h.settleExample();
    REQUIRE(r.at("ok").as_bool());
    CHECK(status(r) == "PROVISIONAL");
    CHECK(r.at("cash_fen").as_int64() == 278400);
    h.faults(R"({"rule_version":"2014.0"})"); // county 80 % at the center
    checkBalanced(h);
    auto tx = h.store->begin();
    const auto adj = tx->openAdjustments("T1");
    REQUIRE(adj.size() == 1);
    CHECK(adj[0].amount == 17600); // (9000-200) × 2 % more for the patient: collect 176.00
    const auto rec = tx->settlementByMsgid(std::string(r.at("msgid").as_string()));
    REQUIRE(rec.has_value());
    CHECK(rec->status == SettlementStatus::Settled);
    CHECK(rec->fund == 704000);
    tx->commit();
    const auto shift = h.call("T1", { { "call", "shift_totals" }, { "request_id", "s1" } });
    CHECK(shift.at("open_adjustments_fen").as_int64() == 17600);
}

TEST_CASE("offline exposure limits: beyond the per-claim limit the patient pays in full") {
    ServiceConfig cfg;
    cfg.settleWait = std::chrono::milliseconds(200);
    cfg.offline.perClaimLimit = 100000; // 1,000 yuan
    Harness h(cfg);
    h.startDispatcher();
    h.faults(R"({"down":true})");
    const auto r = h.settleExample();
    REQUIRE(r.at("ok").as_bool());
    CHECK(status(r) == "SELF_PAY");
    CHECK(r.at("cash_fen").as_int64() == 1000000);
    h.faults("{}");
    checkBalanced(h);
    auto tx = h.store->begin();
    const auto adj = tx->openAdjustments("T1");
    REQUIRE(adj.size() == 1);
    CHECK(adj[0].amount == -721600); // refund the fund's share
    tx->commit();
}

TEST_CASE("staff reversal (2601): only for a known msgid, never twice") {
    Harness h;
    h.startDispatcher();
    const auto r = h.settleExample();
    REQUIRE(status(r) == "SETTLED");
    const auto msgid = std::string(r.at("msgid").as_string());
    {
        auto tx = h.store->begin();
        requestReversal(*tx, h.ctx, h.msgids, h.gw.retry, msgid, "510100199001011234", "staff");
        tx->commit();
    }
    {
        auto tx = h.store->begin();
        CHECK_THROWS_AS(requestReversal(*tx, h.ctx, h.msgids, h.gw.retry, msgid, "p", "staff"),
            IllegalTransition);
        CHECK_THROWS_AS(requestReversal(*tx, h.ctx, h.msgids, h.gw.retry,
                            "H5118000000120261123000000"
                            "9999",
                            "p", "staff"),
            InputError);
    }
    REQUIRE(h.drain());
    auto tx = h.store->begin();
    CHECK(tx->outboxByMsgid(msgid)->state == OutboxState::Reversed);
    CHECK(tx->settlementByMsgid(msgid)->status == SettlementStatus::Reversed);
    CHECK_THROWS_AS(
        requestReversal(*tx, h.ctx, h.msgids, h.gw.retry, msgid, "p", "staff"), IllegalTransition);
    CHECK(tx->auditCount("reversal.done") == 1);
    tx->commit();
    CHECK(h.centerActive() == 0);
}

TEST_CASE("cancel (2208) after the center confirmed") {
    Harness h;
    h.startDispatcher();
    const auto r = h.settleExample();
    REQUIRE(status(r) == "SETTLED");
    const auto c = h.call(
        "T1", { { "call", "cancel" }, { "request_id", "c1" }, { "msgid", r.at("msgid") } });
    REQUIRE(c.at("ok").as_bool());
    REQUIRE(h.drain());
    const auto q
        = h.call("T1", { { "call", "query" }, { "request_id", "q1" }, { "msgid", r.at("msgid") } });
    CHECK(status(q) == "CANCELLED");
    CHECK(h.centerActive() == 0);
}

TEST_CASE("entries past their expiry go to manual review, not dropped") {
    ServiceConfig cfg;
    cfg.settleWait = std::chrono::milliseconds(100);
    Harness h(cfg);
    h.gw.retry.expireAfter = std::chrono::seconds(1);
    h.faults(R"({"down":true})");
    {
        // Build entries that expire in one second.
        ServiceConfig c2 = cfg;
        c2.retry.expireAfter = std::chrono::seconds(1);
        h.service = std::make_unique<SettlementService>(*h.store, h.policies, h.ctx, h.msgids, c2);
    }
    h.startDispatcher();
    const auto r = h.settleExample();
    REQUIRE(r.at("ok").as_bool());
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    REQUIRE(h.drain());
    auto tx = h.store->begin();
    const auto review = tx->outboxInState(OutboxState::ManualReview, 100);
    CHECK(review.size() >= 1);
    CHECK(tx->auditCount("outbox.expired") >= 1);
    tx->commit();
}

namespace {

// Counts the write transactions a caller opens (reads pass through).
class CountingStore final : public LedgerStore {
public:
    explicit CountingStore(LedgerStore& inner)
        : m_inner(inner) { }
    std::unique_ptr<StoreTransaction> begin() override {
        ++writes;
        return m_inner.begin();
    }
    std::unique_ptr<StoreTransaction> beginRead() override { return m_inner.beginRead(); }
    std::atomic<int> writes { 0 };

private:
    LedgerStore& m_inner;
};

} // namespace

TEST_CASE("settle without waiting for the center (settle wait 0): one durable write transaction "
          "holds the PROVISIONAL result, the outbox entry and the stored reply") {
    ServiceConfig cfg;
    cfg.settleWait = std::chrono::milliseconds(0);
    cfg.offline.perClaimLimit = 1'000'000; // the example's fund share (7,216 yuan) fits
    Harness h(cfg);
    CountingStore counting(*h.store);
    h.service = std::make_unique<SettlementService>(counting, h.policies, h.ctx, h.msgids, cfg);
    const auto r = h.settleExample(); // register (1 write), upload (1 write), settle
    REQUIRE(r.at("ok").as_bool());
    CHECK(status(r) == "PROVISIONAL");
    CHECK(counting.writes == 3); // the settle is one transaction, not two
    const auto again = h.call("T1",
        { { "call", "settle" }, { "request_id", "stV1-" + std::to_string(::getpid()) },
            { "visit_id", "V1-" + std::to_string(::getpid()) }, { "chrg_bchno", "B1" } });
    CHECK(again.at("replayed").as_bool());
    CHECK(again.at("msgid") == r.at("msgid"));
    CHECK(status(again) == "PROVISIONAL");
    h.startDispatcher(); // the center's result wins later
    checkBalanced(h);
    auto tx = h.store->begin();
    CHECK(tx->settlementByMsgid(std::string(r.at("msgid").as_string()))->status
        == SettlementStatus::Settled);
    tx->commit();
}

TEST_CASE("a reply that comes after its lease ran out does not undo the pass that took the entry "
          "over (two gateways on one ledger: another instance, or `settle`)") {
    ServiceConfig cfg;
    cfg.settleWait = std::chrono::milliseconds(0); // the 2207 waits in the outbox
    Harness h(cfg);
    h.startDispatcher();
    const auto visit = h.prepareExample();
    REQUIRE(!visit.empty());
    REQUIRE(h.drain()); // 2201 and 2204 answered
    h.stopDispatcher();
    REQUIRE(h.settle(visit).at("ok").as_bool());

    // Gateway A leases the 2207 for 300 ms; the center settles it at once but answers 3 s later.
    h.faults(R"({"reply_delay_ms":3000})");
    GatewayConfig slow = h.gw;
    slow.owner = "sd-a";
    slow.lease = std::chrono::milliseconds(300);
    slow.timeout = std::chrono::milliseconds(8000);
    slow.parallel = 1;
    PassStats a;
    std::thread first([&] {
        CenterGateway g(slow, h.ctx, h.msgids);
        a = g.runOnce(*h.store, h.service->hook());
    });
    const auto stateOf2207 = [&] {
        auto tx = h.store->begin();
        std::optional<OutboxState> s;
        for (auto st : { OutboxState::New, OutboxState::Sent, OutboxState::Unknown,
                 OutboxState::Resolving, OutboxState::Ok }) {
            for (const auto& e : tx->outboxInState(st, 10)) {
                if (e.infno == "2207") {
                    s = st;
                }
            }
        }
        tx->commit();
        return s;
    };
    const auto waitFor = [&](OutboxState want) {
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (stateOf2207() != want && std::chrono::steady_clock::now() < end) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return stateOf2207() == want;
    };
    REQUIRE(waitFor(OutboxState::Sent));
    std::this_thread::sleep_for(std::chrono::milliseconds(400)); // A's lease runs out

    // Gateway B finds the stale lease: UNKNOWN, then its 2601 reversal (RESOLVING) goes out
    // while A still waits for its reply.
    GatewayConfig other = h.gw;
    other.owner = "sd-b";
    other.timeout = std::chrono::milliseconds(8000);
    other.lease = std::chrono::milliseconds(20000);
    other.parallel = 1;
    std::thread second([&] {
        CenterGateway g(other, h.ctx, h.msgids);
        for (int i = 0; i < 20 && stateOf2207() != OutboxState::Resolving; ++i) {
            (void)g.runOnce(*h.store, h.service->hook());
            std::this_thread::sleep_for(std::chrono::milliseconds(30));
        }
        (void)g.runOnce(*h.store, h.service->hook()); // sends the 2601
    });
    first.join();
    second.join();
    CHECK(a.late == 1); // A's OK came after B took the entry over: audited, not applied
    {
        auto tx = h.store->begin();
        CHECK(tx->auditCount("outbox.reply_late") == 1);
        tx->commit();
    }
    // The reversal is answered, the 2207 renewed under a new msgid and settled again: the
    // ledger and the center agree.
    h.faults("{}");
    h.startDispatcher();
    checkBalanced(h);
    CHECK(h.centerActive() == 1);
}
