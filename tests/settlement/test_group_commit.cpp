// SQLite group commit: concurrent transactions share one physical transaction (one fsync), and
// each commit() returns only when its changes are durable (visible to another connection, i.e.
// in the WAL after COMMIT); a rolled-back one leaves nothing, and does not take the others along.
#include "hc/settle/ledger.hpp"
#include "temp_dir.hpp"

#include <atomic>
#include <doctest/doctest.h>
#include <thread>
#include <vector>

using namespace hc::settle;

namespace {

void insertClaim(StoreTransaction& tx, int i) {
    SettlementRecord r;
    r.requestId = "r" + std::to_string(i);
    r.terminal = "T";
    r.visitId = "V" + std::to_string(i);
    r.chrgBchno = "B";
    r.msgid = "M" + std::to_string(i);
    r.psnNo = "P";
    r.insutype = "390";
    r.setlDate = "2026-11-23";
    (void)tx.reserveRequest(r.requestId, "T", "settle", 0);
    (void)tx.insertSettlement(r);
}

} // namespace

TEST_CASE("group commit: 32 threads, every 5th rolls back; each commit is visible to another "
          "connection when commit() returns; all and only the committed rows survive") {
    test::TempDir dir;
    auto store = openSqliteLedger(dir.file("l.db"));
    std::atomic<int> notVisible { 0 };
    std::vector<std::thread> ts;
    const int threads = 32, per = 40;
    for (int t = 0; t < threads; ++t) {
        ts.emplace_back([&, t] {
            auto other = openSqliteLedger(dir.file("l.db"), SqliteOptions { false, 1 });
            for (int k = 0; k < per; ++k) {
                const int i = t * per + k;
                {
                    auto tx = store->begin();
                    insertClaim(*tx, i);
                    if (i % 5 == 0) {
                        continue; // rolled back by the destructor
                    }
                    tx->commit();
                }
                auto check = other->begin();
                if (!check->settlementByMsgid("M" + std::to_string(i))) {
                    ++notVisible;
                }
                check->commit();
            }
        });
    }
    for (auto& t : ts) {
        t.join();
    }
    CHECK(notVisible.load() == 0);
    store.reset();
    auto reopened = openSqliteLedger(dir.file("l.db"));
    auto tx = reopened->begin();
    int present = 0, wrong = 0;
    for (int i = 0; i < threads * per; ++i) {
        const bool has = tx->settlementByMsgid("M" + std::to_string(i)).has_value();
        present += has ? 1 : 0;
        wrong += has == (i % 5 == 0) ? 1 : 0;
    }
    CHECK(wrong == 0);
    CHECK(present == threads * per * 4 / 5);
}

TEST_CASE(
    "group commit: a duplicate refused inside a grouped transaction leaves the group intact") {
    test::TempDir dir;
    auto store = openSqliteLedger(dir.file("l.db"));
    {
        auto tx = store->begin();
        insertClaim(*tx, 1);
        tx->commit();
    }
    std::vector<std::thread> ts;
    std::atomic<int> dup { 0 };
    for (int t = 0; t < 8; ++t) {
        ts.emplace_back([&, t] {
            auto tx = store->begin();
            try {
                insertClaim(*tx, t % 2 == 0 ? 1 : 100 + t); // even threads repeat claim 1
                tx->commit();
            } catch (const DuplicateError&) {
                ++dup;
            }
        });
    }
    for (auto& t : ts) {
        t.join();
    }
    CHECK(dup.load() == 4);
    auto tx = store->begin();
    for (int t = 1; t < 8; t += 2) {
        CHECK(tx->settlementByMsgid("M" + std::to_string(100 + t)).has_value());
    }
}

TEST_CASE("reader connections: a snapshot sees every committed row, runs beside an open writer, "
          "and refuses to write") {
    test::TempDir dir;
    auto store = openSqliteLedger(dir.file("l.db"));
    {
        auto tx = store->begin();
        insertClaim(*tx, 1);
        tx->commit();
    }
    auto writer = store->begin(); // holds the write side
    insertClaim(*writer, 2);
    {
        auto r = store->beginRead(); // does not wait for the writer
        CHECK(r->settlementByMsgid("M1").has_value());
        CHECK_FALSE(r->settlementByMsgid("M2").has_value()); // not committed yet
        CHECK_THROWS_AS(insertClaim(*r, 3), StoreError);
    }
    writer->commit();
    auto r = store->beginRead();
    CHECK(r->settlementByMsgid("M2").has_value());
    r->commit();
}
