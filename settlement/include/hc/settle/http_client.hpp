// The center's HTTP client: hc::HttpClient (base/) with a persistent connection and a 1 GiB reply
// cap (file downloads), reporting whether a failed request may have reached the center.
// Thread-safety: one HttpClient per thread.
#pragma once

#include "hc/base/http_client.hpp"

namespace hc::settle {

using hc::HttpOutcome;
using hc::HttpResult;

/** Blocking keep-alive client for the center at one host:port. */
class HttpClient : public hc::HttpClient {
public:
    /** Target host and port; `timeout` bounds connect, write and read each. */
    HttpClient(std::string host, unsigned short port,
        std::chrono::milliseconds timeout = std::chrono::milliseconds(5000))
        : hc::HttpClient(std::move(host), port, options(timeout)) { }

private:
    static HttpClientOptions options(std::chrono::milliseconds timeout) {
        HttpClientOptions o;
        o.timeout = timeout;
        o.bodyLimit = 1024ULL * 1024 * 1024;
        o.keepAlive = true;
        return o;
    }
};

} // namespace hc::settle
