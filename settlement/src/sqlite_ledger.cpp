// SQLite (WAL, synchronous=FULL) implementation of the ledger store.
#include "hc/settle/error.hpp"
#include "hc/settle/ledger.hpp"

#include <array>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <sqlite3.h>
#include <unordered_map>

namespace hc::settle {

namespace {
constexpr std::array<const char*, 7> kStatusNames
    = { "PENDING", "SETTLED", "PROVISIONAL", "SELF_PAY", "FAILED", "CANCELLED", "REVERSED" };
}

const char* settlementStatusName(SettlementStatus s) noexcept {
    return kStatusNames[static_cast<std::size_t>(s)];
}

std::optional<SettlementStatus> parseSettlementStatus(std::string_view text) noexcept {
    for (std::size_t i = 0; i < kStatusNames.size(); ++i) {
        if (text == kStatusNames[i]) {
            return static_cast<SettlementStatus>(i);
        }
    }
    return std::nullopt;
}

DuplicateError::DuplicateError(const std::string& what, const std::string& key)
    : Error("store.duplicate", "duplicate " + what + ": " + key, NextStep::FixInput)
    , m_what(what) {
}

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
    // WAL mode already, so a reader takes no lock to open.
    Db(const std::string& path, SqliteOptions options, bool reader = false)
        : m_options(options) {
        if (::sqlite3_open_v2(path.c_str(), &m_db,
                SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr)
            != SQLITE_OK) {
            const std::string msg = m_db ? ::sqlite3_errmsg(m_db) : "out of memory";
            ::sqlite3_close(m_db);
            throw StoreError("cannot open ledger " + path + ": " + msg);
        }
        ::sqlite3_busy_timeout(m_db, 10000);
        if (reader) {
            exec("PRAGMA query_only=1");
            return;
        }
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=FULL");
        exec(kSchema);
    }
    ~Db() {
        for (auto& [sql, stmt] : m_cache) {
            ::sqlite3_finalize(stmt);
        }
        ::sqlite3_close(m_db);
    }
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    void exec(const char* sql) {
        char* err = nullptr;
        if (::sqlite3_exec(m_db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
            std::string msg = err ? err : "?";
            ::sqlite3_free(err);
            throw StoreError(std::string("sqlite: ") + msg);
        }
    }
    sqlite3_stmt* prepare(const char* sql) {
        auto it = m_cache.find(sql);
        if (it != m_cache.end()) {
            ::sqlite3_reset(it->second);
            ::sqlite3_clear_bindings(it->second);
            return it->second;
        }
        sqlite3_stmt* stmt = nullptr;
        if (::sqlite3_prepare_v2(m_db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
            throw StoreError(std::string("sqlite prepare: ") + ::sqlite3_errmsg(m_db));
        }
        m_cache.emplace(sql, stmt);
        return stmt;
    }
    sqlite3* handle() const noexcept { return m_db; }
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
        if (::sqlite3_get_autocommit(m_db) != 0) {
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
        char* err = nullptr;
        if (::sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, &err) != SQLITE_OK) {
            error = err ? err : "?";
            rollbackQuietly();
        }
        ::sqlite3_free(err);
        m_physOpen = false;
        endGroup(group, error);
        lock.unlock();
        if (!error.empty() && committed) {
            throw StoreError("sqlite: commit failed: " + error);
        }
    }

private:
    void rollbackQuietly() noexcept {
        char* err = nullptr;
        ::sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, &err);
        ::sqlite3_free(err);
    }
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
    sqlite3* m_db = nullptr;
    std::unordered_map<const char*, sqlite3_stmt*> m_cache;
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

// A prepared statement in use: bind by position (1-based), step, read columns.
class Q {
public:
    Q(Db& db, const char* sql)
        : m_db(db)
        , m_stmt(db.prepare(sql)) { }
    ~Q() { ::sqlite3_reset(m_stmt); }
    Q(const Q&) = delete;
    Q& operator=(const Q&) = delete;
    Q& bind(int i, const std::string& v) {
        ::sqlite3_bind_text(m_stmt, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Q& bindOptText(int i, const std::string& v) {
        if (v.empty()) {
            ::sqlite3_bind_null(m_stmt, i);
            return *this;
        }
        return bind(i, v);
    }
    Q& bind(int i, std::int64_t v) {
        ::sqlite3_bind_int64(m_stmt, i, v);
        return *this;
    }
    // true while a row is available; throws on error; reports constraint violations.
    bool step() {
        const int rc = ::sqlite3_step(m_stmt);
        if (rc == SQLITE_ROW) {
            return true;
        }
        if (rc == SQLITE_DONE) {
            return false;
        }
        if (rc == SQLITE_CONSTRAINT) {
            m_constraint = ::sqlite3_errmsg(m_db.handle());
            return false;
        }
        throw StoreError(std::string("sqlite: ") + ::sqlite3_errmsg(m_db.handle()));
    }
    const std::string& constraint() const noexcept { return m_constraint; }
    std::string text(int c) const {
        const auto* p = ::sqlite3_column_text(m_stmt, c);
        return p ? std::string(reinterpret_cast<const char*>(p),
                   static_cast<std::size_t>(::sqlite3_column_bytes(m_stmt, c)))
                 : std::string();
    }
    std::int64_t i64(int c) const { return ::sqlite3_column_int64(m_stmt, c); }
    bool isNull(int c) const { return ::sqlite3_column_type(m_stmt, c) == SQLITE_NULL; }

private:
    Db& m_db;
    sqlite3_stmt* m_stmt;
    std::string m_constraint;
};

const char* kSettlementCols = "id, request_id, terminal, visit_id, chrg_bchno, msgid, setl_id, "
                              "psn_no, insutype, clr_type, status, provisional, medfee, fund, "
                              "acct, cash, hosp, split, setl_date, created_ms";

SettlementRecord readSettlement(const Q& q) {
    SettlementRecord r;
    r.id = q.i64(0);
    r.requestId = q.text(1);
    r.terminal = q.text(2);
    r.visitId = q.text(3);
    r.chrgBchno = q.text(4);
    r.msgid = q.text(5);
    r.setlId = q.text(6);
    r.psnNo = q.text(7);
    r.insutype = q.text(8);
    r.clrType = q.text(9);
    r.status = parseSettlementStatus(q.text(10)).value_or(SettlementStatus::Pending);
    r.provisional = q.i64(11) != 0;
    r.medfee = q.i64(12);
    r.fund = q.i64(13);
    r.acct = q.i64(14);
    r.cash = q.i64(15);
    r.hosp = q.i64(16);
    r.splitJson = q.text(17);
    r.setlDate = q.text(18);
    r.createdMs = q.i64(19);
    return r;
}

#define OUTBOX_COLS                                                                                \
    "seq, msgid, infno, visit_id, state, payload, attempts, next_ms, expires_ms, ref_msgid, "      \
    "reply, last_error, owner, lease_ms"

OutboxEntry readOutbox(const Q& q) {
    OutboxEntry e;
    e.seq = q.i64(0);
    e.msgid = q.text(1);
    e.infno = q.text(2);
    e.visitId = q.text(3);
    e.state = parseOutboxState(q.text(4)).value_or(OutboxState::ManualReview);
    e.payload = q.text(5);
    e.attempts = static_cast<int>(q.i64(6));
    e.nextMs = q.i64(7);
    e.expiresMs = q.i64(8);
    e.refMsgid = q.text(9);
    e.reply = q.text(10);
    e.lastError = q.text(11);
    e.owner = q.text(12);
    e.leaseMs = q.i64(13);
    return e;
}

struct ReaderTag { };

class SqliteTx final : public StoreTransaction {
public:
    // A read-only transaction on a reader connection of the pool (WAL snapshot, runs beside the
    // writer); `release` gives the connection back.
    SqliteTx(Db& db, std::function<void()> release, ReaderTag)
        : m_db(db)
        , m_release(std::move(release)) {
        try {
            m_db.exec("BEGIN");
        } catch (...) {
            m_release();
            throw;
        }
    }
    explicit SqliteTx(Db& db)
        : m_db(db)
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
                char* err = nullptr;
                ::sqlite3_exec(m_db.handle(), "ROLLBACK", nullptr, nullptr, &err);
                ::sqlite3_free(err);
            }
            m_release();
            return;
        }
        if (!m_done) {
            if (m_db.grouped()) {
                char* err = nullptr;
                ::sqlite3_exec(m_db.handle(), "ROLLBACK TO lt; RELEASE lt", nullptr, nullptr, &err);
                ::sqlite3_free(err);
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
                char* err = nullptr;
                ::sqlite3_exec(m_db.handle(), "ROLLBACK TO lt; RELEASE lt", nullptr, nullptr, &err);
                ::sqlite3_free(err);
                m_db.finish(m_lock, false);
                throw;
            }
        }
        m_db.finish(m_lock, true);
    }

