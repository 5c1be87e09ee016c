// The settlement service core behind settlementd's terminal API (transport-free).
// Calls (JSON, every call carries "request_id"; a repeated id gets the stored reply):
//   register_visit {visit_id, psn_no, insutype, psn_type, hosp_lv, med_type, year}
//   upload_fees    {visit_id, chrg_bchno, items:[{code, class, amount_fen, qty_milli,
//                   price_cap_fen, selfpay_pct}]}
//   pre_settle     {visit_id, chrg_bchno}          → local estimate (nothing stored)
//   settle         {visit_id, chrg_bchno, acct_used_flag} → settled | provisional | self_pay
//   cancel         {msgid}                         → 2208 queued (only after the center confirmed)
//   query          {msgid}                         → the settlement as stored
//   shift_totals   {date?}                         → the terminal's totals and open adjustments
// Replies: {"ok":true, ...} or {"ok":false,"error":{"code","message","next_step","field"}}.
// Thread-safety: handle() may be called from several worker threads at once.
#pragma once

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
    boost::json::object dispatch(const std::string& terminal, const boost::json::value& request);
    boost::json::object registerVisit(const std::string& terminal, const boost::json::value& req);
    boost::json::object uploadFees(const std::string& terminal, const boost::json::value& req);
    boost::json::object preSettle(const boost::json::value& req);
    boost::json::object settle(const std::string& terminal, const boost::json::value& req);
    boost::json::object cancel(const std::string& terminal, const boost::json::value& req);
    boost::json::object query(const boost::json::value& req);
    boost::json::object shiftTotals(const std::string& terminal, const boost::json::value& req);
    SettlementSplit estimate(StoreTransaction& tx, const std::string& visitId,
        const std::string& batch, bool useAccount, ClaimInput& claim, std::string& totalsKey);

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
