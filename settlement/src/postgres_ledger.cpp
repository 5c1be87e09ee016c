// PostgreSQL (libpq) implementation of the ledger store, for several settlementd instances on
// one database. Same schema, unique indexes and semantics as the SQLite store:
// - idempotency by unique indexes (INSERT ... ON CONFLICT DO NOTHING, or a savepoint around the
//   INSERT so that a refused row leaves the transaction usable, as on SQLite);
// - READ COMMITTED transactions, rolled back by the destructor unless committed;
// - the outbox lease locks its rows with FOR UPDATE SKIP LOCKED and marks them SENT with an owner
//   and a lease end in the same transaction, so two dispatchers never get the same entry;
// - getDoc locks the document row (FOR UPDATE) so read-modify-write of a document (running
//   totals) is serialized between instances.
#include "hc/settle/error.hpp"
#include "hc/settle/ledger.hpp"

#include <array>
#include <condition_variable>
#include <libpq-fe.h>
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

// A parameter: text, or NULL when `null` is set.
struct P {
    std::string text;
    bool null = false;
    P(const std::string& s) // NOLINT(google-explicit-constructor)
    : text(s) { }
    P(const char* s) // NOLINT(google-explicit-constructor)
    : text(s) { }
    P(std::int64_t v) // NOLINT(google-explicit-constructor)
    : text(std::to_string(v)) { }
    static P opt(const std::string& s) {
        P p(s);
        p.null = s.empty();
        return p;
    }
};

// A result; owns the PGresult.
class R {
public:
    explicit R(PGresult* r)
        : m_r(r) { }
    ~R() { ::PQclear(m_r); }
    R(R&& o)
    noexcept
        : m_r(o.m_r) {
        o.m_r = nullptr;
    }
    R(const R&) = delete;
    R& operator=(const R&) = delete;
    R& operator=(R&&) = delete;
    bool ok() const {
        const auto st = ::PQresultStatus(m_r);
        return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    }
    std::string field(int code) const {
        const char* f = ::PQresultErrorField(m_r, code);
        return f ? f : "";
    }
    std::string error() const { return m_r ? ::PQresultErrorMessage(m_r) : "no result"; }
    int rows() const { return ::PQntuples(m_r); }
    std::string text(int row, int c) const {
        if (::PQgetisnull(m_r, row, c)) {
            return {};
        }
        return std::string(
            ::PQgetvalue(m_r, row, c), static_cast<std::size_t>(::PQgetlength(m_r, row, c)));
    }
    std::int64_t i64(int row, int c) const {
        if (::PQgetisnull(m_r, row, c)) {
            return 0;
        }
        return std::stoll(::PQgetvalue(m_r, row, c));
    }
    std::int64_t affected() const {
        const char* n = ::PQcmdTuples(m_r);
        return (n && *n) ? std::stoll(n) : 0;
    }

private:
    PGresult* m_r;
};

class Conn {
public:
    // `createSchema`: the store's first connection creates the schema (under the advisory lock);
    // the pool's later ones find it.
    Conn(const std::string& conninfo, bool createSchema)
        : m_c(::PQconnectdb(conninfo.c_str())) {
        if (!m_c || ::PQstatus(m_c) != CONNECTION_OK) {
            const std::string msg = m_c ? ::PQerrorMessage(m_c) : "out of memory";
            ::PQfinish(m_c);
            throw StoreError("cannot connect to the PostgreSQL ledger: " + msg);
        }
        try {
            exec("SET client_min_messages = warning");
            if (createSchema) {
                exec("BEGIN");
                exec(kSchemaLock);
                exec(kPgSchema);
                exec("COMMIT");
            }
        } catch (...) {
            rollbackQuietly();
            ::PQfinish(m_c);
            throw;
        }
    }
    ~Conn() { ::PQfinish(m_c); }
    Conn(const Conn&) = delete;
    Conn& operator=(const Conn&) = delete;

