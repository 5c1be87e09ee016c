// Center gateway: synchronous calls (9001, 3201, 3202, 5203, 9101, 9102) and the outbox
// dispatcher that sends durable entries (2201, 2204, 2207, 2208, 2601), applies the results to
// the ledger and resolves unknown outcomes the national way (reference §2.5):
//   - an entry is stored as a template; at dispatch the center's visit id (mdtrt_id, from the
//     visit's 2201 reply) and the center-facing ipt_otp_no / chrg_bchno / feedetl_sn are filled
//     in from the visit document ("materialized"); a visit without mdtrt_id fails locally;
//   - an UNKNOWN entry is reversed with 2601 {psn_no, omsgid, oinfno}; once the center accepts,
//     the entry is sent again under a NEW msgid (renewed: same place in the visit's order, the
//     old msgid's row kept as REVERSED, a renewed 2207's settlement renamed, old msgid aliased);
//   - a refused or lost 2601 leaves a 2207/2208 UNRESOLVED for reconciliation; a 2201/2204 is
//     restarted at the center under a new ipt_otp_no / chrg_bchno (the orphan, if any, carries
//     no money) and renewed;
//   - a reply is checked against what was sent (2201 ipt_otp_no, 2204 feedetl_sn, 2207
//     medins_setl_id and mdtrt_id, 2208 mdtrt_id) and a repeated inf_refmsgid on a connection
//     is a stale duplicate: unusable replies make the outcome UNKNOWN.
// A msgid is never sent twice: only an entry that provably never left (connect refused) is
// sent again under the same msgid.
#pragma once

#include "hc/settle/envelope.hpp"
#include "hc/settle/http_client.hpp"
#include "hc/settle/ledger.hpp"
#include "hc/settle/outbox.hpp"

#include <boost/json/object.hpp>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace hc::settle {

/** The center is unreachable or answered unusably; next step: retry (or go offline). */
class CenterUnavailable : public Error {
public:
    /** `delivered` tells whether the request may have reached the center. */
    CenterUnavailable(const std::string& message, bool mayHaveArrived);
    /** Whether the center may have processed the request. */
    bool mayHaveArrived() const noexcept { return m_mayHaveArrived; }

private:
    bool m_mayHaveArrived;
};

/** The center refused the request (infcode != 0); the message is the center's err_msg. */
class CenterRejected : public Error {
public:
    /** Wrap the center's error message. */
    explicit CenterRejected(const std::string& message);
};

