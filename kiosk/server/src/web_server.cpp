#include "hc/kiosk/web_server.hpp"

#include "access.hpp"
#include "hc/base/json_in.hpp"
#include "qr_svg.hpp"
#include "static_files.hpp"

#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

namespace hc::kiosk {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;

/** Queued frames after which a browser that does not read is dropped (it reconnects). */
constexpr std::size_t kMaxQueuedFrames = 256;

std::string errorJson(std::string_view text) {
    json::object o;
    o["type"] = "error";
    o["text"] = text;
    return json::serialize(o);
}

/** Parses one input message; on failure `error` names the field. The size is bounded before
 * (the WebSocket's and the HTTP body's limits). */
std::optional<json::object> parseInput(std::string_view text, std::string& error) {
    try {
        auto value = hc::parseJson(text, "message", { text.size(), 16 });
        const hc::JsonIn in(value, "message");
        if (!in.has("type")) {
            error = "type: missing (choose, action, input, mode or card)";
            return std::nullopt;
        }
        in.str("type", 64);
        return std::move(value.as_object());
    } catch (const hc::JsonFieldError& e) {
        // The UI's messages name fields from the root ("type: ..."), the message itself as
        // "message: ...".
        const auto& f = e.field();
        error = (f.starts_with("message.") ? f.substr(8) : f) + ": " + e.problem();
        return std::nullopt;
    }
}

bool isLoopback(const asio::ip::address& a) {
    return a.is_loopback();
}

} // namespace

class WsSession;
class HttpSession;

struct WebServer::Impl {
    Impl(UiPort& p, WebServerOptions o)
        : port(p)
        , options(std::move(o)) { }

    UiPort& port;
    WebServerOptions options;
    std::filesystem::path docroot;
    asio::io_context ioc { 1 };
    tcp::acceptor acceptor { ioc };
    /** Calls into the port run here, one at a time, in arrival order. */
    std::optional<asio::thread_pool> portPool;
    std::thread ioThread;
    unsigned short boundPort = 0;
    bool loopbackOnly = true;
    bool started = false;
    bool stopped = false; ///< owner thread: stop() has finished (guarded by runMutex for run())
    bool closing = false; ///< I/O thread: no new clients
    std::mutex runMutex;
    std::condition_variable runCv;

    // Touched on the I/O thread only.
    std::set<std::shared_ptr<WsSession>> clients;
    /** Open HTTP connections by arrival (oldest first), for the cap. */
    std::map<std::uint64_t, std::weak_ptr<HttpSession>> httpSessions;
    std::uint64_t nextHttpId = 0;
    std::atomic<std::size_t> clientCountValue { 0 };
    std::atomic<std::size_t> httpCountValue { 0 };
    asio::steady_timer acceptBackoff { ioc };
    std::chrono::milliseconds acceptDelay { 0 }; ///< current backoff after accept errors
    std::uint64_t acceptErrors = 0; ///< accept errors seen (EMFILE, ...)

    void doAccept();
    void admit(tcp::socket socket);
    /** Closes the oldest HTTP connection still waiting for a request; false when none. */
    bool evictIdleHttp();
    void broadcast(const boost::json::object& message);
    bool hostAllowed(std::string_view host) const;

    /** Runs `work` on the port thread, then `done(result)` on the I/O thread. */
    template <class Work, class Done> void onPort(Work work, Done done) {
        asio::post(*portPool, [this, work = std::move(work), done = std::move(done)]() mutable {
            auto result = work();
            asio::post(ioc, [done = std::move(done), result = std::move(result)]() mutable {
                done(std::move(result));
            });
        });
    }
};

