// The ledger's rows over hc::sql, written once for SQLite and PostgreSQL. Idempotency is the
// unique indexes' (guarded statements report the refusing index; see ledger.hpp). Where the two
// databases differ, the difference is named through hc/base/sql/dialect.hpp: the claim queries
// lock rows on PostgreSQL (several instances lease at once) and carry an index hint on SQLite.
#include "ledger_rows.hpp"

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

SettlementRecord readSettlement(const Query& q) {
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

OutboxEntry readOutbox(const Query& q) {
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

std::vector<OutboxEntry> readOutboxes(Query& q) {
    std::vector<OutboxEntry> out;
    while (q.step()) {
        out.push_back(readOutbox(q));
    }
    return out;
}

std::vector<SettlementRecord> readSettlements(Query& q) {
    std::vector<SettlementRecord> out;
    while (q.step()) {
        out.push_back(readSettlement(q));
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
    ins.bind(1, requestId).bind(2, terminal).bind(3, call).bind(4, nowMs).step();
    if (ins.changes() == 1) {
        return RequestSlot { true, {} };
    }
    Query sel(m_c, "SELECT reply, terminal, call FROM requests WHERE request_id = ?");
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

std::optional<std::pair<std::string, std::string>> LedgerRows::requestKey(
    const std::string& requestId) {
    Query sel(m_c, "SELECT terminal, call FROM requests WHERE request_id = ?");
    sel.bind(1, requestId);
    if (sel.step()) {
        return std::make_pair(sel.text(0), sel.text(1));
    }
    return std::nullopt;
}

void LedgerRows::setRequestReply(const std::string& requestId, const std::string& reply) {
    Query q(m_c, "UPDATE requests SET reply = ? WHERE request_id = ?");
    q.bind(1, reply).bind(2, requestId).step();
}

std::int64_t LedgerRows::insertSettlement(const SettlementRecord& r) {
    Query q(m_c, texts(m_c).insertSettlement, Guard::Constraint);
    q.bind(1, r.requestId)
        .bind(2, r.terminal)
        .bind(3, r.visitId)
        .bind(4, r.chrgBchno)
        .bind(5, r.msgid)
        .bindOptText(6, r.setlId)
        .bind(7, r.psnNo)
        .bind(8, r.insutype)
        .bind(9, r.clrType)
        .bind(10, settlementStatusName(r.status))
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
    q.bindOptText(1, r.setlId)
        .bind(2, settlementStatusName(r.status))
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

std::optional<SettlementRecord> LedgerRows::settlementByMsgid(const std::string& msgid) {
    Query q(m_c, texts(m_c).settlementByMsgid);
    q.bind(1, msgid);
    if (q.step()) {
        return readSettlement(q);
    }
    return std::nullopt;
}

std::vector<SettlementRecord> LedgerRows::settlementsOfDay(const std::string& date) {
    Query q(m_c, texts(m_c).settlementsOfDay);
    q.bind(1, date);
    return readSettlements(q);
}

void LedgerRows::forEachSettlementOfDay(
    const std::string& date, const std::function<void(const SettlementRecord&)>& visit) {
    Query q(m_c, texts(m_c).settlementsOfDay);
    q.bind(1, date);
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
    q.bind(1, e.msgid)
        .bind(2, e.infno)
        .bind(3, e.visitId)
        .bind(4, stateName(e.state))
        .bind(5, e.payload)
        .bind(6, std::int64_t { e.attempts })
        .bind(7, e.nextMs)
        .bind(8, e.expiresMs)
        .bindOptText(9, e.refMsgid);
    q.step();
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
    q.bind(1, stateName(e.state))
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

void LedgerRows::renameOutbox(
    const std::string& from, const std::string& to, const std::string& payload) {
    Query q(m_c, "UPDATE outbox SET msgid = ?, payload = ? WHERE msgid = ?", Guard::Constraint);
    q.bind(1, to).bind(2, payload).bind(3, from).step();
    if (!q.constraint().empty()) {
        throw DuplicateError("msgid", to);
    }
}

void LedgerRows::renameSettlement(const std::string& from, const std::string& to) {
    Query q(m_c, "UPDATE settlements SET msgid = ? WHERE msgid = ?", Guard::Constraint);
    q.bind(1, to).bind(2, from).step();
    if (!q.constraint().empty()) {
        throw DuplicateError("msgid", to);
    }
}

std::optional<OutboxEntry> LedgerRows::outboxByMsgid(const std::string& msgid) {
    Query q(m_c, "SELECT " OUTBOX_COLS " FROM outbox WHERE msgid = ?");
    q.bind(1, msgid);
    if (q.step()) {
        return readOutbox(q);
    }
    return std::nullopt;
}

std::optional<OutboxEntry> LedgerRows::outboxForUpdate(const std::string& msgid) {
    Query q(m_c, texts(m_c).outboxForUpdate);
    q.bind(1, msgid);
    if (q.step()) {
        return readOutbox(q);
    }
    return std::nullopt;
}

std::vector<OutboxEntry> LedgerRows::leaseDispatchable(
    std::int64_t nowMs, std::size_t limit, const std::string& owner, std::int64_t leaseMs) {
    std::vector<OutboxEntry> out;
    {
        Query q(m_c, texts(m_c).leaseDispatchable);
        q.bind(1, nowMs).bind(2, nowMs).bind(3, lim(limit));
        out = readOutboxes(q);
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

std::vector<OutboxEntry> LedgerRows::leaseUnknown(
    std::int64_t nowMs, std::size_t limit, const std::string& owner, std::int64_t leaseMs) {
    std::vector<OutboxEntry> out;
    {
        Query q(m_c, texts(m_c).leaseUnknown);
        q.bind(1, nowMs).bind(2, nowMs).bind(3, lim(limit));
        out = readOutboxes(q);
    }
    for (auto& e : out) {
        e.owner = owner;
        e.leaseMs = nowMs + leaseMs;
        updateOutbox(e);
    }
    return out;
}

std::vector<OutboxEntry> LedgerRows::staleSent(std::int64_t nowMs, std::size_t limit) {
    Query q(m_c, texts(m_c).staleSent);
    q.bind(1, nowMs).bind(2, lim(limit));
    return readOutboxes(q);
}

std::vector<OutboxEntry> LedgerRows::expired(std::int64_t nowMs, std::size_t limit) {
    Query q(m_c, texts(m_c).expired);
    q.bind(1, nowMs).bind(2, nowMs).bind(3, lim(limit));
    return readOutboxes(q);
}

std::vector<OutboxEntry> LedgerRows::outboxInState(OutboxState state, std::size_t limit) {
    Query q(m_c, "SELECT " OUTBOX_COLS " FROM outbox WHERE state = ? ORDER BY seq LIMIT ?");
    q.bind(1, stateName(state)).bind(2, lim(limit));
    return readOutboxes(q);
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
    q.bind(1, a.msgid)
        .bind(2, a.terminal)
        .bind(3, a.amount)
        .bind(4, a.reason)
        .bind(5, a.status)
        .bind(6, a.createdMs)
        .step();
    return q.changes() == 1;
}

std::vector<Adjustment> LedgerRows::openAdjustments(const std::string& terminal) {
    Query q(m_c,
        "SELECT id, msgid, terminal, amount, reason, status, created_ms FROM adjustments "
        "WHERE status = 'OPEN' AND (CAST(?1 AS TEXT) = '' OR terminal = ?1) ORDER BY id");
    q.bind(1, terminal);
    std::vector<Adjustment> out;
    while (q.step()) {
        out.push_back(Adjustment {
            q.i64(0), q.text(1), q.text(2), q.i64(3), q.text(4), q.text(5), q.i64(6) });
    }
    return out;
}

void LedgerRows::putDoc(const std::string& kind, const std::string& key, const std::string& json) {
    Query q(m_c,
        "INSERT INTO docs(kind, key, json) VALUES(?,?,?) "
        "ON CONFLICT(kind, key) DO UPDATE SET json = excluded.json");
    q.bind(1, kind).bind(2, key).bind(3, json).step();
}

std::optional<std::string> LedgerRows::getDoc(const std::string& kind, const std::string& key) {
    Query q(m_c, texts(m_c).getDoc);
    q.bind(1, kind).bind(2, key);
    if (q.step()) {
        return q.text(0);
    }
    return std::nullopt;
}

bool LedgerRows::insertDoc(
    const std::string& kind, const std::string& key, const std::string& json) {
    Query q(m_c, "INSERT INTO docs(kind, key, json) VALUES(?,?,?) ON CONFLICT DO NOTHING");
    q.bind(1, kind).bind(2, key).bind(3, json).step();
    return q.changes() == 1;
}

std::vector<SettlementRecord> LedgerRows::settlementsOfTerminal(
    const std::string& terminal, const std::string& date) {
    Query q(m_c, texts(m_c).settlementsOfTerminal);
    q.bind(1, terminal).bind(2, date);
    return readSettlements(q);
}

void LedgerRows::audit(std::int64_t nowMs, const std::string& actor, const std::string& action,
    const std::string& subject, const std::string& detail) {
    Query q(m_c, "INSERT INTO audit(at_ms, actor, action, subject, detail) VALUES(?,?,?,?,?)");
    q.bind(1, nowMs).bind(2, actor).bind(3, action).bind(4, subject).bind(5, detail).step();
}

std::int64_t LedgerRows::auditCount(const std::string& action) {
    Query q(m_c, "SELECT COUNT(*) FROM audit WHERE action = ?");
    q.bind(1, action).step();
    return q.i64(0);
}

} // namespace detail

} // namespace hc::settle