    // Run statements without parameters.
    void exec(const char* sql) {
        R r(::PQexec(m_c, sql));
        if (!r.ok()) {
            throw StoreError("postgresql: " + r.error());
        }
    }
    void rollbackQuietly() noexcept { ::PQclear(::PQexec(m_c, "ROLLBACK")); }

    // Run a parameterized statement; throws StoreError on any error.
    R query(const char* sql, const std::vector<P>& params) {
        R r = run(sql, params);
        if (!r.ok()) {
            throw StoreError("postgresql: " + r.error());
        }
        return r;
    }

    // Run a statement inside a savepoint. A unique violation rolls back to the savepoint (the
    // transaction stays usable, as on SQLite) and returns the constraint name in `constraint`.
    R guarded(const char* sql, const std::vector<P>& params, std::string& constraint) {
        exec("SAVEPOINT hc_guard");
        R r = run(sql, params);
        if (r.ok()) {
            exec("RELEASE SAVEPOINT hc_guard");
            return r;
        }
        const std::string state = r.field(PG_DIAG_SQLSTATE);
        exec("ROLLBACK TO SAVEPOINT hc_guard");
        exec("RELEASE SAVEPOINT hc_guard");
        if (state == "23505") {
            constraint = r.field(PG_DIAG_CONSTRAINT_NAME);
            if (constraint.empty()) {
                constraint = "unique";
            }
            return r;
        }
        throw StoreError("postgresql: " + r.error());
    }

    // False once the server closed the connection (restart, network): the pool drops it.
    bool healthy() const noexcept { return ::PQstatus(m_c) == CONNECTION_OK; }

private:
    R run(const char* sql, const std::vector<P>& params) {
        std::vector<const char*> values;
        values.reserve(params.size());
        for (const auto& p : params) {
            values.push_back(p.null ? nullptr : p.text.c_str());
        }
        return R(::PQexecParams(m_c, sql, static_cast<int>(params.size()), nullptr,
            values.empty() ? nullptr : values.data(), nullptr, nullptr, 0));
    }

    PGconn* m_c;
};

// Up to `max` connections, made on demand; a transaction takes a free one for its whole life.
// Concurrent transactions are isolated by PostgreSQL itself (row locks, unique indexes), exactly
// as between two settlementd instances on one database.
class Pool {
public:
    Pool(std::string conninfo, std::size_t max)
        : m_conninfo(std::move(conninfo))
        , m_max(std::max<std::size_t>(1, max)) {
        m_free.push_back(std::make_unique<Conn>(m_conninfo, true));
        m_open = 1;
    }

    std::unique_ptr<Conn> acquire() {
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
            return std::make_unique<Conn>(m_conninfo, false);
        } catch (...) {
            lock.lock();
            --m_open;
            m_freed.notify_one();
            throw;
        }
    }

    void release(std::unique_ptr<Conn> c) noexcept {
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
    std::vector<std::unique_ptr<Conn>> m_free;
    std::size_t m_open = 0;
};

const char* kPgSettlementCols = "id, request_id, terminal, visit_id, chrg_bchno, msgid, setl_id, "
                                "psn_no, insutype, clr_type, status, provisional, medfee, fund, "
                                "acct, cash, hosp, split, setl_date, created_ms";

SettlementRecord readSettlement(const R& q, int i) {
    SettlementRecord r;
    r.id = q.i64(i, 0);
    r.requestId = q.text(i, 1);
    r.terminal = q.text(i, 2);
    r.visitId = q.text(i, 3);
    r.chrgBchno = q.text(i, 4);
    r.msgid = q.text(i, 5);
    r.setlId = q.text(i, 6);
    r.psnNo = q.text(i, 7);
    r.insutype = q.text(i, 8);
    r.clrType = q.text(i, 9);
    r.status = parseSettlementStatus(q.text(i, 10)).value_or(SettlementStatus::Pending);
    r.provisional = q.i64(i, 11) != 0;
    r.medfee = q.i64(i, 12);
    r.fund = q.i64(i, 13);
    r.acct = q.i64(i, 14);
    r.cash = q.i64(i, 15);
    r.hosp = q.i64(i, 16);
    r.splitJson = q.text(i, 17);
    r.setlDate = q.text(i, 18);
    r.createdMs = q.i64(i, 19);
    return r;
}

