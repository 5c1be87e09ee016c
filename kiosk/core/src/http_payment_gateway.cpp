#include "hc/base/http_client.hpp"
#include "hc/kiosk/core/device_adapters.hpp"

namespace hc::kiosk::core {

namespace json = boost::json;

HttpPaymentGateway::HttpPaymentGateway(
    std::string host, unsigned short port, std::chrono::milliseconds timeout)
    : m_host(std::move(host))
    , m_port(port)
    , m_timeout(timeout) {
}

PaygwReply HttpPaymentGateway::call(
    const std::string& method, const std::string& target, const json::object& body, bool mutating) {
    // One connection per call; connect, write and read each bounded by the timeout.
    HttpClientOptions options;
    options.timeout = m_timeout;
    options.bodyLimit = 64 * 1024;
    options.keepAlive = false;
    HttpClient http(m_host, m_port, options);
    const auto res = method == "POST" ? http.post(target, json::serialize(body)) : http.get(target);
    if (res.outcome == HttpOutcome::NotSent) {
        throw ServiceError(CallOutcome::NotSent, "paygw connect: " + res.reason);
    }
    // A lost reply to a query is harmless (query again); to an order, refund or close it is not.
    const auto lost = mutating ? CallOutcome::Unknown : CallOutcome::NotSent;
    if (res.outcome == HttpOutcome::Unknown) {
        throw ServiceError(lost, "paygw: no reply: " + res.error);
    }
    const auto code = res.status;
    if (code >= 500) {
        throw ServiceError(lost, "paygw: HTTP " + std::to_string(code));
    }
    if (code >= 400) {
        throw ServiceError(CallOutcome::Refused,
            "paygw: HTTP " + std::to_string(code) + " " + res.body.substr(0, 200));
    }
    return parsePaygwReply(res.body);
}

PayOrder HttpPaymentGateway::createOrder(
    const std::string& requestId, std::int64_t fen, const std::string& subject) {
    const auto r = call("POST", "/orders",
        json::object { { "requestId", requestId }, { "amountFen", fen }, { "subject", subject } },
        true);
    return { r.orderId, r.qr };
}

OrderState HttpPaymentGateway::query(const std::string& requestId) {
    return call("GET", "/orders/" + requestId, {}, false).state;
}

void HttpPaymentGateway::refund(
    const std::string& requestId, std::int64_t fen, const std::string& refundRequestId) {
    call("POST", "/orders/" + requestId + "/refund",
        json::object { { "refundRequestId", refundRequestId }, { "amountFen", fen } }, true);
}

void HttpPaymentGateway::close(const std::string& requestId) {
    call("POST", "/orders/" + requestId + "/close", json::object {}, true);
}

} // namespace hc::kiosk::core
