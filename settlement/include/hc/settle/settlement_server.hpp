// settlementd as a class: the settlement service (SettlementService) behind a ZeroMQ ROUTER
// socket for terminals, with the outbox dispatchers that talk to the center.
//   - one JSON request per message, one JSON reply (docs/settlement.md "Terminal API");
//   - CURVE encryption with terminal public keys on an allow-list (ZapAuthenticator); the
//     terminal id is the key's name in the allow-list, never a field of the request
//     (`insecure`: no CURVE, the terminal id from the request's "terminal" field; benchmarks);
//   - durable before acknowledging: the reply leaves only after the ledger committed.
// Threads: one polls the ROUTER; `workers` run requests, each taking the next one only when
// idle (a bounded queue; a request that finds it full is answered "busy, retry"); `dispatchers`
// run the outbox against the center; one answers ZAP.
//
//   SettlementServer server(config);     // opens the ledger, loads the rule tables
//   server.start();                      // binds; server.endpoint() says where
//   ...
//   server.stop();                       // or the destructor
//
// stop() loses nothing: it stops taking requests off the socket, lets the workers finish every
// request already taken (each gets its reply, sent before the socket closes), then stops the
// dispatchers. A request still in the socket's buffer was never taken: the terminal sees no
// reply (UNKNOWN) and sends the same request id again, which is answered from the ledger.
#pragma once

#include "hc/settle/allow_list.hpp"
#include "hc/settle/gateway.hpp"
#include "hc/settle/ledger.hpp"
#include "hc/settle/service.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace hc::settle {

/** Everything settlementd's options set. */
struct SettlementServerConfig {
    std::string db; ///< SQLite ledger file or a postgresql:// URL
    SqliteOptions sqlite; ///< SQLite: group commit
    PostgresOptions postgres; ///< PostgreSQL: connections
    std::string policies; ///< directory of rule tables
    std::string fixmedinsCode = "H51180000001"; ///< 12-char institution code
    int msgidFirst = 0; ///< msgid sequence range of this instance (9000-9999: the settle CLI's)
    int msgidLast = 8999; ///< last of the range
    GatewayConfig gateway; ///< the center; `owner` is suffixed "-<n>" per dispatcher
    ServiceConfig service; ///< settle wait, offline policy, code table, hospital level, cap
    std::string bind = "tcp://127.0.0.1:*"; ///< ZeroMQ endpoint ('*' port: any free one)
    bool insecure = false; ///< no CURVE (benchmarks only)
    std::string curveSecretKey; ///< the server's Z85 secret key (unless insecure)
    AllowList allow; ///< terminals' public keys (unless insecure)
    std::size_t workers = 64; ///< request threads (a settle holds one while the center answers)
    std::size_t dispatchers = 2; ///< outbox sender threads
    std::size_t queueCapacity = 10000; ///< requests waiting before "busy" replies
    std::int64_t maxMessageBytes = 1024 * 1024; ///< ZMQ_MAXMSGSIZE: larger frame disconnects
    std::string traceFile; ///< one line per request stage appended here ("" = none; no bodies)
    std::chrono::milliseconds zapStartDelay { 0 }; ///< tests only: a late ZAP handler thread
};

/** What the server did so far (requests taken, replies sent). */
struct SettlementServerStats {
    std::uint64_t accepted = 0; ///< requests taken off the socket and queued for a worker
    std::uint64_t replied = 0; ///< replies to those handed to the socket
    std::uint64_t busy = 0; ///< requests answered "busy" (queue full), not run
    std::uint64_t dropped = 0; ///< messages without an authenticated terminal, not run
};

/** The settlement server of one process (or of a test). */
class SettlementServer {
public:
    /** Loads the rule tables and opens the ledger; throws Error when either fails, or when CURVE
     *  is on without a secret key (code "config.no_curve_key"). */
    explicit SettlementServer(SettlementServerConfig config);
    /** stop(). */
    ~SettlementServer();
    SettlementServer(const SettlementServer&) = delete;
    SettlementServer& operator=(const SettlementServer&) = delete;

    /** Binds the socket and starts the threads. Throws when the endpoint cannot be bound. Once. */
    void start();
    /** Stops taking requests, answers every request taken, joins every thread (see above).
     *  Idempotent; any thread but the server's own. */
    void stop();
    /** The bound endpoint, e.g. "tcp://127.0.0.1:40123" (after start()). */
    std::string endpoint() const;
    /** The bound TCP port (after start()). */
    unsigned short port() const;
    /** Counters so far (any thread). */
    SettlementServerStats stats() const;
    /** The ledger (for tools and tests: read what the service wrote). */
    LedgerStore& ledger();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace hc::settle
