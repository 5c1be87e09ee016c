// The ledger's rows over hc::sql, written once for SQLite and PostgreSQL. Idempotency is the
// unique indexes' (guarded statements report the refusing index; see ledger.hpp). Where the two
// databases differ, the difference is named through hc/base/sql/dialect.hpp: the claim queries
// lock rows on PostgreSQL (several instances lease at once) and carry an index hint on SQLite.
#include "ledger_rows.hpp"

#include "enum_names.hpp"
#include "hc/base/sql/dialect.hpp"
#include "hc/base/sql/query.hpp"
#include "hc/settle/error.hpp"

#include <array>

namespace hc::settle {

namespace {
constexpr std::array<const char*, 7> kStatusNames
    = { "PENDING", "SETTLED", "PROVISIONAL", "SELF_PAY", "FAILED", "CANCELLED", "REVERSED" };
}

const char* settlementStatusName(SettlementStatus s) noexcept {
    return kStatusNames[static_cast<std::size_t>(s)];
}

std::optional<SettlementStatus> parseSettlementStatus(std::string_view text) noexcept {
    return detail::enumFromName<SettlementStatus>(kStatusNames, text);
}

DuplicateError::DuplicateError(const std::string& what, const std::string& key)
    : Error("store.duplicate", "duplicate " + what + ": " + key, NextStep::FixInput)
    , m_what(what) {
}

namespace detail {

namespace {

using sql::Dialect;
using sql::Guard;
using sql::Query;

sql::Dialect dialectOf(const sql::Connection& c) {
    return c.dialect();
}

const char* kSettlementCols = "id, request_id, terminal, visit_id, chrg_bchno, msgid, setl_id, "
                              "psn_no, insutype, clr_type, status, provisional, medfee, fund, "
                              "acct, cash, hosp, split, setl_date, created_ms";

#define OUTBOX_COLS                                                                                \
    "seq, msgid, infno, visit_id, state, payload, attempts, next_ms, expires_ms, ref_msgid, "      \
    "reply, last_error, owner, lease_ms"

// The statements whose text differs between the dialects, made once per dialect.
struct Texts {
    std::string settlementByMsgid, settlementsOfDay, settlementsOfTerminal;
    std::string leaseDispatchable, leaseUnknown, staleSent, expired, getDoc, outboxForUpdate;
    std::string insertSettlement, insertOutbox;