    RequestSlot reserveRequest(const std::string& requestId, const std::string& terminal,
        const std::string& call, std::int64_t nowMs) override {
        Q ins(m_db,
            "INSERT INTO requests(request_id, terminal, call, created_ms) VALUES(?,?,?,?) "
            "ON CONFLICT(request_id) DO NOTHING");
        ins.bind(1, requestId).bind(2, terminal).bind(3, call).bind(4, nowMs).step();
        if (::sqlite3_changes(m_db.handle()) == 1) {
            return RequestSlot { true, {} };
        }
        Q sel(m_db, "SELECT reply, terminal, call FROM requests WHERE request_id = ?");
        sel.bind(1, requestId);
        RequestSlot slot;
        if (sel.step()) {
            if (sel.text(1) != terminal) {
                throw DuplicateError("request", "request id used by another terminal");
            }
            // The call column holds "<call>#<hash of the request body>" (SettlementService).
            if (sel.text(2) != call) {
                throw DuplicateError("request", "request id used before with another call or body");
            }
            slot.reply = sel.text(0);
        }
        return slot;
    }

    std::optional<std::pair<std::string, std::string>> requestKey(
        const std::string& requestId) override {
        Q sel(m_db, "SELECT terminal, call FROM requests WHERE request_id = ?");
        sel.bind(1, requestId);
        if (sel.step()) {
            return std::make_pair(sel.text(0), sel.text(1));
        }
        return std::nullopt;
    }

