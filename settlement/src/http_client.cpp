#include "hc/settle/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <sys/socket.h>
#include <sys/time.h>

namespace hc::settle {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

struct HttpClient::Impl {
    std::string host;
    unsigned short port;
    std::chrono::milliseconds timeout;
    asio::io_context io;
    std::optional<tcp::socket> socket;
    boost::beast::flat_buffer buffer;

    void setTimeouts() {
        timeval tv {};
        tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
        tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
        const int fd = socket->native_handle();
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof one);
    }

    bool connect(std::string& error) {
        boost::system::error_code ec;
        tcp::resolver resolver(io);
        const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
        if (ec) {
            error = "resolve: " + ec.message();
            return false;
        }
        socket.emplace(io);
        asio::connect(*socket, endpoints, ec);
        if (ec) {
            socket.reset();
            error = "connect: " + ec.message();
            return false;
        }
        setTimeouts();
        buffer.clear();
        return true;
    }

    HttpResult exchange(http::verb verb, const std::string& target, const std::string& body) {
        HttpResult r;
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (socket.has_value() && (buffer.size() > 0 || socket->available() > 0)) {
                socket.reset(); // unread bytes: a stale or duplicated response; start clean
            }
            const bool reused = socket.has_value();
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
            http::write(*socket, req, ec);
            if (ec) {
                socket.reset();
                if (reused && attempt == 0) {
                    continue; // stale keep-alive connection; the write never reached a live peer
                }
                r.outcome = HttpOutcome::Unknown;
                r.error = "write: " + ec.message();
                return r;
            }
            http::response<http::string_body> res;
            http::read(*socket, buffer, res, ec);
            if (ec) {
                socket.reset();
                r.outcome = HttpOutcome::Unknown;
                r.error = "read: " + ec.message();
                return r;
            }
            r.outcome = HttpOutcome::Ok;
            r.status = static_cast<int>(res.result_int());
            r.body = std::move(res.body());
            if (!res.keep_alive()) {
                socket.reset();
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
