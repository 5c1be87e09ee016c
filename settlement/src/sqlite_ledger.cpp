// SQLite (WAL, synchronous=FULL) implementation of the ledger store: the schema, group commit
// and the pooled reader connections. The rows are written once, in ledger_rows.cpp.
#include "hc/base/sql/connection.hpp"
#include "hc/settle/error.hpp"
#include "hc/settle/ledger.hpp"
#include "ledger_rows.hpp"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <unordered_map>

namespace hc::settle {

namespace {

const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS requests(
  request_id TEXT PRIMARY KEY, terminal TEXT NOT NULL, call TEXT NOT NULL,
  reply TEXT, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS settlements(
  id INTEGER PRIMARY KEY, request_id TEXT, terminal TEXT NOT NULL, visit_id TEXT NOT NULL,
  chrg_bchno TEXT NOT NULL, msgid TEXT NOT NULL UNIQUE, setl_id TEXT UNIQUE, psn_no TEXT NOT NULL,
  insutype TEXT NOT NULL, clr_type TEXT NOT NULL, status TEXT NOT NULL,
  provisional INTEGER NOT NULL, medfee INTEGER NOT NULL, fund INTEGER NOT NULL,
  acct INTEGER NOT NULL, cash INTEGER NOT NULL, hosp INTEGER NOT NULL, split TEXT,
  setl_date TEXT NOT NULL, created_ms INTEGER NOT NULL, UNIQUE(visit_id, chrg_bchno));
CREATE INDEX IF NOT EXISTS settlements_date ON settlements(setl_date);
CREATE TABLE IF NOT EXISTS outbox(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, msgid TEXT NOT NULL UNIQUE, infno TEXT NOT NULL,
  visit_id TEXT NOT NULL, state TEXT NOT NULL, payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, next_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL,
  ref_msgid TEXT, reply TEXT, last_error TEXT, owner TEXT, lease_ms INTEGER NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX IF NOT EXISTS outbox_one_reversal ON outbox(ref_msgid) WHERE infno = '2601';
CREATE INDEX IF NOT EXISTS outbox_state ON outbox(state, next_ms);
CREATE INDEX IF NOT EXISTS outbox_visit ON outbox(visit_id, seq);
CREATE INDEX IF NOT EXISTS outbox_state_seq ON outbox(state, seq);
CREATE INDEX IF NOT EXISTS outbox_state_expiry ON outbox(state, expires_ms);
CREATE TABLE IF NOT EXISTS adjustments(
  id INTEGER PRIMARY KEY, msgid TEXT NOT NULL, terminal TEXT NOT NULL, amount INTEGER NOT NULL,
  reason TEXT NOT NULL, status TEXT NOT NULL, created_ms INTEGER NOT NULL, UNIQUE(msgid, reason));
CREATE TABLE IF NOT EXISTS audit(
  id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
  subject TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_action ON audit(action);
CREATE TABLE IF NOT EXISTS docs(kind TEXT NOT NULL, key TEXT NOT NULL, json TEXT NOT NULL,
  PRIMARY KEY(kind, key));
CREATE INDEX IF NOT EXISTS settlements_terminal ON settlements(terminal, setl_date);
CREATE INDEX IF NOT EXISTS settlements_status ON settlements(status, fund);
)SQL";

class Db {
public:
    // `reader`: a read-only connection of the pool; the writer's connection made the schema and
    // WAL mode already, so a reader takes no lock to open. A writer runs WAL with
    // synchronous=FULL (hc::sql::SqliteSettings::walFullSync): durable at COMMIT.
    Db(const std::string& path, SqliteOptions options, bool reader = false)
        : m_options(options)
        , m_conn(open(path, reader)) {
        if (!reader) {
            exec(kSchema);
        }
    }
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    void exec(const char* sql) { m_conn->exec(sql); }
    sql::Connection& connection() noexcept { return *m_conn; }
    bool grouped() const noexcept { return m_options.groupCommit; }

    // Take the connection for one logical transaction; opens the physical transaction of the
    // current group if none is open. The lock is held until finish().
    std::unique_lock<std::mutex> acquire() {
        ++m_waiting;
        std::unique_lock lock(m_mutex);
        --m_waiting;
        if (!m_physOpen) {
            exec("BEGIN IMMEDIATE");
            m_physOpen = true;
            ++m_group;
            m_members = 0;
        }
        return lock;
    }

    // End one logical transaction (`committed`: its changes are part of the group). Returns when
    // the group it belongs to is durable; throws StoreError if the group's COMMIT failed and
    // this transaction had committed. Without group commit: COMMIT or ROLLBACK at once.
    void finish(std::unique_lock<std::mutex>& lock, bool committed) {
        if (committed) {
            ++m_members;
        }
        const auto group = m_group;
        if (!m_conn->inTransaction()) {
            // SQLite rolled the physical transaction back itself (I/O error, full disk).
            m_physOpen = false;
            endGroup(group, m_members > 0 ? "the transaction was rolled back by SQLite" : "");
            lock.unlock();
            if (committed) {
                throw StoreError("sqlite: the group's transaction was rolled back");
            }
            return;
        }
        if (m_members == 0) { // nothing to make durable in this group
            if (!m_options.groupCommit || m_waiting.load() == 0) {
                rollbackQuietly();
                m_physOpen = false;
            }
            lock.unlock();
            return;
        }
        if (m_options.groupCommit && m_waiting.load() > 0 && m_members < m_options.maxGroup) {
            // Others are queued for the connection: the last of them commits for all.
            lock.unlock();
            std::unique_lock st(m_stateMutex);
            m_groupDone.wait(st, [&] { return m_finished >= group; });
            const auto failed = m_failed.find(group);
            if (failed != m_failed.end() && committed) {
                throw StoreError("sqlite: group commit failed: " + failed->second);
            }
            return;
        }
        std::string error;
        if (!m_conn->tryExec("COMMIT", error)) {
            rollbackQuietly();
        }
        m_physOpen = false;
        endGroup(group, error);
        lock.unlock();
        if (!error.empty() && committed) {
            throw StoreError("sqlite: commit failed: " + error);
        }
    }

private:
    static std::unique_ptr<sql::Connection> open(const std::string& path, bool reader) {
        sql::SqliteSettings settings;
        settings.queryOnly = reader;
        settings.walFullSync = !reader;
        return sql::openSqlite(path, settings, [path](const sql::Failure& f) {
            if (f.stage == sql::Failure::Stage::Open) {
                throw StoreError("cannot open ledger " + path + ": " + f.message);
            }
            detail::ledgerRaise()(f);
        });
    }
    void rollbackQuietly() noexcept { m_conn->execQuietly("ROLLBACK"); }
    void endGroup(std::uint64_t group, const std::string& error) {
        {
            std::lock_guard st(m_stateMutex);
            if (!error.empty()) {
                m_failed[group] = error;
            }
            m_finished = group;
        }
        m_groupDone.notify_all();
    }

    SqliteOptions m_options;
    std::unique_ptr<sql::Connection> m_conn;
    std::mutex m_mutex; // the connection: one logical transaction at a time
    std::atomic<int> m_waiting { 0 }; // threads queued for the connection
    bool m_physOpen = false; // a physical (BEGIN IMMEDIATE) transaction is open
    std::uint64_t m_group = 0; // number of the current (or last) physical transaction
    std::size_t m_members = 0; // committed logical transactions in it
    std::mutex m_stateMutex;
    std::condition_variable m_groupDone;
    std::uint64_t m_finished = 0; // groups up to this one are committed (or failed)
    std::unordered_map<std::uint64_t, std::string> m_failed; // failed groups (rare)
};

struct ReaderTag { };

class SqliteTx final : public detail::LedgerRows {
public:
    // A read-only transaction on a reader connection of the pool (WAL snapshot, runs beside the
    // writer); `release` gives the connection back.
    SqliteTx(Db& db, std::function<void()> release, ReaderTag)
        : LedgerRows(db.connection())
        , m_db(db)
        , m_release(std::move(release)) {
        try {
            m_db.exec("BEGIN");
        } catch (...) {
            m_release();
            throw;
        }
    }
    explicit SqliteTx(Db& db)
        : LedgerRows(db.connection())
        , m_db(db)
        , m_lock(db.acquire()) {
        if (m_db.grouped()) {
            try {
                m_db.exec("SAVEPOINT lt");
            } catch (...) {
                m_done = true;
                m_db.finish(m_lock, false);
                throw;
            }
        }
    }
    ~SqliteTx() override {
        if (m_release) {
            if (!m_done) {
                m_db.connection().execQuietly("ROLLBACK");
            }
            m_release();
            return;
        }
        if (!m_done) {
            if (m_db.grouped()) {
                m_db.connection().execQuietly("ROLLBACK TO lt; RELEASE lt");
            }
            try {
                m_db.finish(m_lock, false);
            } catch (...) { // a destructor does not throw; committed members get the error
            }
        }
    }

    // Durable before it returns: with group commit, this logical transaction is RELEASEd into the
    // group's physical transaction and commit() waits for that transaction's COMMIT (one fsync
    // for the whole group).
    void commit() override {
        if (m_release) {
            m_db.exec("COMMIT"); // a reader: ends the snapshot, no fsync
            m_done = true;
            return;
        }
        m_done = true;
        if (m_db.grouped()) {
            try {
                m_db.exec("RELEASE lt");
            } catch (...) {
                m_db.connection().execQuietly("ROLLBACK TO lt; RELEASE lt");
                m_db.finish(m_lock, false);
                throw;
            }
        }
        m_db.finish(m_lock, true);
    }

private:
    Db& m_db;
    std::function<void()> m_release; // set for a reader
    std::unique_lock<std::mutex> m_lock;
    bool m_done = false;
};

class SqliteLedger final : public LedgerStore {
public:
    SqliteLedger(const std::string& path, SqliteOptions options)
        : m_path(path)
        , m_readerConnections(options.readerConnections)
        , m_db(path, options) { }
    std::unique_ptr<StoreTransaction> begin() override { return std::make_unique<SqliteTx>(m_db); }

    std::unique_ptr<StoreTransaction> beginRead() override {
        if (!m_readerConnections) {
            return begin();
        }
        std::unique_ptr<Db> db;
        {
            std::lock_guard lock(m_poolMutex);
            if (!m_readers.empty()) {
                db = std::move(m_readers.back());
                m_readers.pop_back();
            }
        }
        if (!db) {
            db = std::make_unique<Db>(m_path, SqliteOptions { false, 1, false }, true);
        }
        Db* raw = db.release();
        return std::make_unique<SqliteTx>(
            *raw,
            [this, raw] {
                std::unique_ptr<Db> back(raw);
                std::lock_guard lock(m_poolMutex);
                if (m_readers.size() < 128) {
                    m_readers.push_back(std::move(back));
                }
            },
            ReaderTag {});
    }

private:
    std::string m_path;
    bool m_readerConnections;
    Db m_db;
    std::mutex m_poolMutex;
    std::vector<std::unique_ptr<Db>> m_readers; // idle reader connections
};

} // namespace

std::unique_ptr<LedgerStore> openSqliteLedger(const std::string& path, SqliteOptions options) {
    if (options.maxGroup == 0) {
        options.maxGroup = 1;
    }
    return std::make_unique<SqliteLedger>(path, options);
}

std::unique_ptr<LedgerStore> openLedger(
    const std::string& location, SqliteOptions options, PostgresOptions pg) {
    if (location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0) {
        return openPostgresLedger(location, pg);
    }
    return openSqliteLedger(location, options);
}

} // namespace hc::settle