    void setRequestReply(const std::string& requestId, const std::string& reply) override {
        Q q(m_db, "UPDATE requests SET reply = ? WHERE request_id = ?");
        q.bind(1, reply).bind(2, requestId).step();
    }

    std::int64_t insertSettlement(const SettlementRecord& r) override {
        Q q(m_db,
            "INSERT INTO settlements(request_id, terminal, visit_id, chrg_bchno, msgid, setl_id, "
            "psn_no, insutype, clr_type, status, provisional, medfee, fund, acct, cash, hosp, "
            "split, setl_date, created_ms) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
        q.bind(1, r.requestId)
            .bind(2, r.terminal)
            .bind(3, r.visitId)
            .bind(4, r.chrgBchno)
            .bind(5, r.msgid)
            .bindOptText(6, r.setlId)
            .bind(7, r.psnNo)
            .bind(8, r.insutype)
            .bind(9, r.clrType)
            .bind(10, std::string(settlementStatusName(r.status)))
            .bind(11, std::int64_t { r.provisional ? 1 : 0 })
            .bind(12, r.medfee)
            .bind(13, r.fund)
            .bind(14, r.acct)
            .bind(15, r.cash)
            .bind(16, r.hosp)
            .bind(17, r.splitJson)
            .bind(18, r.setlDate)
            .bind(19, r.createdMs);
        q.step();
        if (!q.constraint().empty()) {
            const bool batch = q.constraint().find("visit_id") != std::string::npos;
            throw DuplicateError(
                batch ? "batch" : "msgid", batch ? r.visitId + "/" + r.chrgBchno : r.msgid);
        }
        return ::sqlite3_last_insert_rowid(m_db.handle());
    }

    void updateSettlement(const SettlementRecord& r) override {
        Q q(m_db,
            "UPDATE settlements SET setl_id = ?, status = ?, provisional = ?, medfee = ?, "
            "fund = ?, acct = ?, cash = ?, hosp = ?, split = ?, setl_date = ? WHERE msgid = ?");
        q.bindOptText(1, r.setlId)
            .bind(2, std::string(settlementStatusName(r.status)))
            .bind(3, std::int64_t { r.provisional ? 1 : 0 })
            .bind(4, r.medfee)
            .bind(5, r.fund)
            .bind(6, r.acct)
            .bind(7, r.cash)
            .bind(8, r.hosp)
            .bind(9, r.splitJson)
            .bind(10, r.setlDate)
            .bind(11, r.msgid);
        q.step();
        if (!q.constraint().empty()) {
            throw DuplicateError("setl_id", r.setlId);
        }
    }

    std::optional<SettlementRecord> settlementByMsgid(const std::string& msgid) override {
        static const std::string sql
            = std::string("SELECT ") + kSettlementCols + " FROM settlements WHERE msgid = ?";
        Q q(m_db, sql.c_str());
        q.bind(1, msgid);
        if (q.step()) {
            return readSettlement(q);
        }
        return std::nullopt;
    }

    std::vector<SettlementRecord> settlementsOfDay(const std::string& date) override {
        static const std::string sql = std::string("SELECT ") + kSettlementCols
            + " FROM settlements WHERE setl_date = ? ORDER BY id";
        Q q(m_db, sql.c_str());
        q.bind(1, date);
        std::vector<SettlementRecord> out;
        while (q.step()) {
            out.push_back(readSettlement(q));
        }
        return out;
    }

    void forEachSettlementOfDay(const std::string& date,
        const std::function<void(const SettlementRecord&)>& visit) override {
        static const std::string sql = std::string("SELECT ") + kSettlementCols
            + " FROM settlements WHERE setl_date = ? ORDER BY id";
        Q q(m_db, sql.c_str());
        q.bind(1, date);
        while (q.step()) {
            visit(readSettlement(q));
        }
    }

    Fen provisionalExposure() override {
        Q q(m_db, "SELECT COALESCE(SUM(fund), 0) FROM settlements WHERE status = 'PROVISIONAL'");
        q.step();
        return q.i64(0);
    }

    std::int64_t insertOutbox(const OutboxEntry& e) override {
        Q q(m_db,
            "INSERT INTO outbox(msgid, infno, visit_id, state, payload, attempts, next_ms, "
            "expires_ms, ref_msgid) VALUES(?,?,?,?,?,?,?,?,?)");
        q.bind(1, e.msgid)
            .bind(2, e.infno)
            .bind(3, e.visitId)
            .bind(4, std::string(stateName(e.state)))
            .bind(5, e.payload)
            .bind(6, std::int64_t { e.attempts })
            .bind(7, e.nextMs)
            .bind(8, e.expiresMs)
            .bindOptText(9, e.refMsgid);
        q.step();
        if (!q.constraint().empty()) {
            const bool reversal = q.constraint().find("ref_msgid") != std::string::npos;
            throw DuplicateError(reversal ? "reversal" : "msgid", reversal ? e.refMsgid : e.msgid);
        }
        return ::sqlite3_last_insert_rowid(m_db.handle());
    }

    void updateOutbox(const OutboxEntry& e) override {
        Q q(m_db,
            "UPDATE outbox SET state = ?, attempts = ?, next_ms = ?, expires_ms = ?, reply = ?, "
            "last_error = ?, owner = ?, lease_ms = ? WHERE msgid = ?");
        q.bind(1, std::string(stateName(e.state)))
            .bind(2, std::int64_t { e.attempts })
            .bind(3, e.nextMs)
            .bind(4, e.expiresMs)
            .bindOptText(5, e.reply)
            .bindOptText(6, e.lastError)
            .bindOptText(7, e.owner)
            .bind(8, e.leaseMs)
            .bind(9, e.msgid);
        q.step();
    }

    void renameOutbox(
        const std::string& from, const std::string& to, const std::string& payload) override {
        Q q(m_db, "UPDATE outbox SET msgid = ?, payload = ? WHERE msgid = ?");
        q.bind(1, to).bind(2, payload).bind(3, from).step();
        if (!q.constraint().empty()) {
            throw DuplicateError("msgid", to);
        }
    }

    void renameSettlement(const std::string& from, const std::string& to) override {
        Q q(m_db, "UPDATE settlements SET msgid = ? WHERE msgid = ?");
        q.bind(1, to).bind(2, from).step();
        if (!q.constraint().empty()) {
            throw DuplicateError("msgid", to);
        }
    }

    std::optional<OutboxEntry> outboxByMsgid(const std::string& msgid) override {
        Q q(m_db, "SELECT " OUTBOX_COLS " FROM outbox WHERE msgid = ?");
        q.bind(1, msgid);
        if (q.step()) {
            return readOutbox(q);
        }
        return std::nullopt;
    }

    std::vector<OutboxEntry> leaseDispatchable(std::int64_t nowMs, std::size_t limit,
        const std::string& owner, std::int64_t leaseMs) override {
        std::vector<OutboxEntry> out;
        {
            Q q(m_db,
                "SELECT " OUTBOX_COLS
                " FROM outbox o INDEXED BY outbox_state_seq WHERE o.state = 'NEW' "
                "AND o.next_ms <= ? "
                "AND o.lease_ms <= ? AND NOT EXISTS (SELECT 1 FROM outbox p WHERE "
                "p.visit_id = o.visit_id AND p.seq < o.seq AND p.state IN "
                "('NEW','SENT','UNKNOWN','RESOLVING','UNRESOLVED')) ORDER BY o.seq LIMIT ?");
            q.bind(1, nowMs).bind(2, nowMs).bind(3, static_cast<std::int64_t>(limit));
            while (q.step()) {
                out.push_back(readOutbox(q));
            }
        }
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
        std::vector<OutboxEntry> out;
        {
            Q q(m_db,
                "SELECT " OUTBOX_COLS " FROM outbox WHERE state = 'UNKNOWN' AND next_ms <= ? "
                "AND lease_ms <= ? ORDER BY seq LIMIT ?");
            q.bind(1, nowMs).bind(2, nowMs).bind(3, static_cast<std::int64_t>(limit));
            while (q.step()) {
                out.push_back(readOutbox(q));
            }
        }
        for (auto& e : out) {
            e.owner = owner;
            e.leaseMs = nowMs + leaseMs;
            updateOutbox(e);
        }
        return out;
    }

    std::vector<OutboxEntry> staleSent(std::int64_t nowMs, std::size_t limit) override {
        Q q(m_db,
            "SELECT " OUTBOX_COLS " FROM outbox WHERE state = 'SENT' AND lease_ms < ? "
            "ORDER BY seq LIMIT ?");
        q.bind(1, nowMs).bind(2, static_cast<std::int64_t>(limit));
        std::vector<OutboxEntry> out;
        while (q.step()) {
            out.push_back(readOutbox(q));
        }
        return out;
    }

    std::vector<OutboxEntry> expired(std::int64_t nowMs, std::size_t limit) override {
        Q q(m_db,
            "SELECT " OUTBOX_COLS " FROM outbox INDEXED BY outbox_state_expiry WHERE state IN "
            "('NEW','SENT','UNKNOWN') AND expires_ms < ? AND lease_ms < ? ORDER BY seq LIMIT ?");
        q.bind(1, nowMs).bind(2, nowMs).bind(3, static_cast<std::int64_t>(limit));
        std::vector<OutboxEntry> out;
        while (q.step()) {
            out.push_back(readOutbox(q));
        }
        return out;
    }

    std::vector<OutboxEntry> outboxInState(OutboxState state, std::size_t limit) override {
        Q q(m_db, "SELECT " OUTBOX_COLS " FROM outbox WHERE state = ? ORDER BY seq LIMIT ?");
        q.bind(1, std::string(stateName(state))).bind(2, static_cast<std::int64_t>(limit));
        std::vector<OutboxEntry> out;
        while (q.step()) {
            out.push_back(readOutbox(q));
        }
        return out;
    }

    std::map<std::string, std::int64_t> outboxDepth() override {
        Q q(m_db, "SELECT state, COUNT(*) FROM outbox GROUP BY state");
        std::map<std::string, std::int64_t> out;
        while (q.step()) {
            out[q.text(0)] = q.i64(1);
        }
        return out;
    }

    bool insertAdjustment(const Adjustment& a) override {
        Q q(m_db,
            "INSERT INTO adjustments(msgid, terminal, amount, reason, status, created_ms) "
            "VALUES(?,?,?,?,?,?) ON CONFLICT(msgid, reason) DO NOTHING");
        q.bind(1, a.msgid)
            .bind(2, a.terminal)
            .bind(3, a.amount)
            .bind(4, a.reason)
            .bind(5, a.status)
            .bind(6, a.createdMs)
            .step();
        return ::sqlite3_changes(m_db.handle()) == 1;
    }

    std::vector<Adjustment> openAdjustments(const std::string& terminal) override {
        Q q(m_db,
            "SELECT id, msgid, terminal, amount, reason, status, created_ms FROM adjustments "
            "WHERE status = 'OPEN' AND (? = '' OR terminal = ?) ORDER BY id");
        q.bind(1, terminal).bind(2, terminal);
        std::vector<Adjustment> out;
        while (q.step()) {
            out.push_back(Adjustment {
                q.i64(0), q.text(1), q.text(2), q.i64(3), q.text(4), q.text(5), q.i64(6) });
        }
        return out;
    }

    void putDoc(const std::string& kind, const std::string& key, const std::string& json) override {
        Q q(m_db, "INSERT OR REPLACE INTO docs(kind, key, json) VALUES(?,?,?)");
        q.bind(1, kind).bind(2, key).bind(3, json).step();
    }

    std::optional<std::string> getDoc(const std::string& kind, const std::string& key) override {
        Q q(m_db, "SELECT json FROM docs WHERE kind = ? AND key = ?");
        q.bind(1, kind).bind(2, key);
        if (q.step()) {
            return q.text(0);
        }
        return std::nullopt;
    }

    bool insertDoc(
        const std::string& kind, const std::string& key, const std::string& json) override {
        Q q(m_db, "INSERT INTO docs(kind, key, json) VALUES(?,?,?) ON CONFLICT DO NOTHING");
        q.bind(1, kind).bind(2, key).bind(3, json).step();
        return ::sqlite3_changes(m_db.handle()) == 1;
    }

    std::vector<SettlementRecord> settlementsOfTerminal(
        const std::string& terminal, const std::string& date) override {
        static const std::string sql = std::string("SELECT ") + kSettlementCols
            + " FROM settlements WHERE terminal = ? AND setl_date = ? ORDER BY id";
        Q q(m_db, sql.c_str());
        q.bind(1, terminal).bind(2, date);
        std::vector<SettlementRecord> out;
        while (q.step()) {
            out.push_back(readSettlement(q));
        }
        return out;
    }

    void audit(std::int64_t nowMs, const std::string& actor, const std::string& action,
        const std::string& subject, const std::string& detail) override {
        Q q(m_db, "INSERT INTO audit(at_ms, actor, action, subject, detail) VALUES(?,?,?,?,?)");
        q.bind(1, nowMs).bind(2, actor).bind(3, action).bind(4, subject).bind(5, detail).step();
    }

    std::int64_t auditCount(const std::string& action) override {
        Q q(m_db, "SELECT COUNT(*) FROM audit WHERE action = ?");
        q.bind(1, action).step();
        return q.i64(0);
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
