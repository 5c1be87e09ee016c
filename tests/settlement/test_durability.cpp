// Durability of the SQLite ledger, observed rather than assumed: a settlement whose commit()
// returned must be on disk if the power fails at that very moment. PowerLossVfs keeps, per file,
// only what was fsynced; a crash copy taken right after commit() returns is what a restarted
// machine would find. (kill -9 cannot show this: the kernel keeps the page cache.)
#include "hc/settle/ledger.hpp"
#include "hc/testing/power_loss_vfs.hpp"
#include "temp_dir.hpp"

#include <atomic>
#include <doctest/doctest.h>
#include <sqlite3.h>
#include <thread>
#include <vector>

using namespace hc::settle;

namespace {

void insertClaim(StoreTransaction& tx, const std::string& id) {
    SettlementRecord r;
    r.requestId = "r" + id;
    r.terminal = "T";
    r.visitId = "V" + id;
    r.chrgBchno = "B";
    r.msgid = "M" + id;
    r.psnNo = "P";
    r.insutype = "390";
    r.setlDate = "2026-11-23";
    (void)tx.reserveRequest(r.requestId, "T", "settle", 0);
    (void)tx.insertSettlement(r);
}

/** Whether the database at `path` (opened with the real VFS) holds the settlement `msgid`. */
bool holds(const std::filesystem::path& path, const std::string& msgid) {
    if (!std::filesystem::exists(path)) {
        return false;
    }
    sqlite3* db = nullptr;
    bool found = false;
    if (::sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, "unix") == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        if (::sqlite3_prepare_v2(db, "SELECT 1 FROM settlements WHERE msgid=?", -1, &st, nullptr)
            == SQLITE_OK) {
            ::sqlite3_bind_text(st, 1, msgid.c_str(), -1, SQLITE_TRANSIENT);
            found = ::sqlite3_step(st) == SQLITE_ROW;
        }
        ::sqlite3_finalize(st);
    }
    ::sqlite3_close(db);
    return found;
}

/** `threads` × `per` settlements; after each commit() returns, a power cut is simulated at that
 * moment and the settlement looked for in what survived. Returns the number missing. */
int missingAfterPowerCuts(hc::testing::PowerLossVfs& vfs, const std::filesystem::path& db,
    const std::filesystem::path& crashes, LedgerStore& store, int threads, int per) {
    std::atomic<int> missing { 0 };
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t) {
        ts.emplace_back([&, t] {
            for (int k = 0; k < per; ++k) {
                const std::string id = std::to_string(t) + "-" + std::to_string(k);
                auto tx = store.begin();
                insertClaim(*tx, id);
                tx->commit();
                const auto copy = vfs.crashCopy(db, crashes / id);
                if (!holds(copy, "M" + id)) {
                    ++missing;
                }
            }
        });
    }
    for (auto& t : ts) {
        t.join();
    }
    return missing.load();
}

} // namespace

TEST_CASE("group commit: every settlement acknowledged by commit() survives a power cut at the "
          "moment it was acknowledged") {
    hc::testing::PowerLossVfs vfs;
    // A slow disk: each fsync takes 15 ms, so a commit() that returned before its group's fsync
    // would be seen.
    vfs.setSyncDelay(std::chrono::milliseconds(15));
    test::TempDir dir;
    const auto db = dir.file("l.db");
    auto store = openSqliteLedger(db);
    const auto before = vfs.syncs();
    const int threads = 8, per = 12;
    CHECK(missingAfterPowerCuts(vfs, db, dir.file("crash"), *store, threads, per) == 0);
    const auto syncs = vfs.syncs() - before;
    CHECK(syncs > 0);
    // Grouped: fewer fsyncs than settlements (8 writers queue behind each 15 ms fsync).
    CHECK(syncs < static_cast<std::size_t>(threads * per));
}

TEST_CASE("one commit per transaction (group commit off): acknowledged means durable too") {
    hc::testing::PowerLossVfs vfs;
    vfs.setSyncDelay(std::chrono::milliseconds(5));
    test::TempDir dir;
    const auto db = dir.file("l.db");
    auto store = openSqliteLedger(db, SqliteOptions { false, 1 });
    CHECK(missingAfterPowerCuts(vfs, db, dir.file("crash"), *store, 4, 6) == 0);
}

TEST_CASE("a rolled-back settlement is not in the crash copy, a committed one is") {
    hc::testing::PowerLossVfs vfs;
    test::TempDir dir;
    const auto db = dir.file("l.db");
    auto store = openSqliteLedger(db);
    {
        auto tx = store->begin();
        insertClaim(*tx, "rolled-back");
    } // no commit(): rolled back
    {
        auto tx = store->begin();
        insertClaim(*tx, "kept");
        tx->commit();
    }
    const auto copy = vfs.crashCopy(db, dir.file("crash"));
    CHECK(holds(copy, "Mkept"));
    CHECK_FALSE(holds(copy, "Mrolled-back"));
}
