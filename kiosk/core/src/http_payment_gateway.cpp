#include "hc/kiosk/core/device_adapters.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace hc::kiosk::core {

namespace json = boost::json;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

HttpPaymentGateway::HttpPaymentGateway(
    std::string host, unsigned short port, std::chrono::milliseconds timeout)
    : m_host(std::move(host))
    , m_port(port)
    , m_timeout(timeout) {
}

PaygwReply HttpPaymentGateway::call(
    const std::string& method, const std::string& target, const json::object& body, bool mutating) {
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    try {
        tcp::resolver resolver(io);
        stream.expires_after(m_timeout);
        stream.connect(resolver.resolve(m_host, std::to_string(m_port)));
    } catch (const std::exception& e) {
        throw ServiceError(CallOutcome::NotSent, std::string("paygw connect: ") + e.what());
    }
    http::request<http::string_body> req { method == "POST" ? http::verb::post : http::verb::get,
        target, 11 };
    req.set(http::field::host, m_host);
    req.set(http::field::content_type, "application/json");
    if (method == "POST") {
        req.body() = json::serialize(body);
    }
    req.prepare_payload();
    const auto lost = mutating ? CallOutcome::Unknown : CallOutcome::NotSent;
    http::response<http::string_body> res;
    try {
        stream.expires_after(m_timeout);
        http::write(stream, req);
        beast::flat_buffer buf;
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024);
        http::read(stream, buf, parser);
        res = parser.release();
    } catch (const std::exception& e) {
        throw ServiceError(lost, std::string("paygw: no reply: ") + e.what());
    }
    const auto code = res.result_int();
    if (code >= 500) {
        throw ServiceError(lost, "paygw: HTTP " + std::to_string(code));
    }
    if (code >= 400) {
        throw ServiceError(CallOutcome::Refused,
            "paygw: HTTP " + std::to_string(code) + " " + res.body().substr(0, 200));
    }
    return parsePaygwReply(res.body());
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
