// Ledger store contract: idempotency by unique indexes, RAII rollback, per-visit outbox order,
// leases. Included by each store's test after it defines `LedgerFixture` with `open()`, which
// opens (again) the same fresh, empty ledger for the lifetime of the fixture.
#pragma once

#include "hc/settle/ledger.hpp"

#include <doctest/doctest.h>

namespace hc::settle::test {
using namespace hc::settle;

namespace {

SettlementRecord settlement(
    const std::string& msgid, const std::string& visit, const std::string& batch = "B1") {
    SettlementRecord r;
    r.requestId = "req-" + msgid;
    r.terminal = "T1";
    r.visitId = visit;
    r.chrgBchno = batch;
    r.msgid = msgid;
    r.psnNo = "P1";
    r.insutype = "390";
    r.medfee = 1000;
    r.cash = 1000;
    r.setlDate = "2026-11-23";
    return r;
}

OutboxEntry entry(const std::string& msgid, const std::string& visit,
    const std::string& infno = "2207", const std::string& ref = {}) {
    OutboxEntry e;
    e.msgid = msgid;
    e.infno = infno;
    e.visitId = visit;
    e.payload = "{}";
    e.expiresMs = 1'000'000;
    e.refMsgid = ref;
    return e;
}

} // namespace

TEST_CASE("request ids are reserved once; the stored reply is returned on a retry") {
    LedgerFixture fx;
    auto store = fx.open();
    {
        auto tx = store->begin();
        CHECK(tx->reserveRequest("r1", "T1", "settle", 1).fresh);
        tx->setRequestReply("r1", R"({"ok":true})");
        tx->commit();
    }
    auto tx = store->begin();
    const auto again = tx->reserveRequest("r1", "T1", "settle", 2);
    CHECK_FALSE(again.fresh);
    CHECK(again.reply == R"({"ok":true})");
    CHECK_THROWS_AS(tx->reserveRequest("r1", "T2", "settle", 2), DuplicateError);
}

TEST_CASE("unique indexes refuse a second msgid, a second batch and a second reversal") {
    LedgerFixture fx;
    auto store = fx.open();
    auto tx = store->begin();
    tx->insertSettlement(settlement("M1", "V1"));
    try {
        tx->insertSettlement(settlement("M1", "V2"));
        FAIL("expected duplicate");
    } catch (const DuplicateError& e) {
        CHECK(e.what_index() == "msgid");
    }
    try {
        tx->insertSettlement(settlement("M2", "V1"));
        FAIL("expected duplicate");
    } catch (const DuplicateError& e) {
        CHECK(e.what_index() == "batch");
    }
    tx->insertOutbox(entry("M1", "V1"));
    CHECK_THROWS_AS(tx->insertOutbox(entry("M1", "V1")), DuplicateError);
    tx->insertOutbox(entry("R1", "V1", "2601", "M1"));
    try {
        tx->insertOutbox(entry("R2", "V1", "2601", "M1"));
        FAIL("expected duplicate");
    } catch (const DuplicateError& e) {
        CHECK(e.what_index() == "reversal");
    }
}

TEST_CASE("an uncommitted transaction rolls back; a committed one survives reopening") {
    LedgerFixture fx;
    {
        auto store = fx.open();
        {
            auto tx = store->begin();
            tx->insertSettlement(settlement("M1", "V1"));
        } // no commit
        auto tx = store->begin();
        CHECK_FALSE(tx->settlementByMsgid("M1").has_value());
        tx->insertSettlement(settlement("M2", "V2"));
        tx->commit();
    }
    auto store = fx.open();
    auto tx = store->begin();
    const auto r = tx->settlementByMsgid("M2");
    REQUIRE(r.has_value());
    CHECK(r->medfee == 1000);
    CHECK(r->status == SettlementStatus::Pending);
}

TEST_CASE("outbox leases only the head of each visit, in order") {
    LedgerFixture fx;
    auto store = fx.open();
    auto tx = store->begin();
    tx->insertOutbox(entry("A1", "VA", "2201"));
    tx->insertOutbox(entry("B1", "VB", "2201"));
    tx->insertOutbox(entry("A2", "VA", "2204"));
    tx->insertOutbox(entry("A3", "VA", "2207"));

    auto first = tx->leaseDispatchable(10, 10, "me", 1000);
    REQUIRE(first.size() == 2);
    CHECK(first[0].msgid == "A1");
    CHECK(first[1].msgid == "B1");
    CHECK(first[0].state == OutboxState::Sent);
    CHECK(first[0].attempts == 1);
    CHECK(tx->leaseDispatchable(10, 10, "me", 1000).empty()); // A2 waits for A1

    // A1 times out → UNKNOWN still blocks the visit.
    auto a1 = first[0];
    a1.state = nextState(a1.state, OutboxEvent::Timeout);
    tx->updateOutbox(a1);
    CHECK(tx->leaseDispatchable(10, 10, "me", 1000).empty());
    // Its 2601 under way (RESOLVING), then refused (UNRESOLVED): the visit still waits.
    a1.state = nextState(a1.state, OutboxEvent::ReversalRequested);
    tx->updateOutbox(a1);
    CHECK(tx->leaseDispatchable(10, 10, "me", 1000).empty());
    a1.state = nextState(a1.state, OutboxEvent::ReversalRejected);
    tx->updateOutbox(a1);
    CHECK(tx->leaseDispatchable(10, 10, "me", 1000).empty());
    // Reconciliation finds it at the center → OK, then A2 is next.
    a1.state = nextState(a1.state, OutboxEvent::QueryFound);
    tx->updateOutbox(a1);
    auto next = tx->leaseDispatchable(10, 10, "me", 1000);
    REQUIRE(next.size() == 1);
    CHECK(next[0].msgid == "A2");

    CHECK(tx->outboxDepth()["SENT"] == 2); // B1 and A2
    CHECK(tx->outboxDepth()["OK"] == 1);
}

TEST_CASE("a renewed entry keeps its place in its visit's order under its new msgid; the old "
          "msgid keeps a row of its own and the settlement follows") {
    LedgerFixture fx;
    auto store = fx.open();
    auto tx = store->begin();
    tx->insertOutbox(entry("A1", "VA", "2207"));
    tx->insertOutbox(entry("A2", "VA", "2208"));
    SettlementRecord s;
    s.visitId = "VA";
    s.chrgBchno = "B1";
    s.msgid = "A1";
    s.psnNo = "p";
    s.insutype = "390";
    s.terminal = "T";
    s.setlDate = "2026-11-23";
    tx->insertSettlement(s);
    tx->renameOutbox("A1", "A1b", "{}");
    tx->renameSettlement("A1", "A1b");
    CHECK_FALSE(tx->outboxByMsgid("A1").has_value());
    CHECK(tx->settlementByMsgid("A1b").has_value());
    CHECK_THROWS_AS(tx->renameOutbox("A1b", "A2", "{}"), DuplicateError);
    const auto lease = tx->leaseDispatchable(10, 10, "me", 1000);
    REQUIRE(lease.size() == 1);
    CHECK(lease[0].msgid == "A1b"); // still ahead of A2
    CHECK(lease[0].payload == "{}");
}

TEST_CASE("a SENT entry whose lease ran out is reported stale (the sender died)") {
    LedgerFixture fx;
    auto store = fx.open();
    auto tx = store->begin();
    tx->insertOutbox(entry("A1", "VA"));
    auto leased = tx->leaseDispatchable(100, 10, "dead", 50);
    REQUIRE(leased.size() == 1);
    CHECK(tx->staleSent(120, 10).empty());
    const auto stale = tx->staleSent(200, 10);
    REQUIRE(stale.size() == 1);
    CHECK(stale[0].owner == "dead");
    CHECK(tx->expired(2'000'000, 10).size() == 1);
}

TEST_CASE("adjustments are unique per (msgid, reason); audit entries are counted") {
    LedgerFixture fx;
    auto store = fx.open();
    auto tx = store->begin();
    Adjustment a;
    a.msgid = "M1";
    a.terminal = "T1";
    a.amount = -250;
    a.reason = "center_result_differs";
    CHECK(tx->insertAdjustment(a));
    CHECK_FALSE(tx->insertAdjustment(a));
    CHECK(tx->openAdjustments("T1").size() == 1);
    CHECK(tx->openAdjustments("T2").empty());
    tx->audit(1, "test", "repair", "M1", "x");
    CHECK(tx->auditCount("repair") == 1);
    CHECK(tx->auditCount("other") == 0);
}

} // namespace hc::settle::test