std::vector<SettlementRecord> readSettlements(const R& q) {
    std::vector<SettlementRecord> out;
    for (int i = 0; i < q.rows(); ++i) {
        out.push_back(readSettlement(q, i));
    }
    return out;
}

#define PG_OUTBOX_COLS                                                                             \
    "seq, msgid, infno, visit_id, state, payload, attempts, next_ms, expires_ms, ref_msgid, "      \
    "reply, last_error, owner, lease_ms"

std::vector<OutboxEntry> readOutbox(const R& q) {
    std::vector<OutboxEntry> out;
    for (int i = 0; i < q.rows(); ++i) {
        OutboxEntry e;
        e.seq = q.i64(i, 0);
        e.msgid = q.text(i, 1);
        e.infno = q.text(i, 2);
        e.visitId = q.text(i, 3);
        e.state = parseOutboxState(q.text(i, 4)).value_or(OutboxState::ManualReview);
        e.payload = q.text(i, 5);
        e.attempts = static_cast<int>(q.i64(i, 6));
        e.nextMs = q.i64(i, 7);
        e.expiresMs = q.i64(i, 8);
        e.refMsgid = q.text(i, 9);
        e.reply = q.text(i, 10);
        e.lastError = q.text(i, 11);
        e.owner = q.text(i, 12);
        e.leaseMs = q.i64(i, 13);
        out.push_back(std::move(e));
    }
    return out;
}

P lim(std::size_t n) {
    return P(static_cast<std::int64_t>(n));
}

class PgTx final : public StoreTransaction {
public:
    explicit PgTx(Pool& pool)
        : m_pool(pool)
        , m_conn(pool.acquire())
        , m_c(*m_conn) {
        try {
            m_c.exec("BEGIN ISOLATION LEVEL READ COMMITTED");
        } catch (...) {
            m_pool.release(std::move(m_conn));
            throw;
        }
    }
    ~PgTx() override {
        if (!m_done) {
            m_c.rollbackQuietly();
        }
        if (m_conn) {
            m_pool.release(std::move(m_conn));
        }
    }

    void commit() override {
        m_c.exec("COMMIT");
        m_done = true;
        m_pool.release(std::move(m_conn));
    }

    RequestSlot reserveRequest(const std::string& requestId, const std::string& terminal,
        const std::string& call, std::int64_t nowMs) override {
        // Blocks while another instance holds an uncommitted reservation of the same id.
        const R ins = m_c.query("INSERT INTO requests(request_id, terminal, call, created_ms) "
                                "VALUES($1,$2,$3,$4) ON CONFLICT(request_id) DO NOTHING",
            { requestId, terminal, call, nowMs });
        if (ins.affected() == 1) {
            return RequestSlot { true, {} };
        }
        const R sel = m_c.query(
            "SELECT reply, terminal, call FROM requests WHERE request_id = $1", { requestId });
        RequestSlot slot;
        if (sel.rows() > 0) {
            if (sel.text(0, 1) != terminal) {
                throw DuplicateError("request", "request id used by another terminal");
            }
            if (sel.text(0, 2) != call) {
                throw DuplicateError("request", "request id used before with another call or body");
            }
            slot.reply = sel.text(0, 0);
        }
        return slot;
    }

    std::optional<std::pair<std::string, std::string>> requestKey(
        const std::string& requestId) override {
        const R sel
            = m_c.query("SELECT terminal, call FROM requests WHERE request_id = $1", { requestId });
        if (sel.rows() > 0) {
            return std::make_pair(sel.text(0, 0), sel.text(0, 1));
        }
        return std::nullopt;
    }

    void setRequestReply(const std::string& requestId, const std::string& reply) override {
        m_c.query("UPDATE requests SET reply = $1 WHERE request_id = $2", { reply, requestId });
    }

