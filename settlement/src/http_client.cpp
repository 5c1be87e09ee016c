#include "hc/settle/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>

namespace hc::settle {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Every step (connect, write, read) runs asynchronously on a private io_context with a deadline
// (beast::tcp_stream::expires_after): a blocking read with SO_RCVTIMEO is not bounded in asio,
// whose synchronous read polls again without a timeout when recv() times out.
struct HttpClient::Impl {
    std::string host;
    unsigned short port;
    std::chrono::milliseconds timeout;
    asio::io_context io;
    std::optional<beast::tcp_stream> stream;
    beast::flat_buffer buffer;

    // Run the io_context until the operation's handler ran.
    void runOne() {
        io.restart();
        io.run();
    }

    bool connect(std::string& error) {
        boost::system::error_code ec;
        tcp::resolver resolver(io);
        const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
        if (ec) {
            error = "resolve: " + ec.message();
            return false;
        }
        stream.emplace(io);
        stream->expires_after(timeout);
        stream->async_connect(
            endpoints, [&](const boost::system::error_code& e, const tcp::endpoint&) { ec = e; });
        runOne();
        if (ec) {
            stream.reset();
            error = "connect: " + ec.message();
            return false;
        }
        stream->socket().set_option(tcp::no_delay(true), ec);
        buffer.clear();
        return true;
    }

    bool hasUnreadBytes() {
        boost::system::error_code ec;
        return buffer.size() > 0 || stream->socket().available(ec) > 0 || ec;
    }

    HttpResult exchange(http::verb verb, const std::string& target, const std::string& body) {
        HttpResult r;
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (stream.has_value() && hasUnreadBytes()) {
                stream.reset(); // unread bytes: a stale or duplicated response; start clean
            }
            const bool reused = stream.has_value();
            if (!reused && !connect(r.error)) {
                r.outcome = HttpOutcome::NotDelivered;
                return r;
            }
            http::request<http::string_body> req { verb, target, 11 };
            req.set(http::field::host, host);
            req.set(http::field::content_type, "application/json");
            req.keep_alive(true);
            req.body() = body;
            req.prepare_payload();
            boost::system::error_code ec;
            stream->expires_after(timeout);
            http::async_write(
                *stream, req, [&](const boost::system::error_code& e, std::size_t) { ec = e; });
            runOne();
            if (ec) {
                stream.reset();
                if (reused && attempt == 0 && ec != beast::error::timeout) {
                    continue; // stale keep-alive connection; the write never reached a live peer
                }
                r.outcome = HttpOutcome::Unknown;
                r.error = "write: " + ec.message();
                return r;
            }
            http::response<http::string_body> res;
            http::response_parser<http::string_body> parser;
            parser.body_limit(1024ULL * 1024 * 1024);
            stream->expires_after(timeout);
            http::async_read(*stream, buffer, parser,
                [&](const boost::system::error_code& e, std::size_t) { ec = e; });
            runOne();
            if (ec) {
                stream.reset();
                r.outcome = HttpOutcome::Unknown;
                r.error = "read: " + ec.message();
                return r;
            }
            res = parser.release();
            r.outcome = HttpOutcome::Ok;
            r.status = static_cast<int>(res.result_int());
            r.body = std::move(res.body());
            if (!res.keep_alive()) {
                stream.reset();
            }
            return r;
        }
        return r;
    }
};

HttpClient::HttpClient(std::string host, unsigned short port, std::chrono::milliseconds timeout)
    : m_impl(std::make_unique<Impl>()) {
    m_impl->host = std::move(host);
    m_impl->port = port;
    m_impl->timeout = timeout;
}

HttpClient::~HttpClient() = default;

HttpResult HttpClient::post(const std::string& target, const std::string& body) {
    return m_impl->exchange(http::verb::post, target, body);
}

HttpResult HttpClient::get(const std::string& target) {
    return m_impl->exchange(http::verb::get, target, {});
}

} // namespace hc::settle
