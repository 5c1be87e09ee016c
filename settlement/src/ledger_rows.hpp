// Internal: the ledger's rows, written once over the SQL layer (hc/base/sql) for both stores.
// SqliteTx and PgTx derive from LedgerRows and add only how a transaction begins, commits and
// gives its connection back (SQLite: group commit and pooled readers; PostgreSQL: a pool).
#pragma once

#include "hc/base/sql/connection.hpp"
#include "hc/settle/ledger.hpp"

namespace hc::settle::detail {

/** Every StoreTransaction operation but commit(), on one connection. */
class LedgerRows : public StoreTransaction {
public:
    explicit LedgerRows(sql::Connection& connection)
        : m_c(connection) { }

    RequestSlot reserveRequest(const std::string& requestId, const std::string& terminal,
        const std::string& call, std::int64_t nowMs) override;
    std::optional<std::pair<std::string, std::string>> requestKey(
        const std::string& requestId) override;
    void setRequestReply(const std::string& requestId, const std::string& reply) override;
    std::int64_t insertSettlement(const SettlementRecord& record) override;
    void updateSettlement(const SettlementRecord& record) override;
    std::optional<SettlementRecord> settlementByMsgid(const std::string& msgid) override;
    std::vector<SettlementRecord> settlementsOfDay(const std::string& date) override;
    void forEachSettlementOfDay(const std::string& date,
        const std::function<void(const SettlementRecord&)>& visit) override;
    Fen provisionalExposure() override;
    std::int64_t insertOutbox(const OutboxEntry& entry) override;
    void updateOutbox(const OutboxEntry& entry) override;
    void renameOutbox(
        const std::string& from, const std::string& to, const std::string& payload) override;
    void renameSettlement(const std::string& from, const std::string& to) override;
    std::optional<OutboxEntry> outboxByMsgid(const std::string& msgid) override;
    std::optional<OutboxEntry> outboxForUpdate(const std::string& msgid) override;
    std::vector<OutboxEntry> leaseDispatchable(std::int64_t nowMs, std::size_t limit,
        const std::string& owner, std::int64_t leaseMs) override;
    std::vector<OutboxEntry> leaseUnknown(std::int64_t nowMs, std::size_t limit,
        const std::string& owner, std::int64_t leaseMs) override;
    std::vector<OutboxEntry> staleSent(std::int64_t nowMs, std::size_t limit) override;
    std::vector<OutboxEntry> expired(std::int64_t nowMs, std::size_t limit) override;
    std::vector<OutboxEntry> outboxInState(OutboxState state, std::size_t limit) override;
    std::map<std::string, std::int64_t> outboxDepth() override;
    bool insertAdjustment(const Adjustment& adjustment) override;
    std::vector<Adjustment> openAdjustments(const std::string& terminal) override;
    void putDoc(const std::string& kind, const std::string& key, const std::string& json) override;
    std::optional<std::string> getDoc(const std::string& kind, const std::string& key) override;
    bool insertDoc(
        const std::string& kind, const std::string& key, const std::string& json) override;
    std::vector<SettlementRecord> settlementsOfTerminal(
        const std::string& terminal, const std::string& date) override;
    void audit(std::int64_t nowMs, const std::string& actor, const std::string& action,
        const std::string& subject, const std::string& detail) override;
    std::int64_t auditCount(const std::string& action) override;

protected:
    sql::Connection& connection() noexcept { return m_c; }

private:
    /** Whether a leased row is being sent (state Dispatch, one more attempt) or only held. */
    enum class Lease { Dispatch, KeepState };
    /** Leases the rows `select` finds (parameters: now, now, limit) to `owner` until
     *  nowMs + leaseMs, each row's lease written back. */
    std::vector<OutboxEntry> lease(const std::string& select, std::int64_t nowMs, std::size_t limit,
        const std::string& owner, std::int64_t leaseMs, Lease kind);

    sql::Connection& m_c;
};

/** The settlement ledger's Raise: StoreError "sqlite: ...", "sqlite prepare: ...",
 *  "postgresql: ..." as the stores always worded them. */
sql::Raise ledgerRaise();

} // namespace hc::settle::detail