    std::int64_t insertSettlement(const SettlementRecord& r) override {
        std::string constraint;
        const R q = m_c.guarded(
            "INSERT INTO settlements(request_id, terminal, visit_id, chrg_bchno, msgid, setl_id, "
            "psn_no, insutype, clr_type, status, provisional, medfee, fund, acct, cash, hosp, "
            "split, setl_date, created_ms) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,"
            "$15,$16,$17,$18,$19) RETURNING id",
            { r.requestId, r.terminal, r.visitId, r.chrgBchno, r.msgid, P::opt(r.setlId), r.psnNo,
                r.insutype, r.clrType, settlementStatusName(r.status),
                std::int64_t { r.provisional ? 1 : 0 }, r.medfee, r.fund, r.acct, r.cash, r.hosp,
                r.splitJson, r.setlDate, r.createdMs },
            constraint);
        if (!constraint.empty()) {
            if (constraint == "settlements_batch") {
                throw DuplicateError("batch", r.visitId + "/" + r.chrgBchno);
            }
            if (constraint == "settlements_setl_id") {
                throw DuplicateError("setl_id", r.setlId);
            }
            throw DuplicateError("msgid", r.msgid);
        }
        return q.i64(0, 0);
    }

    void updateSettlement(const SettlementRecord& r) override {
        std::string constraint;
        m_c.guarded("UPDATE settlements SET setl_id = $1, status = $2, provisional = $3, "
                    "medfee = $4, fund = $5, acct = $6, cash = $7, hosp = $8, split = $9, "
                    "setl_date = $10 WHERE msgid = $11",
            { P::opt(r.setlId), settlementStatusName(r.status),
                std::int64_t { r.provisional ? 1 : 0 }, r.medfee, r.fund, r.acct, r.cash, r.hosp,
                r.splitJson, r.setlDate, r.msgid },
            constraint);
        if (!constraint.empty()) {
            throw DuplicateError("setl_id", r.setlId);
        }
    }

    std::optional<SettlementRecord> settlementByMsgid(const std::string& msgid) override {
        static const std::string sql
            = std::string("SELECT ") + kPgSettlementCols + " FROM settlements WHERE msgid = $1";
        const R q = m_c.query(sql.c_str(), { msgid });
        if (q.rows() > 0) {
            return readSettlement(q, 0);
        }
        return std::nullopt;
    }

    std::vector<SettlementRecord> settlementsOfDay(const std::string& date) override {
        static const std::string sql = std::string("SELECT ") + kPgSettlementCols
            + " FROM settlements WHERE setl_date = $1 ORDER BY id";
        return readSettlements(m_c.query(sql.c_str(), { date }));
    }

    Fen provisionalExposure() override {
        const R q = m_c.query(
            "SELECT COALESCE(SUM(fund), 0) FROM settlements WHERE status = 'PROVISIONAL'", {});
        return q.i64(0, 0);
    }

    std::int64_t insertOutbox(const OutboxEntry& e) override {
        std::string constraint;
        const R q = m_c.guarded(
            "INSERT INTO outbox(msgid, infno, visit_id, state, payload, attempts, next_ms, "
            "expires_ms, ref_msgid) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING seq",
            { e.msgid, e.infno, e.visitId, stateName(e.state), e.payload,
                std::int64_t { e.attempts }, e.nextMs, e.expiresMs, P::opt(e.refMsgid) },
            constraint);
        if (!constraint.empty()) {
            const bool reversal = constraint == "outbox_one_reversal";
            throw DuplicateError(reversal ? "reversal" : "msgid", reversal ? e.refMsgid : e.msgid);
        }
        return q.i64(0, 0);
    }