/** Gateway settings. */
struct GatewayConfig {
    std::string host = "127.0.0.1"; ///< center host
    unsigned short port = 0; ///< center port
    std::string target = "/fsi/api/"; ///< URL path prefix; infno is appended
    std::chrono::milliseconds timeout { 5000 }; ///< per request
    RetryPolicy retry; ///< backoff and expiry
    std::string owner = "settlementd"; ///< lease owner (instance id)
    std::chrono::milliseconds lease { 30'000 }; ///< how long a SENT lease lasts (> timeout)
    std::size_t batch = 16; ///< entries leased per pass
    std::size_t parallel = 1; ///< connections used at once to send a leased batch
};

/** Counters of one dispatcher pass. */
struct PassStats {
    std::size_t sent = 0; ///< entries sent
    std::size_t ok = 0; ///< answered OK
    std::size_t failed = 0; ///< rejected by the center
    std::size_t unknown = 0; ///< became UNKNOWN
    std::size_t resolved = 0; ///< UNKNOWN entries whose 2601 reversal was requested
    std::size_t expired = 0; ///< moved to manual review
    /** Replies that came after their entry's lease ran out and another pass took the entry
     *  over (marked it UNKNOWN, reversed or renewed it): that pass decides, the reply is only
     *  audited ("outbox.reply_late"). */
    std::size_t late = 0;
    /** Whether anything happened. */
    bool any() const noexcept { return sent + resolved + expired + unknown != 0; }
};

/** Called after an entry's result is applied, inside the same transaction. */
using ResolvedHook = std::function<void(StoreTransaction&, const OutboxEntry&)>;

/** Gateway to the center for one thread. */
class CenterGateway {
public:
    /** Connect lazily to the configured center. */
    CenterGateway(GatewayConfig config, EnvelopeContext context, MsgidGenerator& msgids);
    /** Send one synchronous request; returns the output object. Throws CenterUnavailable or
     *  CenterRejected. */
    boost::json::object call(const std::string& infno, boost::json::object input,
        const std::string& opter = "settlementd");
    /** 9001 sign-in; stores sign_no in the envelope context. */
    void signIn();
    /** A file transaction (9102): the answer is the file itself; a JSON answer is the center's
     *  refusal (CenterRejected). Throws CenterUnavailable. */
    std::string download(const std::string& infno, boost::json::object input);
    /** One dispatcher pass over the outbox: expire, recover stale SENT, reverse UNKNOWN, send
     *  due NEW entries. */
    PassStats runOnce(LedgerStore& store, const ResolvedHook& hook = {});
    /** Reconciliation's verdict on an UNRESOLVED entry, in the caller's transaction:
     *  `setlinfo` (a 5203 output for the setl_id the center listed) adopts the center's record
     *  (OK); nullptr means the center holds nothing under this msgid: the entry is renewed under
     *  a new msgid. Returns false when the entry is not UNRESOLVED. */
    bool resolveUnresolved(StoreTransaction& tx, const std::string& msgid,
        const boost::json::object* setlinfoOutput, const ResolvedHook& hook = {});
    /** The envelope context (sign_no etc.). */
    const EnvelopeContext& context() const noexcept { return m_ctx; }

private:
    HttpResult exchange(const std::string& infno, const std::string& body);
    void startReversal(StoreTransaction& tx, OutboxEntry& entry, const ResolvedHook& hook);
    void apply(StoreTransaction& tx, OutboxEntry& entry, OutboxEvent event,
        const boost::json::object* output, const ResolvedHook& hook);
    void applySettle(StoreTransaction& tx, OutboxEntry& entry, const boost::json::object* output);
    void adoptLineResults(
        StoreTransaction& tx, const OutboxEntry& entry, const boost::json::object& output);
    void applyReversal(StoreTransaction& tx, OutboxEntry& entry, const ResolvedHook& hook);
    void reversalFailed(StoreTransaction& tx, OutboxEntry& original, const ResolvedHook& hook);
    void renew(StoreTransaction& tx, OutboxEntry& entry, OutboxEvent event, const std::string& why,
        const ResolvedHook& hook);
    std::int64_t backoffFrom(std::int64_t now, int attempts);

    GatewayConfig m_config;
    EnvelopeContext m_ctx;
    MsgidGenerator& m_msgids;
    HttpClient m_http;
    std::vector<std::unique_ptr<HttpClient>> m_pool;
    std::vector<std::vector<std::string>> m_seenRefmsgids; // per connection: recent replies
    std::mt19937_64 m_rng;
};

/** The settlement with this msgid, following renewals (doc "msgid_alias": old → new). */
std::optional<SettlementRecord> findSettlement(StoreTransaction& tx, const std::string& msgid);

/** The body actually sent for an entry: its template with the visit's center ids filled in
 *  (see the header comment). Throws InputError when the visit has no mdtrt_id yet. */
std::string materialize(StoreTransaction& tx, const OutboxEntry& entry);

/** Check a center reply's output against the request body sent (echoes, setlinfo invariant);
 *  throws InputError naming the field. */
void checkReply(const std::string& infno, const std::string& msgid,
    const boost::json::value& sentEnvelope, const boost::json::object& output);

/** Enqueue helper: builds the envelope with a fresh msgid and inserts a NEW entry. */
OutboxEntry makeOutboxEntry(const EnvelopeContext& ctx, MsgidGenerator& msgids,
    const RetryPolicy& retry, const std::string& infno, const std::string& visitId,
    const std::string& opterType, const std::string& opter, boost::json::object input,
    const std::string& refMsgid = {});

/** Lane (visit key) of a 2601 reversing `omsgid`: its own, so the original blocks its visit. */
std::string reversalLane(const std::string& omsgid);

/** Request a 2601 reversal of an entry (staff: an OK one → REVERSAL_PENDING; an UNKNOWN one →
 *  RESOLVING) and insert the NEW 2601 entry, in the caller's transaction. Throws
 *  IllegalTransition when a reversal was already requested or refused. */
OutboxEntry requestReversal(StoreTransaction& tx, const EnvelopeContext& ctx,
    MsgidGenerator& msgids, const RetryPolicy& retry, const std::string& originalMsgid,
    const std::string& psnNo, const std::string& actor);

} // namespace hc::settle
