#include "hc/base/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace hc {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

const char* httpStageName(HttpStage stage) noexcept {
    static constexpr const char* kNames[] = { "resolve", "connect", "write", "read", "done" };
    return kNames[static_cast<int>(stage)];
}

namespace {

HttpResult failed(HttpStage stage, std::string reason) {
    HttpResult r;
    r.stage = stage;
    r.outcome = (stage == HttpStage::Resolve || stage == HttpStage::Connect) ? HttpOutcome::NotSent
                                                                             : HttpOutcome::Unknown;
    r.error = std::string(httpStageName(stage)) + ": " + reason;
    r.reason = std::move(reason);
    return r;
}

} // namespace

// Every step (connect, write, read) runs asynchronously on a private io_context with a deadline
// (beast::tcp_stream::expires_after): a blocking read with SO_RCVTIMEO is not bounded in asio,
// whose synchronous read polls again without a timeout when recv() times out, and the
// synchronous operations of tcp_stream ignore its expiry.
struct HttpClient::Impl {
    std::string host;
    unsigned short port = 0;
    HttpClientOptions options;
    asio::io_context io;
    std::optional<beast::tcp_stream> stream;
    beast::flat_buffer buffer;

    // Run the io_context until the pending operation's handler ran.
    void runOne() {
        io.restart();
        io.run();
    }

    std::optional<HttpResult> connect() {
        boost::system::error_code ec;
        tcp::resolver resolver(io);
        const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
        if (ec) {
            return failed(HttpStage::Resolve, ec.message());
        }
        stream.emplace(io);
        stream->expires_after(options.timeout);
        stream->async_connect(
            endpoints, [&](const boost::system::error_code& e, const tcp::endpoint&) { ec = e; });
        runOne();
        if (ec) {
            stream.reset();
            return failed(HttpStage::Connect, ec.message());
        }
        stream->socket().set_option(tcp::no_delay(true), ec);
        buffer.clear();
        return std::nullopt;
    }

    bool hasUnreadBytes() {
        boost::system::error_code ec;
        return buffer.size() > 0 || stream->socket().available(ec) > 0 || ec;
    }

    std::string readError(const boost::system::error_code& ec) const {
        if (ec == http::error::body_limit) {
            return "reply body over the " + std::to_string(options.bodyLimit) + "-byte limit ("
                + ec.message() + ")";
        }
        return ec.message();
    }

    HttpResult exchange(http::verb verb, const std::string& target, const std::string& body,
        const std::string& contentType) {
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (stream.has_value() && (!options.keepAlive || hasUnreadBytes())) {
                stream.reset(); // unread bytes: a stale or duplicated reply; start clean
            }
            const bool reused = stream.has_value();
            if (!reused) {
                if (auto failure = connect()) {
                    return std::move(*failure);
                }
            }
            http::request<http::string_body> req { verb, target, 11 };
            req.set(http::field::host, host);
            if (!options.userAgent.empty()) {
                req.set(http::field::user_agent, options.userAgent);
            }
            if (verb == http::verb::post) {
                req.set(http::field::content_type, contentType);
                req.body() = body;
            }
            req.keep_alive(options.keepAlive);
            req.prepare_payload();
            boost::system::error_code ec;
            stream->expires_after(options.timeout);
            http::async_write(
                *stream, req, [&](const boost::system::error_code& e, std::size_t) { ec = e; });
            runOne();
            if (ec) {
                stream.reset();
                if (reused && attempt == 0 && ec != beast::error::timeout) {
                    continue; // stale keep-alive connection; the write never reached a live peer
                }
                return failed(HttpStage::Write, ec.message());
            }
            http::response_parser<http::string_body> parser;
            parser.body_limit(options.bodyLimit);
            stream->expires_after(options.timeout);
            http::async_read(*stream, buffer, parser,
                [&](const boost::system::error_code& e, std::size_t) { ec = e; });
            runOne();
            if (ec) {
                stream.reset();
                return failed(HttpStage::Read, readError(ec));
            }
            auto res = parser.release();
            HttpResult r;
            r.outcome = HttpOutcome::Ok;
            r.stage = HttpStage::Done;
            r.status = static_cast<int>(res.result_int());
            r.body = std::move(res.body());
            if (!options.keepAlive || !res.keep_alive()) {
                stream.reset();
            }
            return r;
        }
        return failed(HttpStage::Write, "connection closed"); // not reached
    }
};

HttpClient::HttpClient(std::string host, unsigned short port, HttpClientOptions options)
    : m_impl(std::make_unique<Impl>()) {
    m_impl->host = std::move(host);
    m_impl->port = port;
    m_impl->options = std::move(options);
}

HttpClient::HttpClient(std::string host, unsigned short port, std::chrono::milliseconds timeout)
    : HttpClient(std::move(host), port, [timeout] {
        HttpClientOptions o;
        o.timeout = timeout;
        return o;
    }()) {
}

HttpClient::~HttpClient() = default;

HttpResult HttpClient::post(
    const std::string& target, const std::string& body, const std::string& contentType) {
    return m_impl->exchange(http::verb::post, target, body, contentType);
}

HttpResult HttpClient::get(const std::string& target) {
    return m_impl->exchange(http::verb::get, target, {}, {});
}

} // namespace hc