    void updateOutbox(const OutboxEntry& e) override {
        m_c.query("UPDATE outbox SET state = $1, attempts = $2, next_ms = $3, expires_ms = $4, "
                  "reply = $5, last_error = $6, owner = $7, lease_ms = $8 WHERE msgid = $9",
            { stateName(e.state), std::int64_t { e.attempts }, e.nextMs, e.expiresMs,
                P::opt(e.reply), P::opt(e.lastError), P::opt(e.owner), e.leaseMs, e.msgid });
    }

    void renameOutbox(
        const std::string& from, const std::string& to, const std::string& payload) override {
        std::string constraint;
        (void)m_c.guarded("UPDATE outbox SET msgid = $1, payload = $2 WHERE msgid = $3",
            { to, payload, from }, constraint);
        if (!constraint.empty()) {
            throw DuplicateError("msgid", to);
        }
    }

    void renameSettlement(const std::string& from, const std::string& to) override {
        std::string constraint;
        (void)m_c.guarded(
            "UPDATE settlements SET msgid = $1 WHERE msgid = $2", { to, from }, constraint);
        if (!constraint.empty()) {
            throw DuplicateError("msgid", to);
        }
    }

    std::optional<OutboxEntry> outboxByMsgid(const std::string& msgid) override {
        auto v = readOutbox(
            m_c.query("SELECT " PG_OUTBOX_COLS " FROM outbox WHERE msgid = $1", { msgid }));
        if (v.empty()) {
            return std::nullopt;
        }
        return std::move(v.front());
    }

    std::vector<OutboxEntry> leaseDispatchable(std::int64_t nowMs, std::size_t limit,
        const std::string& owner, std::int64_t leaseMs) override {
        // Rows another dispatcher has locked (leasing right now) are skipped; a row whose lease
        // committed meanwhile is re-checked against state = 'NEW' and dropped.
        auto out = readOutbox(m_c.query(
            "SELECT " PG_OUTBOX_COLS " FROM outbox o WHERE o.state = 'NEW' AND o.next_ms <= $1 "
            "AND o.lease_ms <= $2 AND NOT EXISTS (SELECT 1 FROM outbox p WHERE "
            "p.visit_id = o.visit_id AND p.seq < o.seq AND p.state IN "
            "('NEW','SENT','UNKNOWN','RESOLVING','UNRESOLVED')) ORDER BY o.seq LIMIT $3 "
            "FOR UPDATE OF o SKIP LOCKED",
            { nowMs, nowMs, lim(limit) }));
        for (auto& e : out) {
            e.state = nextState(e.state, OutboxEvent::Dispatch);
            e.attempts += 1;
            e.owner = owner;
            e.leaseMs = nowMs + leaseMs;
            updateOutbox(e);
        }
        return out;
    }

    std::vector<OutboxEntry> leaseUnknown(std::int64_t nowMs, std::size_t limit,
        const std::string& owner, std::int64_t leaseMs) override {
        auto out = readOutbox(m_c.query("SELECT " PG_OUTBOX_COLS
                                        " FROM outbox WHERE state = 'UNKNOWN' AND next_ms <= $1 "
                                        "AND lease_ms <= $2 ORDER BY seq LIMIT $3 "
                                        "FOR UPDATE SKIP LOCKED",
            { nowMs, nowMs, lim(limit) }));
        for (auto& e : out) {
            e.owner = owner;
            e.leaseMs = nowMs + leaseMs;
            updateOutbox(e);
        }
        return out;
    }

    std::vector<OutboxEntry> staleSent(std::int64_t nowMs, std::size_t limit) override {
        return readOutbox(m_c.query("SELECT " PG_OUTBOX_COLS
                                    " FROM outbox WHERE state = 'SENT' AND lease_ms < $1 "
                                    "ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED",
            { nowMs, lim(limit) }));
    }

    std::vector<OutboxEntry> expired(std::int64_t nowMs, std::size_t limit) override {
        return readOutbox(m_c.query("SELECT " PG_OUTBOX_COLS
                                    " FROM outbox WHERE state IN ('NEW','SENT','UNKNOWN') "
                                    "AND expires_ms < $1 AND lease_ms < $2 ORDER BY seq LIMIT $3 "
                                    "FOR UPDATE SKIP LOCKED",
            { nowMs, nowMs, lim(limit) }));
    }