namespace {

/** What a call into the port produced: the JSON to send and whether it was an error. */
struct PortResult {
    std::string body;
    http::status status = http::status::ok;
};

PortResult currentViewOf(UiPort& port, detail::Client client) {
    try {
        auto view = port.currentView();
        return { json::serialize(
                     client == detail::Client::Screen ? view : detail::redacted(std::move(view))),
            http::status::ok };
    } catch (const std::exception& e) {
        return { errorJson(
                     std::string("the kiosk engine failed to describe the screen: ") + e.what()),
            http::status::internal_server_error };
    }
}

PortResult inputTo(UiPort& port, const json::object& message, detail::Client client) {
    try {
        port.handleInput(message);
    } catch (const hc::InputError& e) {
        return { errorJson(e.what()), http::status::bad_request };
    } catch (const std::exception& e) {
        return { errorJson(std::string("the kiosk engine failed: ") + e.what()),
            http::status::internal_server_error };
    }
    return currentViewOf(port, client);
}

} // namespace

/** One browser's WebSocket. Lives on the I/O thread. */
class WsSession : public std::enable_shared_from_this<WsSession> {
public:
    WsSession(WebServer::Impl& server, tcp::socket&& socket, detail::Client client)
        : m_server(server)
        , m_ws(std::move(socket))
        , m_client(client) { }

    /** The kiosk's own screen (sees confidential view data) or a tool. */
    detail::Client client() const { return m_client; }

    void run(http::request<http::string_body> req) {
        websocket::stream_base::timeout timeouts {};
        timeouts.handshake_timeout = std::chrono::seconds(10);
        timeouts.idle_timeout = std::chrono::seconds(20); // a vanished browser is dropped
        timeouts.keep_alive_pings = true;
        m_ws.set_option(timeouts);
        m_ws.read_message_max(m_server.options.maxMessageBytes);
        m_ws.async_accept(
            req, [self = shared_from_this()](beast::error_code ec) { self->onAccept(ec); });
    }

    void send(std::shared_ptr<const std::string> frame) {
        if (m_closed) {
            return;
        }
        if (m_queue.size() >= kMaxQueuedFrames) {
            close();
            return;
        }
        m_queue.push_back(std::move(frame));
        if (m_queue.size() == 1) {
            doWrite();
        }
    }

    void close() {
        if (m_closed) {
            return;
        }
        m_closed = true;
        m_server.clients.erase(shared_from_this());
        m_server.clientCountValue = m_server.clients.size();
        beast::error_code ec;
        beast::get_lowest_layer(m_ws).socket().shutdown(tcp::socket::shutdown_both, ec);
        beast::get_lowest_layer(m_ws).close();
    }

private:
    void onAccept(beast::error_code ec) {
        if (ec) {
            return;
        }
        if (m_server.closing) {
            close();
            return;
        }
        m_server.clients.insert(shared_from_this());
        m_server.clientCountValue = m_server.clients.size();
        // The screen as it is now, so a reconnecting browser catches up at once.
        m_server.onPort(
            [&port = m_server.port, client = m_client] { return currentViewOf(port, client); },
            [self = shared_from_this()](PortResult r) {
                self->send(std::make_shared<const std::string>(std::move(r.body)));
            });
        doRead();
    }

    void doRead() {
        m_ws.async_read(m_buffer,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onRead(ec); });
    }

    void onRead(beast::error_code ec) {
        if (ec) {
            close();
            return;
        }
        auto text = beast::buffers_to_string(m_buffer.data());
        m_buffer.consume(m_buffer.size());
        std::string error;
        auto message = m_ws.got_text() ? parseInput(text, error) : std::nullopt;
        if (!m_ws.got_text()) {
            error = "message: expected a text frame with JSON";
        }
        if (!message) {
            send(std::make_shared<const std::string>(errorJson(error)));
        } else {
            // The view that follows reaches every browser through the port's listener; only an
            // error goes back here alone.
            m_server.onPort(
                [&port = m_server.port, msg = std::move(*message)]() -> std::optional<std::string> {
                    try {
                        port.handleInput(msg);
                    } catch (const hc::InputError& e) {
                        return errorJson(e.what());
                    } catch (const std::exception& e) {
                        return errorJson(std::string("the kiosk engine failed: ") + e.what());
                    }
                    return std::nullopt;
                },
                [self = shared_from_this()](std::optional<std::string> err) {
                    if (err) {
                        self->send(std::make_shared<const std::string>(std::move(*err)));
                    }
                });
        }
        doRead();
    }

    void doWrite() {
        m_ws.text(true);
        m_ws.async_write(asio::buffer(*m_queue.front()),
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onWrite(ec); });
    }

    void onWrite(beast::error_code ec) {
        if (ec) {
            close();
            return;
        }
        m_queue.pop_front();
        if (!m_queue.empty() && !m_closed) {
            doWrite();
        }
    }

    WebServer::Impl& m_server;
    websocket::stream<beast::tcp_stream> m_ws;
    beast::flat_buffer m_buffer;
    std::deque<std::shared_ptr<const std::string>> m_queue;
    detail::Client m_client;
    bool m_closed = false;
};

