// The settlement service core behind settlementd's terminal API (transport-free).
// Calls (JSON, every call carries "request_id"; a repeated id with the same call and body gets
// the stored reply, with another call or body it is refused: the ledger keeps a SHA-256 of it):
//   register_visit {visit_id, psn_no, insutype, med_type, [mdtrt_cert_type, mdtrt_cert_no,
//                   psn_type, hosp_lv, year, region]} → 2201 queued
//   upload_fees    {visit_id, chrg_bchno, items:[{code, class, amount_fen, qty_milli,
//                   price_cap_fen, selfpay_pct}]} → 2204 queued
//   pre_settle     {visit_id, chrg_bchno}          → local estimate (nothing stored)
//   settle         {visit_id, chrg_bchno, acct_used_flag, [psn_setlway]} → settled |
//                  provisional | self_pay
//   cancel         {msgid}                         → 2208 queued (only after the center confirmed)
//   query          {msgid}                         → the settlement as stored
//   shift_totals   {date?}                         → the terminal's totals and open adjustments
// Authorization: a visit belongs to the terminal that registered it, a settlement to the one
// that settled it; any call on another terminal's visit or settlement is refused
// ("auth.not_yours") and written to the audit log (auth.refused).
// What goes to the center (docs/settlement.md "Wire format"): the national codes of med_type,
// insutype, psn_setlway and mdtrt_cert_type from the code table; psn_type, hosp_lv, class,
// price caps and self-pay ratios only feed the local estimate (the center knows its own).
// Replies: {"ok":true, ...} or {"ok":false,"error":{"code","message","next_step","field"}}.
// Thread-safety: handle() may be called from several worker threads at once.
#pragma once

#include "hc/settle/code_table.hpp"
#include "hc/settle/envelope.hpp"
#include "hc/settle/gateway.hpp"
#include "hc/settle/ledger.hpp"
#include "hc/settle/policy.hpp"

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace hc::settle {

/** What to do when the center cannot confirm a settlement in time. */
enum class OfflineMode {
    Provisional, ///< settle with the estimator within the exposure limits, else self-pay
    SelfPay ///< always full self-pay with a later claim
};

/** Offline settlement policy (EMV floor-limit style). */
struct OfflinePolicy {
    OfflineMode mode = OfflineMode::Provisional; ///< site policy
    Fen perClaimLimit = 500'000; ///< largest fund share settled provisionally
    Fen totalLimit = 20'000'000; ///< largest open provisional fund exposure
};

/** Service settings. */
struct ServiceConfig {
    std::chrono::milliseconds settleWait { 3000 }; ///< how long settle waits for the center
    OfflinePolicy offline; ///< offline behaviour
    RetryPolicy retry; ///< outbox backoff and expiry
    std::string clrType = "11"; ///< clearing type of new settlements
    CodeTable codes = CodeTable::builtin(); ///< national dictionary codes and fixed fields
    std::string hospLv = "township"; ///< this hospital's level for the local estimate
    /** Sanity cap: a fee batch (and so a claim) above this total is refused. */
    Fen claimCap = 100'000'000;
};

/** A terminal asked about a visit or settlement of another terminal. Code "auth.not_yours",
 *  next step call_staff; the refusal is audited. */
class NotYoursError : public Error {
public:
    /** `what` names the visit or settlement (never the other terminal). */
    explicit NotYoursError(const std::string& what);
};

/** Mask a patient identifier for logs: first 2 and last 2 characters kept. */
std::string maskId(std::string_view id);

/** Transport-free settlement service. */
class SettlementService {
public:
    /** The store, rule tables, envelope context and msgid generator must outlive the service. */
    SettlementService(LedgerStore& store, const PolicyLibrary& policies, EnvelopeContext context,
        MsgidGenerator& msgids, ServiceConfig config);
    /** Handle one request from `terminal` (the CURVE-authenticated id); never throws. */
    std::string handle(const std::string& terminal, std::string_view request);
    /** Hook for CenterGateway::runOnce: wakes settle calls waiting for their entry. */
    ResolvedHook hook();

private:
    struct Call; // one request: terminal, parsed body, request id, call key
    boost::json::object dispatch(const Call& c);
    boost::json::object registerVisit(const Call& c);
    boost::json::object uploadFees(const Call& c);
    boost::json::object preSettle(const Call& c);
    boost::json::object settle(const Call& c);
    boost::json::object cancel(const Call& c);
    boost::json::object query(const Call& c);
    boost::json::object shiftTotals(const Call& c);
    SettlementSplit estimate(StoreTransaction& tx, const std::string& terminal,
        const std::string& visitId, const std::string& batch, bool useAccount, ClaimInput& claim,
        std::string& totalsKey, boost::json::object* visitOut = nullptr);
    void refusedAudit(const std::string& terminal, const NotYoursError& e);

    LedgerStore& m_store;
    const PolicyLibrary& m_policies;
    EnvelopeContext m_ctx;
    MsgidGenerator& m_msgids;
    ServiceConfig m_config;
    std::mutex m_waitMutex;
    std::condition_variable m_resolved;
    std::map<std::string, bool> m_waiters; // msgid of a waiting settle → answered
};

/** JSON of a settlement record for replies and reports (amounts in fen). */
boost::json::object settlementToJson(const SettlementRecord& r);

} // namespace hc::settle