    std::vector<OutboxEntry> outboxInState(OutboxState state, std::size_t limit) override {
        return readOutbox(m_c.query("SELECT " PG_OUTBOX_COLS
                                    " FROM outbox WHERE state = $1 ORDER BY seq LIMIT $2",
            { stateName(state), lim(limit) }));
    }

    std::map<std::string, std::int64_t> outboxDepth() override {
        const R q = m_c.query("SELECT state, COUNT(*) FROM outbox GROUP BY state", {});
        std::map<std::string, std::int64_t> out;
        for (int i = 0; i < q.rows(); ++i) {
            out[q.text(i, 0)] = q.i64(i, 1);
        }
        return out;
    }

    bool insertAdjustment(const Adjustment& a) override {
        const R q = m_c.query(
            "INSERT INTO adjustments(msgid, terminal, amount, reason, status, created_ms) "
            "VALUES($1,$2,$3,$4,$5,$6) ON CONFLICT(msgid, reason) DO NOTHING",
            { a.msgid, a.terminal, a.amount, a.reason, a.status, a.createdMs });
        return q.affected() == 1;
    }

    std::vector<Adjustment> openAdjustments(const std::string& terminal) override {
        const R q = m_c.query(
            "SELECT id, msgid, terminal, amount, reason, status, created_ms FROM adjustments "
            "WHERE status = 'OPEN' AND ($1::text = '' OR terminal = $1::text) ORDER BY id",
            { terminal });
        std::vector<Adjustment> out;
        for (int i = 0; i < q.rows(); ++i) {
            out.push_back(Adjustment { q.i64(i, 0), q.text(i, 1), q.text(i, 2), q.i64(i, 3),
                q.text(i, 4), q.text(i, 5), q.i64(i, 6) });
        }
        return out;
    }

    void putDoc(const std::string& kind, const std::string& key, const std::string& json) override {
        m_c.query("INSERT INTO docs(kind, key, json) VALUES($1,$2,$3) "
                  "ON CONFLICT(kind, key) DO UPDATE SET json = EXCLUDED.json",
            { kind, key, json });
    }

    std::optional<std::string> getDoc(const std::string& kind, const std::string& key) override {
        // FOR UPDATE: a read-modify-write of the same document by another instance waits.
        const R q = m_c.query(
            "SELECT json FROM docs WHERE kind = $1 AND key = $2 FOR UPDATE", { kind, key });
        if (q.rows() > 0) {
            return q.text(0, 0);
        }
        return std::nullopt;
    }

    bool insertDoc(
        const std::string& kind, const std::string& key, const std::string& json) override {
        const R q
            = m_c.query("INSERT INTO docs(kind, key, json) VALUES($1,$2,$3) ON CONFLICT DO NOTHING",
                { kind, key, json });
        return q.affected() == 1;
    }

    std::vector<SettlementRecord> settlementsOfTerminal(
        const std::string& terminal, const std::string& date) override {
        static const std::string sql = std::string("SELECT ") + kPgSettlementCols
            + " FROM settlements WHERE terminal = $1 AND setl_date = $2 ORDER BY id";
        return readSettlements(m_c.query(sql.c_str(), { terminal, date }));
    }

    void audit(std::int64_t nowMs, const std::string& actor, const std::string& action,
        const std::string& subject, const std::string& detail) override {
        m_c.query("INSERT INTO audit(at_ms, actor, action, subject, detail) "
                  "VALUES($1,$2,$3,$4,$5)",
            { nowMs, actor, action, subject, detail });
    }

    std::int64_t auditCount(const std::string& action) override {
        return m_c.query("SELECT COUNT(*) FROM audit WHERE action = $1", { action }).i64(0, 0);
    }

private:
    Pool& m_pool;
    std::unique_ptr<Conn> m_conn; // null once given back (commit)
    Conn& m_c;
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