/** One HTTP connection (keep-alive); hands itself to a WsSession on an upgrade to /ws. */
class HttpSession : public std::enable_shared_from_this<HttpSession> {
public:
    HttpSession(WebServer::Impl& server, tcp::socket&& socket)
        : m_server(server)
        , m_stream(std::move(socket)) { }

    void run() {
        m_id = ++m_server.nextHttpId;
        m_server.httpSessions.emplace(m_id, weak_from_this());
        m_server.httpCountValue = m_server.httpSessions.size();
        doRead();
    }

    void close() {
        beast::error_code ec;
        m_stream.socket().shutdown(tcp::socket::shutdown_both, ec);
        m_stream.close();
    }

    /** True while the connection waits for (or reads) a request, not while one is answered. */
    bool waiting() const { return m_waiting; }

private:
    void doRead() {
        m_parser.emplace();
        m_parser->body_limit(m_server.options.maxMessageBytes);
        m_parser->header_limit(16 * 1024);
        m_stream.expires_after(m_server.options.headerTimeout);
        m_waiting = true;
        http::async_read(m_stream, m_buffer, *m_parser,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onRead(ec); });
    }

    void forget() {
        m_server.httpSessions.erase(m_id);
        m_server.httpCountValue = m_server.httpSessions.size();
    }

    void finish() {
        forget();
        close();
    }

    void replyJson(http::status status, std::string body) {
        reply(status, std::move(body), "application/json; charset=utf-8");
    }

    /** /launch?token=T: the kiosk's launcher; sets the screen's cookie. */
    void launch(std::string_view target) {
        const auto given = detail::queryParam(target, "token");
        if (!detail::tokenMatches(m_server.options.accessToken, given)) {
            replyJson(http::status::forbidden,
                errorJson("launch: token missing or wrong (the kiosk's launcher passes the "
                          "per-boot token kioskd wrote to its token file)"));
            return;
        }
        m_setCookie = std::string(detail::kCookieName) + "=" + m_server.options.accessToken
            + "; Path=/; HttpOnly; SameSite=Strict";
        m_location = "/";
        reply(http::status::see_other, "", "text/plain; charset=utf-8");
    }

    void onRead(beast::error_code ec) {
        if (ec == http::error::body_limit) {
            m_keepAlive = false;
            reply(http::status::payload_too_large,
                errorJson("body: larger than " + std::to_string(m_server.options.maxMessageBytes)
                    + " bytes"),
                "application/json; charset=utf-8");
            return;
        }
        m_waiting = false;
        if (ec) {
            finish();
            return;
        }
        auto req = m_parser->release();
        m_keepAlive = req.keep_alive();
        m_head = req.method() == http::verb::head;
        if (!m_server.hostAllowed(req[http::field::host])) {
            reply(http::status::forbidden, errorJson("Host: not this kiosk's address"),
                "application/json; charset=utf-8");
            return;
        }
        const auto target = std::string(req.target());
        const auto path = target.substr(0, target.find('?'));
        if (path == "/launch") {
            launch(target);
            return;
        }
        m_clientKind = detail::classify(m_server.options.accessToken, req[http::field::cookie],
            req[http::field::authorization]);
        const bool guarded = path == "/ws" || path.rfind("/api/", 0) == 0;
        if (guarded && m_clientKind == detail::Client::None) {
            m_keepAlive = false;
            replyJson(http::status::unauthorized,
                errorJson("access: this kiosk's per-boot token is required (the screen's cookie "
                          "from /launch, or Authorization: Bearer for a local tool)"));
            return;
        }
        if (websocket::is_upgrade(req)) {
            upgrade(std::move(req), path);
            return;
        }
        if (path == "/api/view") {
            if (req.method() != http::verb::get) {
                reply(http::status::method_not_allowed, errorJson("method: use GET for /api/view"),
                    "application/json; charset=utf-8");
                return;
            }
            m_server.onPort([&port = m_server.port,
                                client = m_clientKind] { return currentViewOf(port, client); },
                [self = shared_from_this()](PortResult r) {
                    self->reply(r.status, std::move(r.body), "application/json; charset=utf-8");
                });
            return;
        }
        if (path == "/api/input") {
            handleInput(req);
            return;
        }
        if (path == "/api/qr.svg") {
            // The QR code of the current view's data.qr (the payment screen); no parameters.
            m_server.onPort(
                [&port = m_server.port]() -> std::optional<std::string> {
                    try {
                        const auto view = port.currentView();
                        const auto* data = view.if_contains("data");
                        const auto* qr = data != nullptr && data->is_object()
                            ? data->as_object().if_contains("qr")
                            : nullptr;
                        if (qr != nullptr && qr->is_string()) {
                            return detail::qrSvg(std::string_view(qr->as_string()));
                        }
                    } catch (const std::exception&) { }
                    return std::nullopt;
                },
                [self = shared_from_this()](std::optional<std::string> svg) {
                    if (svg) {
                        self->reply(http::status::ok, std::move(*svg), "image/svg+xml");
                    } else {
                        self->reply(http::status::not_found,
                            errorJson("data.qr: the current screen has no QR code"),
                            "application/json; charset=utf-8");
                    }
                });
            return;
        }
        if (req.method() != http::verb::get && req.method() != http::verb::head) {
            reply(http::status::method_not_allowed, errorJson("method: static files take GET"),
                "application/json; charset=utf-8");
            return;
        }
        serveFile(target);
    }

    void handleInput(const http::request<http::string_body>& req) {
        if (req.method() != http::verb::post) {
            reply(http::status::method_not_allowed, errorJson("method: use POST for /api/input"),
                "application/json; charset=utf-8");
            return;
        }
        const auto type = req[http::field::content_type];
        if (type.substr(0, 16) != "application/json") {
            reply(http::status::unsupported_media_type,
                errorJson("Content-Type: expected application/json"),
                "application/json; charset=utf-8");
            return;
        }
        std::string error;
        auto message = parseInput(req.body(), error);
        if (!message) {
            reply(http::status::bad_request, errorJson(error), "application/json; charset=utf-8");
            return;
        }
        m_server.onPort([&port = m_server.port, msg = std::move(*message),
                            client = m_clientKind] { return inputTo(port, msg, client); },
            [self = shared_from_this()](PortResult r) {
                self->reply(r.status, std::move(r.body), "application/json; charset=utf-8");
            });
    }

    void upgrade(http::request<http::string_body> req, const std::string& path) {
        if (path != "/ws") {
            replyJson(http::status::not_found, errorJson("target: the WebSocket is at /ws"));
            return;
        }
        const auto origin = req[http::field::origin];
        const bool ownOrigin = origin == "http://" + std::string(req[http::field::host]);
        // A browser always sends its Origin: the screen's must be this kiosk's own pages. A tool
        // (bearer token) may send none, never another site's.
        if ((m_clientKind == detail::Client::Screen && !m_server.options.accessToken.empty()
                && !ownOrigin)
            || (!origin.empty() && !ownOrigin)) {
            replyJson(http::status::forbidden,
                errorJson("Origin: only pages served by this kiosk may connect"));
            return;
        }
        if (m_server.clients.size() >= m_server.options.maxWsSessions) {
            m_keepAlive = false;
            replyJson(http::status::service_unavailable,
                errorJson("ws: too many WebSocket clients (at most "
                    + std::to_string(m_server.options.maxWsSessions) + ")"));
            return;
        }
        forget();
        m_stream.expires_never();
        std::make_shared<WsSession>(m_server, m_stream.release_socket(), m_clientKind)
            ->run(std::move(req));
    }

    void serveFile(const std::string& target) {
        const auto file = detail::resolveStaticFile(m_server.docroot, target);
        std::string body;
        if (file) {
            std::ifstream in(*file, std::ios::binary);
            std::ostringstream ss;
            ss << in.rdbuf();
            if (in) {
                body = std::move(ss).str();
            }
        }
        if (!file) {
            reply(http::status::not_found, "not found\n", "text/plain; charset=utf-8");
            return;
        }
        reply(http::status::ok, std::move(body), detail::contentTypeFor(*file));
    }

    void reply(http::status status, std::string body, std::string_view contentType) {
        auto res = std::make_shared<http::response<http::string_body>>(status, 11);
        res->set(http::field::server, "hc-kioskd");
        res->set(http::field::content_type, contentType);
        res->set(http::field::cache_control, "no-store");
        res->set("X-Content-Type-Options", "nosniff");
        res->set("Content-Security-Policy",
            "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
            "frame-ancestors 'none'");
        if (!m_setCookie.empty()) {
            res->set(http::field::set_cookie, m_setCookie);
            res->set(http::field::location, m_location);
            m_setCookie.clear();
        }
        res->keep_alive(m_keepAlive);
        res->body() = std::move(body);
        res->prepare_payload();
        if (m_head) {
            res->body().clear();
        }
        http::async_write(
            m_stream, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                if (ec || !self->m_keepAlive) {
                    self->finish();
                    return;
                }
                self->doRead();
            });
    }

    WebServer::Impl& m_server;
    beast::tcp_stream m_stream;
    beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
    std::uint64_t m_id = 0;
    detail::Client m_clientKind = detail::Client::None;
    std::string m_setCookie;
    std::string m_location;
    bool m_keepAlive = false;
    bool m_head = false;
    bool m_waiting = false;
};

