// hc::HttpClient against a tiny Beast server started in the test on 127.0.0.1: what a caller of
// an exactly-once call relies on is the NotSent / Unknown split.
#include "hc/base/http_client.hpp"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <doctest/doctest.h>
#include <functional>
#include <thread>

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

/** What the server does with each request it reads. */
enum class Mode {
    Reply, ///< answers 200 with the request's target as body (keep-alive as asked)
    CloseAfterRead, ///< reads the request, then closes without a reply
    Stall, ///< reads the request, then waits (longer than the client's timeout)
    BigBody ///< answers with a 100,000-byte body
};

/** One-thread server for `connections` connections; counts the requests it read. */
class TinyServer {
public:
    TinyServer(Mode mode, int connections)
        : m_acceptor(m_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0))
        , m_mode(mode) {
        m_thread = std::thread([this, connections] { serve(connections); });
    }
    ~TinyServer() {
        m_stop = true;
        boost::system::error_code ec;
        m_acceptor.close(ec);
        m_thread.join();
    }
    unsigned short port() const { return m_acceptor.local_endpoint().port(); }
    int requests() const { return m_requests.load(); }
    int connections() const { return m_connections.load(); }

private:
    void serve(int connections) {
        for (int c = 0; c < connections && !m_stop; ++c) {
            boost::system::error_code ec;
            tcp::socket s(m_io);
            m_acceptor.accept(s, ec);
            if (ec) {
                return;
            }
            ++m_connections;
            boost::beast::flat_buffer buf;
            for (;;) {
                http::request<http::string_body> req;
                http::read(s, buf, req, ec);
                if (ec) {
                    break;
                }
                ++m_requests;
                if (m_mode == Mode::CloseAfterRead) {
                    break;
                }
                if (m_mode == Mode::Stall) {
                    for (int i = 0; i < 30 && !m_stop; ++i) {
                        std::this_thread::sleep_for(20ms);
                    }
                    break;
                }
                http::response<http::string_body> res { http::status::ok, 11 };
                res.body() = m_mode == Mode::BigBody ? std::string(100000, 'x')
                                                     : std::string(req.target()) + "|" + req.body();
                res.keep_alive(req.keep_alive());
                res.prepare_payload();
                http::write(s, res, ec);
                if (ec || !req.keep_alive()) {
                    break;
                }
            }
            s.close(ec);
        }
    }

    asio::io_context m_io;
    tcp::acceptor m_acceptor;
    Mode m_mode;
    std::thread m_thread;
    std::atomic<bool> m_stop { false };
    std::atomic<int> m_requests { 0 };
    std::atomic<int> m_connections { 0 };
};

/** A port nothing listens on: bound, then closed. */
unsigned short closedPort() {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const auto port = a.local_endpoint().port();
    a.close();
    return port;
}

} // namespace

TEST_CASE("a reply of any status is Ok and carries the body; keep-alive reuses the connection") {
    TinyServer server(Mode::Reply, 1);
    hc::HttpClient client("127.0.0.1", server.port(), 2000ms);
    const auto a = client.post("/a", "{\"x\":1}");
    REQUIRE(a.outcome == hc::HttpOutcome::Ok);
    CHECK(a.status == 200);
    CHECK(a.body == "/a|{\"x\":1}");
    CHECK(a.error.empty());
    const auto b = client.get("/b");
    REQUIRE(b.outcome == hc::HttpOutcome::Ok);
    CHECK(b.body == "/b|");
    CHECK(server.connections() == 1);
}

TEST_CASE("without keep-alive every call connects anew") {
    TinyServer server(Mode::Reply, 2);
    hc::HttpClientOptions o;
    o.timeout = 2000ms;
    o.keepAlive = false;
    hc::HttpClient client("127.0.0.1", server.port(), o);
    CHECK(client.get("/1").outcome == hc::HttpOutcome::Ok);
    CHECK(client.get("/2").outcome == hc::HttpOutcome::Ok);
    CHECK(server.connections() == 2);
}

TEST_CASE("connection refused is NotSent: nothing reached a server") {
    hc::HttpClient client("127.0.0.1", closedPort(), 2000ms);
    const auto r = client.post("/orders", "{}");
    CHECK(r.outcome == hc::HttpOutcome::NotSent);
    CHECK(r.stage == hc::HttpStage::Connect);
    CHECK(r.error.rfind("connect: ", 0) == 0);
    CHECK(r.error.find("refused") != std::string::npos);
}

TEST_CASE("a host that does not resolve is NotSent") {
    hc::HttpClient client("no-such-host.invalid", 80, 2000ms);
    const auto r = client.get("/");
    CHECK(r.outcome == hc::HttpOutcome::NotSent);
    CHECK(r.stage == hc::HttpStage::Resolve);
    CHECK(r.error.rfind("resolve: ", 0) == 0);
}

TEST_CASE("the server read the request and closed without a reply: Unknown") {
    TinyServer server(Mode::CloseAfterRead, 1);
    hc::HttpClient client("127.0.0.1", server.port(), 2000ms);
    const auto r = client.post("/orders", "{\"amountFen\":100}");
    CHECK(r.outcome == hc::HttpOutcome::Unknown);
    CHECK(r.stage == hc::HttpStage::Read);
    CHECK(r.error.rfind("read: ", 0) == 0);
    CHECK(server.requests() == 1); // it did arrive: Unknown is the truth, NotSent would double-pay
}

TEST_CASE("a server slower than the timeout: Unknown, within about the timeout") {
    TinyServer server(Mode::Stall, 1);
    hc::HttpClient client("127.0.0.1", server.port(), 150ms);
    const auto start = std::chrono::steady_clock::now();
    const auto r = client.post("/orders", "{}");
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(r.outcome == hc::HttpOutcome::Unknown);
    CHECK(r.stage == hc::HttpStage::Read);
    CHECK(took < 550ms); // bounded by the timeout, not by the server's stall
}

TEST_CASE("a reply body over the cap is refused, naming the cap") {
    TinyServer server(Mode::BigBody, 1);
    hc::HttpClientOptions o;
    o.timeout = 2000ms;
    o.bodyLimit = 4096;
    hc::HttpClient client("127.0.0.1", server.port(), o);
    const auto r = client.get("/big");
    CHECK(r.outcome == hc::HttpOutcome::Unknown);
    CHECK(r.error.find("4096-byte limit") != std::string::npos);
}
