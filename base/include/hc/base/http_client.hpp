// The one HTTP/1.1 client of the middleware (Boost.Beast over TCP): blocking calls, each step
// (resolve, connect, write, read) bounded by a timeout, a cap on the reply body, and an optional
// persistent (keep-alive) connection.
//
// A failed call says whether the request may have reached the server, which is what an
// exactly-once caller needs (the settlement outbox's SENT vs UNKNOWN, the payment gateway's
// "query before retrying"):
//   NotSent  resolve or connect failed, nothing was written: the server certainly did not act;
//            sending again is safe.
//   Unknown  a write started, or the reply did not arrive complete (timeout, connection dropped,
//            reply over the cap): the server may have acted; query before sending again.
// Any complete reply is Ok, whatever its status code: the caller maps 4xx/5xx itself.
//
// Thread-safety: one HttpClient per thread (it owns its io_context and connection).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace hc {

/** Delivery class of one HTTP exchange. */
enum class HttpOutcome {
    Ok, ///< a complete reply was read (any status code)
    NotSent, ///< resolve or connect failed: the request certainly never left
    Unknown ///< written (maybe partly) but no complete reply: the server may have acted
};

/** The step an exchange stopped at (Done when a reply was read). */
enum class HttpStage { Resolve, Connect, Write, Read, Done };

/** Name of a stage as it appears in error texts: "resolve", "connect", "write", "read". */
const char* httpStageName(HttpStage stage) noexcept;

/** Result of one request. */
struct HttpResult {
    HttpOutcome outcome = HttpOutcome::Unknown; ///< delivery class
    HttpStage stage = HttpStage::Resolve; ///< where it stopped (Done on Ok)
    int status = 0; ///< HTTP status when outcome is Ok
    std::string body; ///< reply body when outcome is Ok
    std::string reason; ///< why it failed ("Connection refused", "reply body over ...")
    std::string error; ///< "<stage>: <reason>" ("connect: Connection refused"); empty on Ok
};

/** Settings of a client. */
struct HttpClientOptions {
    /** Bounds each step (connect, write, read) separately. */
    std::chrono::milliseconds timeout { 5000 };
    /** Largest reply body accepted; a larger one fails as Unknown naming this cap. */
    std::size_t bodyLimit = 1024U * 1024U;
    /** Keep the connection open between calls (HTTP/1.1 keep-alive); false sends
     *  "Connection: close" and connects for every call. */
    bool keepAlive = true;
    /** User-Agent header; empty sends none. */
    std::string userAgent;
};

/** Blocking HTTP/1.1 client for one host:port. */
class HttpClient {
public:
    /** Client for `host`:`port` with `options`. Connects lazily, on the first call. */
    HttpClient(std::string host, unsigned short port, HttpClientOptions options);
    /** Client with default options and this per-step timeout. */
    HttpClient(std::string host, unsigned short port,
        std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    /** POST `body` (of `contentType`) to `target`. On a kept-alive connection that turns out
     *  closed, the request is sent again on a fresh connection only when the write itself
     *  failed (not timed out): the peer had closed it, so nothing was received. */
    HttpResult post(const std::string& target, const std::string& body,
        const std::string& contentType = "application/json");
    /** GET `target`. */
    HttpResult get(const std::string& target);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace hc