    explicit Texts(Dialect d) {
        insertSettlement
            = "INSERT INTO settlements(request_id, terminal, visit_id, chrg_bchno, msgid, setl_id, "
              "psn_no, insutype, clr_type, status, provisional, medfee, fund, acct, cash, hosp, "
              "split, setl_date, created_ms) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
            + sql::returning(d, "id");
        insertOutbox = "INSERT INTO outbox(msgid, infno, visit_id, state, payload, attempts, "
                       "next_ms, expires_ms, ref_msgid) VALUES(?,?,?,?,?,?,?,?,?)"
            + sql::returning(d, "seq");
        const std::string sel = std::string("SELECT ") + kSettlementCols + " FROM settlements ";
        settlementByMsgid = sel + "WHERE msgid = ?";
        settlementsOfDay = sel + "WHERE setl_date = ? ORDER BY id";
        settlementsOfTerminal = sel + "WHERE terminal = ? AND setl_date = ? ORDER BY id";
        // Rows another dispatcher has locked (leasing right now) are skipped (PostgreSQL); a row
        // whose lease committed meanwhile is re-checked against state = 'NEW' and dropped.
        leaseDispatchable = "SELECT " OUTBOX_COLS " FROM outbox o"
            + sql::indexedBy(d, "outbox_state_seq")
            + " WHERE o.state = 'NEW' AND o.next_ms <= ? AND o.lease_ms <= ? AND NOT EXISTS "
              "(SELECT 1 FROM outbox p WHERE p.visit_id = o.visit_id AND p.seq < o.seq AND "
              "p.state IN ('NEW','SENT','UNKNOWN','RESOLVING','UNRESOLVED')) ORDER BY o.seq "
              "LIMIT ?"
            + sql::lockRows(d, "o");
        leaseUnknown = "SELECT " OUTBOX_COLS " FROM outbox WHERE state = 'UNKNOWN' AND "
                       "next_ms <= ? AND lease_ms <= ? ORDER BY seq LIMIT ?"
            + sql::lockRows(d);
        staleSent = "SELECT " OUTBOX_COLS " FROM outbox WHERE state = 'SENT' AND lease_ms < ? "
                    "ORDER BY seq LIMIT ?"
            + sql::lockRows(d);
        expired = "SELECT " OUTBOX_COLS " FROM outbox" + sql::indexedBy(d, "outbox_state_expiry")
            + " WHERE state IN ('NEW','SENT','UNKNOWN') AND expires_ms < ? AND lease_ms < ? "
              "ORDER BY seq LIMIT ?"
            + sql::lockRows(d);
        // PostgreSQL: a read-modify-write of the same document by another instance waits.
        getDoc = std::string("SELECT json FROM docs WHERE kind = ? AND key = ?") + sql::lockRow(d);
        outboxForUpdate
            = std::string("SELECT " OUTBOX_COLS " FROM outbox WHERE msgid = ?") + sql::lockRow(d);
    }
};

const Texts& texts(const sql::Connection& c) {
    static const Texts sqlite(Dialect::Sqlite);
    static const Texts postgres(Dialect::Postgres);
    return dialectOf(c) == Dialect::Sqlite ? sqlite : postgres;
}

bool names(const std::string& constraint, const char* a, const char* b) {
    return constraint.find(a) != std::string::npos || constraint.find(b) != std::string::npos;
}

// Binding and reading by position: one overload per column type, so that a statement's values
// and a row's columns are each written once, in the order of the SQL text.

/** Text stored as NULL when empty (setl_id, ref_msgid, reply, last_error, owner). */
struct NullIfEmpty {
    const std::string& text;
};

void bindAt(Query& q, int i, const std::string& v) {
    q.bind(i, v);
}
void bindAt(Query& q, int i, std::int64_t v) {
    q.bind(i, v);
}
void bindAt(Query& q, int i, int v) {
    q.bind(i, std::int64_t { v });
}
void bindAt(Query& q, int i, bool v) {
    q.bind(i, std::int64_t { v ? 1 : 0 });
}
// A literal would convert to bool: write the text into the SQL, or pass a std::string.
void bindAt(Query&, int, const char*) = delete;
void bindAt(Query& q, int i, NullIfEmpty v) {
    q.bindOptText(i, v.text);
}
void bindAt(Query& q, int i, SettlementStatus v) {
    q.bind(i, settlementStatusName(v));
}
void bindAt(Query& q, int i, OutboxState v) {
    q.bind(i, stateName(v));
}

/** Binds `values` to the statement's parameters 1, 2, ... in order. */
template <class... V> Query& bindAll(Query& q, const V&... values) {
    int i = 0;
    (bindAt(q, ++i, values), ...);
    return q;
}

void readAt(const Query& q, int i, std::string& v) {
    v = q.text(i);
}
void readAt(const Query& q, int i, std::int64_t& v) {
    v = q.i64(i);
}
void readAt(const Query& q, int i, int& v) {
    v = static_cast<int>(q.i64(i));
}
void readAt(const Query& q, int i, bool& v) {
    v = q.i64(i) != 0;
}
void readAt(const Query& q, int i, SettlementStatus& v) {
    v = parseSettlementStatus(q.text(i)).value_or(SettlementStatus::Pending);
}
void readAt(const Query& q, int i, OutboxState& v) {
    v = parseOutboxState(q.text(i)).value_or(OutboxState::ManualReview);
}

/** Reads the current row's columns 0, 1, ... into `fields`, in order. */
template <class... F> void readAll(const Query& q, F&... fields) {
    int i = 0;
    (readAt(q, i++, fields), ...);
}

/** A row of kSettlementCols. */
SettlementRecord readSettlement(const Query& q) {
    SettlementRecord r;
    readAll(q, r.id, r.requestId, r.terminal, r.visitId, r.chrgBchno, r.msgid, r.setlId, r.psnNo,
        r.insutype, r.clrType, r.status, r.provisional, r.medfee, r.fund, r.acct, r.cash, r.hosp,
        r.splitJson, r.setlDate, r.createdMs);
    return r;
}

/** A row of OUTBOX_COLS. */
OutboxEntry readOutbox(const Query& q) {
    OutboxEntry e;
    readAll(q, e.seq, e.msgid, e.infno, e.visitId, e.state, e.payload, e.attempts, e.nextMs,
        e.expiresMs, e.refMsgid, e.reply, e.lastError, e.owner, e.leaseMs);
    return e;
}

Adjustment readAdjustment(const Query& q) {
    Adjustment a;
    readAll(q, a.id, a.msgid, a.terminal, a.amount, a.reason, a.status, a.createdMs);
    return a;
}

/** The first row of `q`, read by `read`; nullopt when there is none. */
template <class Row> std::optional<Row> firstRow(Query& q, Row (*read)(const Query&)) {
    if (q.step()) {
        return read(q);
    }
    return std::nullopt;
}

/** Every row of `q`, read by `read`. */
template <class Row> std::vector<Row> allRows(Query& q, Row (*read)(const Query&)) {
    std::vector<Row> out;
    while (q.step()) {
        out.push_back(read(q));
    }
    return out;
}

std::int64_t lim(std::size_t n) {
    return static_cast<std::int64_t>(n);
}

} // namespace

sql::Raise ledgerRaise() {
    return [](const sql::Failure& f) {
        if (f.dialect == Dialect::Postgres) {
            throw StoreError("postgresql: " + f.message);
        }
        throw StoreError((f.stage == sql::Failure::Stage::Prepare ? "sqlite prepare: " : "sqlite: ")
            + f.message);
    };
}

RequestSlot LedgerRows::reserveRequest(const std::string& requestId, const std::string& terminal,
    const std::string& call, std::int64_t nowMs) {
    // PostgreSQL: blocks while another instance holds an uncommitted reservation of the same id.
    Query ins(m_c,
        "INSERT INTO requests(request_id, terminal, call, created_ms) VALUES(?,?,?,?) "
        "ON CONFLICT(request_id) DO NOTHING");
    bindAll(ins, requestId, terminal, call, nowMs).step();
    if (ins.changes() == 1) {
        return RequestSlot { true, {} };
    }
    Query sel(m_c, "SELECT reply, terminal, call FROM requests WHERE request_id = ?");
    bindAll(sel, requestId);
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

std::optional<std::pair<std::string, std::string>> LedgerRows::requestKey(
    const std::string& requestId) {
    Query sel(m_c, "SELECT terminal, call FROM requests WHERE request_id = ?");
    bindAll(sel, requestId);
    if (sel.step()) {
        return std::make_pair(sel.text(0), sel.text(1));
    }
    return std::nullopt;
}

void LedgerRows::setRequestReply(const std::string& requestId, const std::string& reply) {
    Query q(m_c, "UPDATE requests SET reply = ? WHERE request_id = ?");
    bindAll(q, reply, requestId).step();
}

std::int64_t LedgerRows::insertSettlement(const SettlementRecord& r) {
    Query q(m_c, texts(m_c).insertSettlement, Guard::Constraint);
    bindAll(q, r.requestId, r.terminal, r.visitId, r.chrgBchno, r.msgid, NullIfEmpty { r.setlId },
        r.psnNo, r.insutype, r.clrType, r.status, r.provisional, r.medfee, r.fund, r.acct, r.cash,
        r.hosp, r.splitJson, r.setlDate, r.createdMs)
        .step();
    const auto& c = q.constraint();
    if (!c.empty()) {
        // SQLite names the columns ("settlements.visit_id, ..."), PostgreSQL the constraint.
        if (names(c, "visit_id", "settlements_batch")) {
            throw DuplicateError("batch", r.visitId + "/" + r.chrgBchno);
        }
        if (names(c, "setl_id", "settlements_setl_id")) {
            throw DuplicateError("setl_id", r.setlId);
        }
        throw DuplicateError("msgid", r.msgid);
    }
    return q.insertedId();
}

void LedgerRows::updateSettlement(const SettlementRecord& r) {
    Query q(m_c,
        "UPDATE settlements SET setl_id = ?, status = ?, provisional = ?, medfee = ?, "
        "fund = ?, acct = ?, cash = ?, hosp = ?, split = ?, setl_date = ? WHERE msgid = ?",
        Guard::Constraint);
    bindAll(q, NullIfEmpty { r.setlId }, r.status, r.provisional, r.medfee, r.fund, r.acct, r.cash,
        r.hosp, r.splitJson, r.setlDate, r.msgid)
        .step();
    if (!q.constraint().empty()) {
        throw DuplicateError("setl_id", r.setlId);
    }
}

std::optional<SettlementRecord> LedgerRows::settlementByMsgid(const std::string& msgid) {
    Query q(m_c, texts(m_c).settlementByMsgid);
    return firstRow(bindAll(q, msgid), readSettlement);
}

std::vector<SettlementRecord> LedgerRows::settlementsOfDay(const std::string& date) {
    Query q(m_c, texts(m_c).settlementsOfDay);
    return allRows(bindAll(q, date), readSettlement);
}

void LedgerRows::forEachSettlementOfDay(
    const std::string& date, const std::function<void(const SettlementRecord&)>& visit) {
    Query q(m_c, texts(m_c).settlementsOfDay);
    bindAll(q, date);
    while (q.step()) {
        visit(readSettlement(q));
    }
}

Fen LedgerRows::provisionalExposure() {
    Query q(m_c, "SELECT COALESCE(SUM(fund), 0) FROM settlements WHERE status = 'PROVISIONAL'");
    q.step();
    return q.i64(0);
}

std::int64_t LedgerRows::insertOutbox(const OutboxEntry& e) {
    Query q(m_c, texts(m_c).insertOutbox, Guard::Constraint);
    bindAll(q, e.msgid, e.infno, e.visitId, e.state, e.payload, e.attempts, e.nextMs, e.expiresMs,
        NullIfEmpty { e.refMsgid })
        .step();
    if (!q.constraint().empty()) {
        const bool reversal = names(q.constraint(), "ref_msgid", "outbox_one_reversal");
        throw DuplicateError(reversal ? "reversal" : "msgid", reversal ? e.refMsgid : e.msgid);
    }
    return q.insertedId();
}

void LedgerRows::updateOutbox(const OutboxEntry& e) {
    Query q(m_c,
        "UPDATE outbox SET state = ?, attempts = ?, next_ms = ?, expires_ms = ?, reply = ?, "
        "last_error = ?, owner = ?, lease_ms = ? WHERE msgid = ?");
    bindAll(q, e.state, e.attempts, e.nextMs, e.expiresMs, NullIfEmpty { e.reply },
        NullIfEmpty { e.lastError }, NullIfEmpty { e.owner }, e.leaseMs, e.msgid)
        .step();
}

void LedgerRows::renameOutbox(
    const std::string& from, const std::string& to, const std::string& payload) {
    Query q(m_c, "UPDATE outbox SET msgid = ?, payload = ? WHERE msgid = ?", Guard::Constraint);
    bindAll(q, to, payload, from).step();
    if (!q.constraint().empty()) {
        throw DuplicateError("msgid", to);
    }
}

void LedgerRows::renameSettlement(const std::string& from, const std::string& to) {
    Query q(m_c, "UPDATE settlements SET msgid = ? WHERE msgid = ?", Guard::Constraint);
    bindAll(q, to, from).step();
    if (!q.constraint().empty()) {
        throw DuplicateError("msgid", to);
    }
}

std::optional<OutboxEntry> LedgerRows::outboxByMsgid(const std::string& msgid) {
    Query q(m_c, "SELECT " OUTBOX_COLS " FROM outbox WHERE msgid = ?");
    return firstRow(bindAll(q, msgid), readOutbox);
}

std::optional<OutboxEntry> LedgerRows::outboxForUpdate(const std::string& msgid) {
    Query q(m_c, texts(m_c).outboxForUpdate);
    return firstRow(bindAll(q, msgid), readOutbox);
}

std::vector<OutboxEntry> LedgerRows::lease(const std::string& select, std::int64_t nowMs,
    std::size_t limit, const std::string& owner, std::int64_t leaseMs, Lease kind) {
    std::vector<OutboxEntry> out;
    {
        Query q(m_c, select);
        out = allRows(bindAll(q, nowMs, nowMs, lim(limit)), readOutbox);
    }
    for (auto& e : out) {
        if (kind == Lease::Dispatch) {
            e.state = nextState(e.state, OutboxEvent::Dispatch);
            e.attempts += 1;
        }
        e.owner = owner;
        e.leaseMs = nowMs + leaseMs;
        updateOutbox(e);
    }
    return out;
}

std::vector<OutboxEntry> LedgerRows::leaseDispatchable(
    std::int64_t nowMs, std::size_t limit, const std::string& owner, std::int64_t leaseMs) {
    return lease(texts(m_c).leaseDispatchable, nowMs, limit, owner, leaseMs, Lease::Dispatch);
}

std::vector<OutboxEntry> LedgerRows::leaseUnknown(
    std::int64_t nowMs, std::size_t limit, const std::string& owner, std::int64_t leaseMs) {
    return lease(texts(m_c).leaseUnknown, nowMs, limit, owner, leaseMs, Lease::KeepState);
}

std::vector<OutboxEntry> LedgerRows::staleSent(std::int64_t nowMs, std::size_t limit) {
    Query q(m_c, texts(m_c).staleSent);
    return allRows(bindAll(q, nowMs, lim(limit)), readOutbox);
}

std::vector<OutboxEntry> LedgerRows::expired(std::int64_t nowMs, std::size_t limit) {
    Query q(m_c, texts(m_c).expired);
    return allRows(bindAll(q, nowMs, nowMs, lim(limit)), readOutbox);
}

std::vector<OutboxEntry> LedgerRows::outboxInState(OutboxState state, std::size_t limit) {
    Query q(m_c, "SELECT " OUTBOX_COLS " FROM outbox WHERE state = ? ORDER BY seq LIMIT ?");
    return allRows(bindAll(q, state, lim(limit)), readOutbox);
}

std::map<std::string, std::int64_t> LedgerRows::outboxDepth() {
    Query q(m_c, "SELECT state, COUNT(*) FROM outbox GROUP BY state");
    std::map<std::string, std::int64_t> out;
    while (q.step()) {
        out[q.text(0)] = q.i64(1);
    }
    return out;
}

bool LedgerRows::insertAdjustment(const Adjustment& a) {
    Query q(m_c,
        "INSERT INTO adjustments(msgid, terminal, amount, reason, status, created_ms) "
        "VALUES(?,?,?,?,?,?) ON CONFLICT(msgid, reason) DO NOTHING");
    bindAll(q, a.msgid, a.terminal, a.amount, a.reason, a.status, a.createdMs).step();
    return q.changes() == 1;
}

std::vector<Adjustment> LedgerRows::openAdjustments(const std::string& terminal) {
    Query q(m_c,
        "SELECT id, msgid, terminal, amount, reason, status, created_ms FROM adjustments "
        "WHERE status = 'OPEN' AND (CAST(?1 AS TEXT) = '' OR terminal = ?1) ORDER BY id");
    return allRows(bindAll(q, terminal), readAdjustment);
}

void LedgerRows::putDoc(const std::string& kind, const std::string& key, const std::string& json) {
    Query q(m_c,
        "INSERT INTO docs(kind, key, json) VALUES(?,?,?) "
        "ON CONFLICT(kind, key) DO UPDATE SET json = excluded.json");
    bindAll(q, kind, key, json).step();
}

std::optional<std::string> LedgerRows::getDoc(const std::string& kind, const std::string& key) {
    Query q(m_c, texts(m_c).getDoc);
    bindAll(q, kind, key);
    if (q.step()) {
        return q.text(0);
    }
    return std::nullopt;
}

bool LedgerRows::insertDoc(
    const std::string& kind, const std::string& key, const std::string& json) {
    Query q(m_c, "INSERT INTO docs(kind, key, json) VALUES(?,?,?) ON CONFLICT DO NOTHING");
    bindAll(q, kind, key, json).step();
    return q.changes() == 1;
}

std::vector<SettlementRecord> LedgerRows::settlementsOfTerminal(
    const std::string& terminal, const std::string& date) {
    Query q(m_c, texts(m_c).settlementsOfTerminal);
    return allRows(bindAll(q, terminal, date), readSettlement);
}

void LedgerRows::audit(std::int64_t nowMs, const std::string& actor, const std::string& action,
    const std::string& subject, const std::string& detail) {
    Query q(m_c, "INSERT INTO audit(at_ms, actor, action, subject, detail) VALUES(?,?,?,?,?)");
    bindAll(q, nowMs, actor, action, subject, detail).step();
}

std::int64_t LedgerRows::auditCount(const std::string& action) {
    Query q(m_c, "SELECT COUNT(*) FROM audit WHERE action = ?");
    bindAll(q, action).step();
    return q.i64(0);
}

} // namespace detail

} // namespace hc::settle
