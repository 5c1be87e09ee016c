// Center gateway: synchronous calls (9001, 2206, 5203, 5206, 3201, 3202, 9101, 9102) and the
// outbox dispatcher that sends durable entries (2201, 2204, 2207, 2208, 2601) exactly once in
// effect, applies the results to the ledger and resolves UNKNOWN outcomes only by 5203.
// Thread-safety: one CenterGateway per thread (it owns an HTTP connection); the ledger store
// serializes transactions.
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
    std::size_t resolved = 0; ///< UNKNOWN resolved by 5203
    std::size_t expired = 0; ///< moved to manual review
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
    /** One dispatcher pass over the outbox: expire, recover stale SENT, resolve UNKNOWN, send
     *  due NEW entries. */
    PassStats runOnce(LedgerStore& store, const ResolvedHook& hook = {});
    /** The envelope context (sign_no etc.). */
    const EnvelopeContext& context() const noexcept { return m_ctx; }

private:
    HttpResult exchange(const std::string& infno, const std::string& body);
    void resolveUnknown(
        LedgerStore& store, OutboxEntry entry, PassStats& stats, const ResolvedHook& hook);
    void apply(StoreTransaction& tx, OutboxEntry& entry, OutboxEvent event,
        const boost::json::object* output, const ResolvedHook& hook);
    std::int64_t backoffFrom(std::int64_t now, int attempts);

    GatewayConfig m_config;
    EnvelopeContext m_ctx;
    MsgidGenerator& m_msgids;
    HttpClient m_http;
    std::vector<std::unique_ptr<HttpClient>> m_pool;
    std::mt19937_64 m_rng;
};

/** Enqueue helper: builds the envelope with a fresh msgid and inserts a NEW entry. */
OutboxEntry makeOutboxEntry(const EnvelopeContext& ctx, MsgidGenerator& msgids,
    const RetryPolicy& retry, const std::string& infno, const std::string& visitId,
    const std::string& opterType, const std::string& opter, boost::json::object input,
    const std::string& refMsgid = {});

/** Request a 2601 reversal of an OK entry: original → REVERSAL_PENDING and a NEW 2601 entry,
 *  in the caller's transaction. Throws IllegalTransition when UNKNOWN or already reversed. */
OutboxEntry requestReversal(StoreTransaction& tx, const EnvelopeContext& ctx,
    MsgidGenerator& msgids, const RetryPolicy& retry, const std::string& originalMsgid,
    const std::string& psnNo, const std::string& actor);

} // namespace hc::settle