void WebServer::Impl::doAccept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
            return;
        }
        if (ec) {
            // Out of descriptors (EMFILE/ENFILE) or memory: free a few slots (the oldest idle
            // connections) and back off (5 ms, doubling to 1 s) instead of spinning on an accept
            // that fails at once.
            for (int i = 0; i < 16 && evictIdleHttp(); ++i) { }
            acceptDelay = std::min(std::chrono::milliseconds(1000),
                acceptDelay.count() == 0 ? std::chrono::milliseconds(5) : acceptDelay * 2);
            ++acceptErrors;
            acceptBackoff.expires_after(acceptDelay);
            acceptBackoff.async_wait([this](beast::error_code e) {
                if (!e && !closing) {
                    doAccept();
                }
            });
            return;
        }
        acceptDelay = std::chrono::milliseconds(0);
        admit(std::move(socket));
        doAccept();
    });
}

void WebServer::Impl::admit(tcp::socket socket) {
    if (closing) {
        return;
    }
    while (httpSessions.size() >= options.maxHttpSessions && evictIdleHttp()) { }
    if (httpSessions.size() >= options.maxHttpSessions) {
        beast::error_code ec;
        socket.close(ec); // every slot is answering a request: this one waits for none
        return;
    }
    std::make_shared<HttpSession>(*this, std::move(socket))->run();
}

