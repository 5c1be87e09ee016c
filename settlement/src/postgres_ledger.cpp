// PostgreSQL (libpq) implementation of the ledger store, for several settlementd instances on
// one database: the schema and the connection pool; the rows are written once, in
// ledger_rows.cpp, over hc::sql. Same unique indexes and semantics as the SQLite store:
// - idempotency by unique indexes (INSERT ... ON CONFLICT DO NOTHING, or a savepoint around the
//   INSERT so that a refused row leaves the transaction usable, as on SQLite);
// - READ COMMITTED transactions, rolled back by the destructor unless committed;
// - the outbox lease locks its rows with FOR UPDATE SKIP LOCKED and marks them SENT with an owner
//   and a lease end in the same transaction, so two dispatchers never get the same entry;
// - getDoc locks the document row (FOR UPDATE) so read-modify-write of a document (running
//   totals) is serialized between instances.
#include "hc/base/sql/dialect.hpp"
#include "hc/base/sql/transaction.hpp"
#include "hc/settle/error.hpp"
#include "hc/settle/ledger.hpp"
#include "ledger_rows.hpp"

#include <condition_variable>
#include <mutex>

namespace hc::settle {

namespace {

const char* kPgSchema = R"SQL(
CREATE TABLE IF NOT EXISTS requests(
  request_id TEXT PRIMARY KEY, terminal TEXT NOT NULL, call TEXT NOT NULL,
  reply TEXT, created_ms BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS settlements(
  id BIGSERIAL PRIMARY KEY, request_id TEXT, terminal TEXT NOT NULL, visit_id TEXT NOT NULL,
  chrg_bchno TEXT NOT NULL, msgid TEXT NOT NULL, setl_id TEXT, psn_no TEXT NOT NULL,
  insutype TEXT NOT NULL, clr_type TEXT NOT NULL, status TEXT NOT NULL,
  provisional BIGINT NOT NULL, medfee BIGINT NOT NULL, fund BIGINT NOT NULL,
  acct BIGINT NOT NULL, cash BIGINT NOT NULL, hosp BIGINT NOT NULL, split TEXT,
  setl_date TEXT NOT NULL, created_ms BIGINT NOT NULL,
  CONSTRAINT settlements_msgid UNIQUE(msgid),
  CONSTRAINT settlements_setl_id UNIQUE(setl_id),
  CONSTRAINT settlements_batch UNIQUE(visit_id, chrg_bchno));
CREATE INDEX IF NOT EXISTS settlements_date ON settlements(setl_date);
CREATE TABLE IF NOT EXISTS outbox(
  seq BIGSERIAL PRIMARY KEY, msgid TEXT NOT NULL, infno TEXT NOT NULL,
  visit_id TEXT NOT NULL, state TEXT NOT NULL, payload TEXT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0, next_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL,
  ref_msgid TEXT, reply TEXT, last_error TEXT, owner TEXT, lease_ms BIGINT NOT NULL DEFAULT 0,
  CONSTRAINT outbox_msgid UNIQUE(msgid));
CREATE UNIQUE INDEX IF NOT EXISTS outbox_one_reversal ON outbox(ref_msgid) WHERE infno = '2601';
CREATE INDEX IF NOT EXISTS outbox_state ON outbox(state, next_ms);
CREATE INDEX IF NOT EXISTS outbox_visit ON outbox(visit_id, seq);
CREATE TABLE IF NOT EXISTS adjustments(
  id BIGSERIAL PRIMARY KEY, msgid TEXT NOT NULL, terminal TEXT NOT NULL, amount BIGINT NOT NULL,
  reason TEXT NOT NULL, status TEXT NOT NULL, created_ms BIGINT NOT NULL, UNIQUE(msgid, reason));
CREATE TABLE IF NOT EXISTS audit(
  id BIGSERIAL PRIMARY KEY, at_ms BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
  subject TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_action ON audit(action);
CREATE TABLE IF NOT EXISTS docs(kind TEXT NOT NULL, key TEXT NOT NULL, json TEXT NOT NULL,
  PRIMARY KEY(kind, key));
CREATE INDEX IF NOT EXISTS settlements_terminal ON settlements(terminal, setl_date);
)SQL";

// Advisory lock key that serializes schema creation between instances starting together.
constexpr const char* kSchemaLock = "SELECT pg_advisory_xact_lock(7243101)";

// A connection of the store. `createSchema`: the store's first connection creates the schema
// (under the advisory lock); the pool's later ones find it.
std::unique_ptr<sql::Connection> connect(const std::string& conninfo, bool createSchema) {
    auto c = sql::openPostgres(conninfo, [](const sql::Failure& f) {
        if (f.stage == sql::Failure::Stage::Open) {
            throw StoreError("cannot connect to the PostgreSQL ledger: " + f.message);
        }
        detail::ledgerRaise()(f);
    });
    if (createSchema) {
        sql::Transaction tx(*c, sql::Access::Read); // a plain BEGIN
        c->exec(kSchemaLock);
        c->exec(kPgSchema);
        tx.commit();
    }
    return c;
}

// Up to `max` connections, made on demand; a transaction takes a free one for its whole life.
// Concurrent transactions are isolated by PostgreSQL itself (row locks, unique indexes), exactly
// as between two settlementd instances on one database.
class Pool {
public:
    Pool(std::string conninfo, std::size_t max)
        : m_conninfo(std::move(conninfo))
        , m_max(std::max<std::size_t>(1, max)) {
        m_free.push_back(connect(m_conninfo, true));
        m_open = 1;
    }

    std::unique_ptr<sql::Connection> acquire() {
        std::unique_lock lock(m_mutex);
        m_freed.wait(lock, [&] { return !m_free.empty() || m_open < m_max; });
        if (!m_free.empty()) {
            auto c = std::move(m_free.back());
            m_free.pop_back();
            return c;
        }
        ++m_open; // reserved; connect outside the lock
        lock.unlock();
        try {
            return connect(m_conninfo, false);
        } catch (...) {
            lock.lock();
            --m_open;
            m_freed.notify_one();
            throw;
        }
    }

    void release(std::unique_ptr<sql::Connection> c) noexcept {
        std::lock_guard lock(m_mutex);
        if (c->healthy()) {
            m_free.push_back(std::move(c));
        } else {
            --m_open; // a broken connection is dropped; the next acquire() makes a new one
        }
        m_freed.notify_one();
    }

private:
    const std::string m_conninfo;
    const std::size_t m_max;
    std::mutex m_mutex;
    std::condition_variable m_freed;
    std::vector<std::unique_ptr<sql::Connection>> m_free;
    std::size_t m_open = 0;
};

class PgTx final : public detail::LedgerRows {
public:
    explicit PgTx(Pool& pool)
        : PgTx(pool, pool.acquire()) { }
    ~PgTx() override {
        if (!m_done) {
            connection().execQuietly("ROLLBACK");
        }
        if (m_conn) {
            m_pool.release(std::move(m_conn));
        }
    }

    void commit() override {
        connection().exec("COMMIT");
        m_done = true;
        m_pool.release(std::move(m_conn));
    }

private:
    PgTx(Pool& pool, std::unique_ptr<sql::Connection> conn)
        : LedgerRows(*conn)
        , m_pool(pool)
        , m_conn(std::move(conn)) {
        try {
            connection().exec(sql::beginWrite(sql::Dialect::Postgres));
        } catch (...) {
            m_pool.release(std::move(m_conn));
            throw;
        }
    }

    Pool& m_pool;
    std::unique_ptr<sql::Connection> m_conn; // null once given back (commit)
    bool m_done = false;
};

class PostgresLedger final : public LedgerStore {
public:
    PostgresLedger(const std::string& conninfo, PostgresOptions options)
        : m_pool(conninfo, options.connections) { }
    std::unique_ptr<StoreTransaction> begin() override { return std::make_unique<PgTx>(m_pool); }

private:
    Pool m_pool;
};

} // namespace

std::unique_ptr<LedgerStore> openPostgresLedger(
    const std::string& conninfo, PostgresOptions options) {
    return std::make_unique<PostgresLedger>(conninfo, options);
}

} // namespace hc::settle
