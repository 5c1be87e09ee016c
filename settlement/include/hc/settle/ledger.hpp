// Ledger records and the store interface (SQLite embedded default; PostgreSQL for scale-out).
// Idempotency is enforced by unique indexes inside the transaction, never check-then-insert:
// requests.request_id, settlements.msgid, settlements.setl_id, settlements(visit_id, chrg_bchno),
// outbox.msgid, and one 2601 per original msgid.
// Thread-safety: a LedgerStore is used from one thread at a time per transaction; open one
// store per thread (SQLite) or share one connection behind the caller's lock.
#pragma once

#include "hc/settle/money.hpp"
#include "hc/settle/outbox.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hc::settle {

/** Local status of a settlement. */
enum class SettlementStatus {
    Pending, ///< stored, outbox entry not yet answered
    Settled, ///< the center answered OK (final)
    Provisional, ///< settled locally with the estimator while the center was unreachable
    SelfPay, ///< full self-pay fallback; a later claim may follow
    Failed, ///< the center rejected it; nothing is owed by the fund
    Cancelled, ///< cancelled with 2208 after settling
    Reversed ///< reversed with 2601
};

/** Stored name ("PENDING", ...). */
const char* settlementStatusName(SettlementStatus s) noexcept;
/** Parse a stored name. */
std::optional<SettlementStatus> parseSettlementStatus(std::string_view text) noexcept;

/** One settlement row. */
struct SettlementRecord {
    std::int64_t id = 0; ///< row id (assigned by the store)
    std::string requestId; ///< terminal request id that created it
    std::string terminal; ///< terminal id (opter)
    std::string visitId; ///< local visit id (mdtrt reference)
    std::string chrgBchno; ///< fee batch number
    std::string msgid; ///< our msgid = medins_setl_id
    std::string setlId; ///< center's setl_id (empty until known)
    std::string psnNo; ///< person number (masked in logs)
    std::string insutype; ///< insurance type
    std::string clrType = "11"; ///< clearing type
    SettlementStatus status = SettlementStatus::Pending; ///< local status
    bool provisional = false; ///< settled with the estimator while offline
    Fen medfee = 0; ///< medfee_sumamt
    Fen fund = 0; ///< fund_pay_sumamt
    Fen acct = 0; ///< acct_pay
    Fen cash = 0; ///< psn_cash_pay
    Fen hosp = 0; ///< hosp_part_amt
    std::string splitJson; ///< full split as JSON
    std::string setlDate; ///< yyyy-mm-dd of the settlement (center time when known)
    std::int64_t createdMs = 0; ///< creation time, ms since epoch
};

/** One outbox row. */
struct OutboxEntry {
    std::int64_t seq = 0; ///< global order (assigned by the store)
    std::string msgid; ///< envelope msgid, stored before sending
    std::string infno; ///< transaction code
    std::string visitId; ///< per-visit ordering key
    OutboxState state = OutboxState::New; ///< state machine state
    std::string payload; ///< full envelope JSON as sent
    int attempts = 0; ///< send attempts so far
    std::int64_t nextMs = 0; ///< not before (backoff), ms since epoch
    std::int64_t expiresMs = 0; ///< manual review after this time
    std::string refMsgid; ///< for 2601: the original msgid (omsgid)
    std::string reply; ///< last center reply JSON
    std::string lastError; ///< last error text
    std::string owner; ///< instance holding the lease
    std::int64_t leaseMs = 0; ///< lease end, ms since epoch
};

/** A difference between a provisional and the center's settlement, seen by the cashier. */
struct Adjustment {
    std::int64_t id = 0; ///< row id
    std::string msgid; ///< settlement msgid
    std::string terminal; ///< where the patient paid
    Fen amount = 0; ///< > 0 collect from the patient, < 0 refund
    std::string reason; ///< e.g. "center_result_differs"
    std::string status = "OPEN"; ///< OPEN / DONE
    std::int64_t createdMs = 0; ///< creation time
};

/** Result of reserving a terminal request id. */
struct RequestSlot {
    bool fresh = false; ///< true: first time; do the work
    std::string reply; ///< the stored reply when not fresh (may be empty: in progress)
};