bool WebServer::Impl::evictIdleHttp() {
    for (auto it = httpSessions.begin(); it != httpSessions.end(); ++it) {
        auto h = it->second.lock();
        if (!h) {
            httpSessions.erase(it);
            httpCountValue = httpSessions.size();
            return true;
        }
        if (h->waiting()) {
            httpSessions.erase(it);
            httpCountValue = httpSessions.size();
            h->close();
            return true;
        }
    }
    return false;
}

void WebServer::Impl::broadcast(const json::object& message) {
    const auto full = std::make_shared<const std::string>(json::serialize(message));
    const auto safe = message.contains("confidential")
        ? std::make_shared<const std::string>(json::serialize(detail::redacted(message)))
        : full;
    // Copy: a send may close (and erase) a client.
    const auto targets = clients;
    for (const auto& c : targets) {
        c->send(c->client() == detail::Client::Screen ? full : safe);
    }
}

bool WebServer::Impl::hostAllowed(std::string_view host) const {
    if (!loopbackOnly) {
        return true;
    }
    // DNS rebinding: a page from another site whose name resolves to 127.0.0.1 still sends its own
    // name as Host. Only the loopback names reach a loopback-bound kiosk.
    const auto colon = host.rfind(':');
    auto name = host.substr(
        0, colon == std::string_view::npos || host.back() == ']' ? host.size() : colon);
    return name.empty() || name == "127.0.0.1" || name == "localhost" || name == "[::1]";
}

