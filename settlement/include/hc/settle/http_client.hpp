// A small blocking HTTP/1.1 client (Boost.Beast) with a persistent connection and timeouts,
// which reports whether a failed request may have reached the server.
// Thread-safety: one HttpClient per thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>

namespace hc::settle {

/** Outcome class of an HTTP exchange, as the outbox needs it. */
enum class HttpOutcome {
    Ok, ///< a complete response was read (any status code)
    NotDelivered, ///< connecting failed: the request provably never left
    Unknown ///< written (maybe partly) but no complete response: the server may have acted
};

/** Result of one POST/GET. */
struct HttpResult {
    HttpOutcome outcome = HttpOutcome::Unknown; ///< delivery class
    int status = 0; ///< HTTP status when outcome is Ok
    std::string body; ///< response body
    std::string error; ///< error text otherwise
};

/** Blocking client for one host:port. */
class HttpClient {
public:
    /** Target host and port; `timeout` bounds connect, write and read each. */
    HttpClient(std::string host, unsigned short port,
        std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;
    /** POST a JSON body to `target`. A reused connection that turns out closed before anything
     *  was read is retried once on a fresh connection only if the write itself failed. */
    HttpResult post(const std::string& target, const std::string& body);
    /** GET `target`. */
    HttpResult get(const std::string& target);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace hc::settle