/** An open transaction; rolls back in its destructor unless committed. Not copyable. */
class StoreTransaction {
public:
    virtual ~StoreTransaction() = default;
    StoreTransaction() = default;
    StoreTransaction(const StoreTransaction&) = delete;
    StoreTransaction& operator=(const StoreTransaction&) = delete;

    /** Make every change durable (fsync) and end the transaction. */
    virtual void commit() = 0;

    /** Reserve a request id; unique index on request_id. `call` identifies the call and its
     *  body (the service passes "<call>#<SHA-256 of the body>"): the same id again with another
     *  terminal or another `call` throws DuplicateError("request"). */
    virtual RequestSlot reserveRequest(const std::string& requestId, const std::string& terminal,
        const std::string& call, std::int64_t nowMs)
        = 0;
    /** The call key a request id was reserved with (see reserveRequest) and its terminal, for
     *  read-only calls that store nothing; nullopt when the id is new. */
    virtual std::optional<std::pair<std::string, std::string>> requestKey(
        const std::string& requestId)
        = 0;
    /** Store the reply for a reserved request id. */
    virtual void setRequestReply(const std::string& requestId, const std::string& reply) = 0;

    /** Insert a settlement; throws DuplicateError when msgid or (visit, batch) exists. */
    virtual std::int64_t insertSettlement(const SettlementRecord& record) = 0;
    /** Update status, amounts, setl_id, split and date of the settlement with this msgid. */
    virtual void updateSettlement(const SettlementRecord& record) = 0;
    /** The settlement with this msgid. */
    virtual std::optional<SettlementRecord> settlementByMsgid(const std::string& msgid) = 0;
    /** Settlements of one day (setl_date), for reconciliation. */
    virtual std::vector<SettlementRecord> settlementsOfDay(const std::string& date) = 0;
    /** Settlements of one day, one at a time (streamed where the store can; for 1,000,000-row
     *  reconciliations). */
    virtual void forEachSettlementOfDay(
        const std::string& date, const std::function<void(const SettlementRecord&)>& visit) {
        for (const auto& r : settlementsOfDay(date)) {
            visit(r);
        }
    }
    /** Sum of open provisional fund amounts (offline exposure). */
    virtual Fen provisionalExposure() = 0;

    /** Insert an outbox entry (state NEW); throws DuplicateError on msgid or a second 2601. */
    virtual std::int64_t insertOutbox(const OutboxEntry& entry) = 0;
    /** Update state, attempts, timings, reply, error and lease of an entry. */
    virtual void updateOutbox(const OutboxEntry& entry) = 0;
    /** Renew an entry under a new msgid: the row keeps its place (seq) in its visit's order and
     *  takes msgid `to` and `payload` (the envelope naming `to`). */
    virtual void renameOutbox(
        const std::string& from, const std::string& to, const std::string& payload)
        = 0;
    /** Give the settlement with msgid `from` the msgid `to` (its 2207 was renewed). */
    virtual void renameSettlement(const std::string& from, const std::string& to) = 0;
    /** The entry with this msgid. */
    virtual std::optional<OutboxEntry> outboxByMsgid(const std::string& msgid) = 0;
    /** The entry with this msgid, locked until this transaction ends (PostgreSQL: FOR UPDATE;
     *  SQLite's write transaction already excludes every other writer). For a decision that
     *  must see the entry as it is now, not as it was leased. */
    virtual std::optional<OutboxEntry> outboxForUpdate(const std::string& msgid) = 0;
    /** Lease up to `limit` sendable entries: NEW and due, head of their visit, not leased;
     *  marks them SENT with owner/lease in this transaction. */
    virtual std::vector<OutboxEntry> leaseDispatchable(
        std::int64_t nowMs, std::size_t limit, const std::string& owner, std::int64_t leaseMs)
        = 0;
    /** Lease UNKNOWN entries due for a 5203 query (state unchanged). */
    virtual std::vector<OutboxEntry> leaseUnknown(
        std::int64_t nowMs, std::size_t limit, const std::string& owner, std::int64_t leaseMs)
        = 0;
    /** SENT entries whose lease ran out (the sender died): candidates for UNKNOWN. */
    virtual std::vector<OutboxEntry> staleSent(std::int64_t nowMs, std::size_t limit) = 0;
    /** NEW/SENT/UNKNOWN entries past expiry. */
    virtual std::vector<OutboxEntry> expired(std::int64_t nowMs, std::size_t limit) = 0;
    /** Entries in one state, oldest first. */
    virtual std::vector<OutboxEntry> outboxInState(OutboxState state, std::size_t limit) = 0;
    /** Count of entries per state. */
    virtual std::map<std::string, std::int64_t> outboxDepth() = 0;