WebServer::WebServer(UiPort& port, WebServerOptions options)
    : m_impl(std::make_unique<Impl>(port, std::move(options))) {
}

WebServer::~WebServer() {
    stop();
}

std::filesystem::path WebServer::defaultDocroot() {
    if (const char* env = std::getenv("HC_KIOSK_UI_DIR"); env != nullptr && *env != '\0') {
        return env;
    }
    return HC_KIOSK_UI_DIR;
}

void WebServer::start() {
    auto& s = *m_impl;
    if (s.started) {
        return;
    }
    s.docroot = s.options.docroot.empty() ? defaultDocroot() : s.options.docroot;
    if (!std::filesystem::is_directory(s.docroot)) {
        throw WebServerError("kiosk web server: the UI folder " + s.docroot.string()
            + " does not exist (set --ui-dir or HC_KIOSK_UI_DIR)");
    }
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(s.options.address, ec);
    if (ec) {
        throw WebServerError(
            "kiosk web server: address: \"" + s.options.address + "\" is not an IP address");
    }
    s.loopbackOnly = isLoopback(address);
    const tcp::endpoint endpoint(address, s.options.port);
    s.acceptor.open(endpoint.protocol(), ec);
    if (!ec) {
        s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
        s.acceptor.bind(endpoint, ec);
    }
    if (!ec) {
        s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        s.acceptor.close(ec);
        throw WebServerError("kiosk web server: cannot listen on " + s.options.address + ":"
            + std::to_string(s.options.port) + ": " + ec.message());
    }
    s.boundPort = s.acceptor.local_endpoint().port();
    s.portPool.emplace(1);
    s.port.setListener([impl = m_impl.get()](const json::object& message) {
        asio::post(impl->ioc, [impl, message] { impl->broadcast(message); });
    });
    s.doAccept();
    s.started = true;
    s.ioThread = std::thread([&s] { s.ioc.run(); });
}

void WebServer::run() {
    start();
    std::unique_lock lock(m_impl->runMutex);
    m_impl->runCv.wait(lock, [this] { return m_impl->stopped; });
}

void WebServer::stop() {
    auto& s = *m_impl;
    {
        std::lock_guard lock(s.runMutex);
        if (!s.started || s.stopped) {
            return;
        }
    }
    s.port.setListener(nullptr);
    s.portPool->join(); // an engine call under way finishes; its answer may still be queued
    asio::post(s.ioc, [&s] {
        s.closing = true;
        beast::error_code ec;
        s.acceptor.close(ec);
        const auto clients = s.clients;
        for (const auto& c : clients) {
            c->close();
        }
        s.acceptBackoff.cancel();
        for (const auto& [id, weak] : s.httpSessions) {
            if (auto h = weak.lock()) {
                h->close();
            }
        }
        s.httpSessions.clear();
    });
    // Give the closes a moment to complete, then stop the loop.
    asio::post(s.ioc, [&s] { s.ioc.stop(); });
    s.ioThread.join();
    {
        std::lock_guard lock(s.runMutex);
        s.stopped = true;
    }
    s.runCv.notify_all();
}

unsigned short WebServer::port() const {
    return m_impl->boundPort;
}

std::string WebServer::url() const {
    auto host = m_impl->options.address;
    if (host.find(':') != std::string::npos) {
        host = "[" + host + "]";
    }
    return "http://" + host + ":" + std::to_string(m_impl->boundPort) + "/";
}

std::size_t WebServer::clientCount() const {
    return m_impl->clientCountValue;
}

std::size_t WebServer::httpSessionCount() const {
    return m_impl->httpCountValue;
}

} // namespace hc::kiosk