    /** Insert an adjustment; unique on (msgid, reason). Returns false if it already existed. */
    virtual bool insertAdjustment(const Adjustment& adjustment) = 0;
    /** Open adjustments for a terminal ("" = all). */
    virtual std::vector<Adjustment> openAdjustments(const std::string& terminal) = 0;

    /** Store a JSON document under (kind, key), replacing any earlier one (visits, fee batches,
     *  cached running totals). */
    virtual void putDoc(const std::string& kind, const std::string& key, const std::string& json)
        = 0;
    /** The document under (kind, key). */
    virtual std::optional<std::string> getDoc(const std::string& kind, const std::string& key) = 0;
    /** Insert a document only if (kind, key) is new; false if it existed. */
    virtual bool insertDoc(const std::string& kind, const std::string& key, const std::string& json)
        = 0;
    /** Settlements created by one terminal on one day (shift totals). */
    virtual std::vector<SettlementRecord> settlementsOfTerminal(
        const std::string& terminal, const std::string& date)
        = 0;

    /** Append an audit entry. */
    virtual void audit(std::int64_t nowMs, const std::string& actor, const std::string& action,
        const std::string& subject, const std::string& detail)
        = 0;
    /** Number of audit entries with this action (for tests and reports). */
    virtual std::int64_t auditCount(const std::string& action) = 0;
};

/** A ledger database. */
class LedgerStore {
public:
    virtual ~LedgerStore() = default;
    /** Begin a write transaction (BEGIN IMMEDIATE on SQLite). */
    virtual std::unique_ptr<StoreTransaction> begin() = 0;
    /** Begin a read-only transaction that may run beside the writer (SQLite: a pooled reader
     *  connection on a WAL snapshot of everything committed). Never write in it; commit() or
     *  the destructor ends it. Default: begin(). */
    virtual std::unique_ptr<StoreTransaction> beginRead() { return begin(); }
};

/** A unique index refused a row; `what` names the index (request, msgid, batch, reversal). */
class DuplicateError : public Error {
public:
    /** `what` is the index that refused the row. */
    DuplicateError(const std::string& what, const std::string& key);
    /** Name of the index. */
    const std::string& what_index() const noexcept { return m_what; }

private:
    std::string m_what;
};

/** Options of the SQLite store. */
struct SqliteOptions {
    /** Group commit: transactions that queue for the connection while another runs are written
     *  in one physical transaction (one fsync); each commit() still returns only after that
     *  COMMIT, so "durable before acknowledging" holds. Off = one COMMIT (fsync) per commit(). */
    bool groupCommit = true;
    /** Most logical transactions in one physical transaction. */
    std::size_t maxGroup = 512;
    /** beginRead() uses pooled reader connections (WAL snapshots) beside the writer; false:
     *  beginRead() is begin(). */
    bool readerConnections = true;
};

/** Open (create) a SQLite ledger at `path` in WAL mode with synchronous=FULL. The store is safe
 *  to share between threads: transactions take its one connection in turn. */
std::unique_ptr<LedgerStore> openSqliteLedger(const std::string& path, SqliteOptions options = {});

/** Options of the PostgreSQL store. */
struct PostgresOptions {
    /** Most connections the store opens (made on demand); each transaction holds one for its
     *  life, so this many transactions run at once. */
    std::size_t connections = 8;
};

/** Open (create the schema of) a PostgreSQL ledger through libpq, for several settlementd
 *  instances on one database. `conninfo` is a libpq URL or key=value string. Transactions take a
 *  connection of the store's pool (see docs/settlement.md, PostgreSQL); one the server dropped is
 *  replaced on the next begin(). Throws StoreError. */
std::unique_ptr<LedgerStore> openPostgresLedger(
    const std::string& conninfo, PostgresOptions options = {});

/** Open "postgresql://..." with openPostgresLedger (`pg`), anything else as a SQLite file
 *  (`options`). */
std::unique_ptr<LedgerStore> openLedger(
    const std::string& location, SqliteOptions options = {}, PostgresOptions pg = {});

} // namespace hc::settle
