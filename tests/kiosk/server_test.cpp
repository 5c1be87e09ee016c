// Integration: hc::kiosk::WebServer over a fake UiPort, through real sockets (Beast clients):
// static files (content types, no traversal), /api/view, /api/input (errors name the field),
// the /ws WebSocket (current view on connect, pushes to every browser, input forwarded, errors
// to the sender only), Host/Origin checks, a browser reconnecting, stop() with clients connected.
#include "hc/kiosk/web_server.hpp"
#include "hc/testing/process.hpp"

#include <arpa/inet.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <doctest/doctest.h>
#include <fstream>
#include <mutex>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

/** A UiPort that records inputs; "choose" needs a string "item" like the real engine. */
class FakePort final : public hc::kiosk::UiPort {
public:
    json::object currentView() override {
        std::lock_guard lock(m_mutex);
        json::object v;
        v["type"] = "view";
        v["screen"] = m_screen;
        v["countdown"] = 60;
        if (m_screen == "qr_pay") {
            v["data"] = json::object { { "qr", "https://pay.example.cn/hc/order/K01PAY1" } };
        }
        if (m_screen == "issued") {
            v["data"] = json::object { { "pin", "150022" }, { "card", "1101***0022" } };
            v["confidential"] = json::array { "pin" };
        }
        return v;
    }
    void handleInput(const json::object& message) override {
        Listener l;
        {
            std::lock_guard lock(m_mutex);
            const auto* item = message.if_contains("item");
            if (message.at("type").as_string() == "choose") {
                if (item == nullptr || !item->is_string()) {
                    throw hc::InputError("item: expected a string");
                }
                m_screen = std::string(item->as_string());
            }
            m_inputs.push_back(message);
            l = m_listener;
        }
        if (l) {
            l(currentView());
        }
    }
    void setListener(Listener listener) override {
        std::lock_guard lock(m_mutex);
        m_listener = std::move(listener);
    }
    void push(const json::object& message) {
        Listener l;
        {
            std::lock_guard lock(m_mutex);
            l = m_listener;
        }
        REQUIRE(l);
        l(message);
    }
    std::vector<json::object> inputs() {
        std::lock_guard lock(m_mutex);
        return m_inputs;
    }
    bool hasListener() {
        std::lock_guard lock(m_mutex);
        return static_cast<bool>(m_listener);
    }

private:
    std::mutex m_mutex;
    std::string m_screen = "idle";
    std::vector<json::object> m_inputs;
    Listener m_listener;
};

struct Reply {
    unsigned status = 0;
    std::string contentType;
    std::string body;
    std::string setCookie;
    std::string location;
};

Reply request(unsigned short port, http::verb verb, const std::string& target,
    const std::string& body = {}, const std::string& contentType = "application/json",
    const std::string& host = "127.0.0.1",
    const std::vector<std::pair<http::field, std::string>>& headers = {}) {
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    http::request<http::string_body> req(verb, target, 11);
    req.set(http::field::host, host + ":" + std::to_string(port));
    for (const auto& [f, v] : headers) {
        req.set(f, v);
    }
    if (!body.empty()) {
        req.set(http::field::content_type, contentType);
        req.body() = body;
    }
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1U << 22);
    http::read(stream, buffer, parser);
    const auto& res = parser.get();
    return { res.result_int(), std::string(res[http::field::content_type]), res.body(),
        std::string(res[http::field::set_cookie]), std::string(res[http::field::location]) };
}

/** A browser's WebSocket. */
struct Ws {
    asio::io_context ioc;
    websocket::stream<beast::tcp_stream> ws { ioc };
    explicit Ws(unsigned short port, const std::string& origin = {},
        const std::vector<std::pair<http::field, std::string>>& headers = {}) {
        beast::get_lowest_layer(ws).connect(
            tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(5));
        ws.set_option(
            websocket::stream_base::decorator([origin, headers](websocket::request_type& r) {
                if (!origin.empty()) {
                    r.set(http::field::origin, origin);
                }
                for (const auto& [f, v] : headers) {
                    r.set(f, v);
                }
            }));
        ws.handshake("127.0.0.1:" + std::to_string(port), "/ws");
    }
    json::object next() {
        beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(5));
        beast::flat_buffer b;
        ws.read(b);
        return json::parse(beast::buffers_to_string(b.data())).as_object();
    }
    void send(const std::string& text) {
        beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(5));
        ws.write(asio::buffer(text));
    }
};

json::object parseObject(const std::string& s) {
    return json::parse(s).as_object();
}

template <class F> hc::kiosk::WebServerOptions options(F&& set) {
    hc::kiosk::WebServerOptions o;
    set(o);
    return o;
}

template <class F> bool eventually(F f) {
    for (int i = 0; i < 200; ++i) {
        if (f()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

struct Served {
    hc::testing::TempDir dir { "hc-kiosk-server-" };
    FakePort engine;
    std::unique_ptr<hc::kiosk::WebServer> server;
    explicit Served(hc::kiosk::WebServerOptions options = {}) {
        std::filesystem::create_directories(dir.path() / "ui" / "sub");
        std::ofstream(dir.path() / "ui" / "index.html") << "<!doctype html><title>kiosk</title>";
        std::ofstream(dir.path() / "ui" / "app.js") << "'use strict';";
        std::ofstream(dir.path() / "ui" / "style.css") << "body{}";
        std::ofstream(dir.path() / "ui" / "sub" / "x.svg") << "<svg/>";
        std::ofstream(dir.path() / "ui" / ".secret") << "no";
        std::ofstream(dir.path() / "outside.txt") << "outside";
        std::filesystem::create_symlink(dir.path() / "outside.txt", dir.path() / "ui" / "link.txt");
        options.docroot = dir.path() / "ui";
        server = std::make_unique<hc::kiosk::WebServer>(engine, options);
        server->start();
    }
    unsigned short port() const { return server->port(); }
};

} // namespace

TEST_CASE("web server: static files with their content types, nothing outside the UI folder") {
    Served s;
    CHECK(s.server->url() == "http://127.0.0.1:" + std::to_string(s.port()) + "/");
    auto r = request(s.port(), http::verb::get, "/");
    CHECK(r.status == 200);
    CHECK(r.contentType == "text/html; charset=utf-8");
    CHECK(r.body.find("<title>kiosk</title>") != std::string::npos);
    CHECK(request(s.port(), http::verb::get, "/app.js?v=2").contentType
        == "text/javascript; charset=utf-8");
    CHECK(
        request(s.port(), http::verb::get, "/style.css").contentType == "text/css; charset=utf-8");
    CHECK(request(s.port(), http::verb::get, "/sub/x.svg").contentType == "image/svg+xml");
    for (const auto* bad : { "/../outside.txt", "/sub/../../outside.txt", "/%2e%2e/outside.txt",
             "/.secret", "/link.txt", "/sub", "/sub/", "//etc/passwd", "/nothing.js", "/app.js\\..",
             "/..%2foutside.txt" }) {
        CAPTURE(bad);
        const auto reply = request(s.port(), http::verb::get, bad);
        CHECK(reply.status == 404);
        CHECK(reply.body.find("outside") == std::string::npos);
    }
    CHECK(request(s.port(), http::verb::delete_, "/index.html").status == 405);
}

TEST_CASE("web server: /api/view and /api/input; malformed input names the field") {
    Served s;
    auto view = parseObject(request(s.port(), http::verb::get, "/api/view").body);
    CHECK(view.at("screen").as_string() == "idle");

    auto r
        = request(s.port(), http::verb::post, "/api/input", R"({"type":"choose","item":"menu"})");
    CHECK(r.status == 200);
    CHECK(parseObject(r.body).at("screen").as_string() == "menu");
    REQUIRE(s.engine.inputs().size() == 1);
    CHECK(s.engine.inputs()[0].at("item").as_string() == "menu");

    r = request(s.port(), http::verb::post, "/api/input", R"({"type":"choose","item":7})");
    CHECK(r.status == 400);
    CHECK(parseObject(r.body).at("type").as_string() == "error");
    CHECK(parseObject(r.body).at("text").as_string() == "item: expected a string");

    r = request(s.port(), http::verb::post, "/api/input", R"({"type":"choose",)");
    CHECK(r.status == 400);
    CHECK(std::string(parseObject(r.body).at("text").as_string()).find("message: not valid JSON")
        == 0);
    r = request(s.port(), http::verb::post, "/api/input", R"({"item":"x"})");
    CHECK(parseObject(r.body).at("text").as_string().starts_with("type: missing"));
    r = request(s.port(), http::verb::post, "/api/input", R"({"type":5})");
    CHECK(parseObject(r.body).at("text").as_string() == "type: expected a string");
    r = request(s.port(), http::verb::post, "/api/input", "[1,2]");
    CHECK(parseObject(r.body).at("text").as_string() == "message: expected an object");
    r = request(s.port(), http::verb::post, "/api/input", "{\"type\":\"choose\"}", "text/plain");
    CHECK(r.status == 415); // a form on another site cannot post JSON without a preflight
    CHECK(parseObject(r.body).at("text").as_string().starts_with("Content-Type"));
    CHECK(request(s.port(), http::verb::get, "/api/input").status == 405);
    const std::string big(70 * 1024, ' ');
    CHECK(request(s.port(), http::verb::post, "/api/input", big).status == 413);
    CHECK(s.engine.inputs().size() == 1); // none of the malformed ones reached the engine

    // DNS rebinding: a page from another name that resolves to 127.0.0.1 is refused.
    CHECK(request(s.port(), http::verb::get, "/api/view", {}, {}, "evil.example").status == 403);
    CHECK(request(s.port(), http::verb::get, "/api/view", {}, {}, "localhost").status == 200);
}

TEST_CASE("web server: WebSocket pushes to every browser, forwards input, errors to the sender") {
    Served s;
    Ws a(s.port(), "http://127.0.0.1:" + std::to_string(s.port()));
    Ws b(s.port());
    CHECK(a.next().at("screen").as_string() == "idle"); // the screen as it is on connect
    CHECK(b.next().at("screen").as_string() == "idle");
    REQUIRE(eventually([&] { return s.server->clientCount() == 2; }));

    json::object event { { "type", "event" }, { "event", "card_inserted" } };
    s.engine.push(event);
    CHECK(a.next().at("event").as_string() == "card_inserted");
    CHECK(b.next().at("event").as_string() == "card_inserted");

    a.send(R"({"type":"choose","item":"menu"})");
    CHECK(a.next().at("screen").as_string() == "menu"); // the view that follows, to everyone
    CHECK(b.next().at("screen").as_string() == "menu");

    a.send(R"({"type":"choose","item":null})");
    auto err = a.next();
    CHECK(err.at("type").as_string() == "error");
    CHECK(err.at("text").as_string() == "item: expected a string");
    a.send("not json");
    CHECK(std::string(a.next().at("text").as_string()).starts_with("message: not valid JSON"));
    // b saw neither error: its next frame is the next push.
    s.engine.push(json::object { { "type", "view" }, { "screen", "after" } });
    CHECK(b.next().at("screen").as_string() == "after");
    CHECK(a.next().at("screen").as_string() == "after");
}

TEST_CASE("web server: /api/qr.svg draws the current view's data.qr") {
    Served s;
    auto r = request(s.port(), http::verb::get, "/api/qr.svg");
    CHECK(r.status == 404);
    CHECK(parseObject(r.body).at("text").as_string().starts_with("data.qr"));
    request(s.port(), http::verb::post, "/api/input", R"({"type":"choose","item":"qr_pay"})");
    r = request(s.port(), http::verb::get, "/api/qr.svg?v=1");
    CHECK(r.status == 200);
    CHECK(r.contentType == "image/svg+xml");
    CHECK(r.body.starts_with("<svg"));
    CHECK(r.body.find("h1v1h-1z") != std::string::npos); // dark modules drawn
}

TEST_CASE("web server: a page from another origin cannot open the WebSocket") {
    Served s;
    CHECK_THROWS(Ws(s.port(), "http://evil.example"));
    CHECK(s.server->clientCount() == 0);
}

TEST_CASE("web server: a browser reconnecting gets the current screen; stop() with clients") {
    Served s;
    {
        Ws first(s.port());
        CHECK(first.next().at("screen").as_string() == "idle");
        first.send(R"({"type":"choose","item":"pin"})");
        CHECK(first.next().at("screen").as_string() == "pin");
        REQUIRE(eventually([&] { return s.server->clientCount() == 1; }));
        // The socket drops without a close frame (the browser crashed, a cable).
        beast::get_lowest_layer(first.ws).socket().close();
    }
    REQUIRE(eventually([&] { return s.server->clientCount() == 0; }));
    Ws again(s.port());
    CHECK(again.next().at("screen").as_string() == "pin");

    const auto port = s.port();
    const auto t0 = std::chrono::steady_clock::now();
    s.server->stop();
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
    CHECK_FALSE(s.engine.hasListener());
    beast::flat_buffer buf;
    beast::error_code ec;
    again.ws.read(buf, ec);
    CHECK(ec); // the server closed the socket
    s.server->stop(); // idempotent

    // The port is free again.
    FakePort other;
    hc::kiosk::WebServer next(other, options([&](hc::kiosk::WebServerOptions& o) {
        o.port = port;
        o.docroot = s.dir.path() / "ui";
    }));
    CHECK_NOTHROW(next.start());
    CHECK(next.port() == port);
}

TEST_CASE("web server: start-up errors say what to fix") {
    FakePort engine;
    hc::testing::TempDir dir { "hc-kiosk-server-" };
    hc::kiosk::WebServer first(
        engine, options([&](hc::kiosk::WebServerOptions& o) { o.docroot = dir.path(); }));
    first.start();
    FakePort engine2;
    hc::kiosk::WebServer clash(engine2, options([&](hc::kiosk::WebServerOptions& o) {
        o.port = first.port();
        o.docroot = dir.path();
    }));
    CHECK_THROWS_AS(clash.start(), hc::kiosk::WebServerError);
    hc::kiosk::WebServer noUi(engine2,
        options([&](hc::kiosk::WebServerOptions& o) { o.docroot = dir.path() / "missing"; }));
    try {
        noUi.start();
        FAIL("started without a UI folder");
    } catch (const hc::kiosk::WebServerError& e) {
        CHECK(std::string(e.what()).find("missing") != std::string::npos);
        CHECK(e.nextStep() == hc::NextStep::CheckConfiguration);
    }
    hc::kiosk::WebServer badAddress(engine2, options([&](hc::kiosk::WebServerOptions& o) {
        o.address = "localhost";
        o.docroot = dir.path();
    }));
    CHECK_THROWS_AS(badAddress.start(), hc::kiosk::WebServerError);
}

TEST_CASE("web server access: a second local client without the per-boot token is refused; the "
          "launcher's cookie is the screen; a tool's bearer token gets no confidential data") {
    const std::string token = "5ec2e7-per-boot";
    Served s(options([&](hc::kiosk::WebServerOptions& o) { o.accessToken = token; }));
    const auto cookie = std::make_pair(http::field::cookie, "hc_kiosk=" + token);
    const auto bearer = std::make_pair(http::field::authorization, "Bearer " + token);
    // Another local process: refused on /api and /ws, whatever it tries.
    auto r = request(s.port(), http::verb::get, "/api/view");
    CHECK(r.status == 401);
    CHECK(parseObject(r.body).at("text").as_string().find("token") != std::string::npos);
    CHECK(
        request(s.port(), http::verb::post, "/api/input", R"({"type":"choose","item":"x"})").status
        == 401);
    CHECK(request(s.port(), http::verb::get, "/api/view", {}, {}, "127.0.0.1",
              { { http::field::cookie, "hc_kiosk=guess" } })
              .status
        == 401);
    CHECK(request(s.port(), http::verb::get, "/api/view", {}, {}, "127.0.0.1",
              { { http::field::authorization, "Bearer guess" } })
              .status
        == 401);
    CHECK_THROWS(Ws(s.port(), "http://127.0.0.1:" + std::to_string(s.port())));
    CHECK_THROWS(Ws(s.port()));
    CHECK(s.engine.inputs().empty());
    // The UI's files are public.
    CHECK(request(s.port(), http::verb::get, "/").status == 200);
    // The launcher: a wrong token is refused; the right one sets the screen's cookie.
    CHECK(request(s.port(), http::verb::get, "/launch?token=guess").status == 403);
    r = request(s.port(), http::verb::get, "/launch?token=" + token);
    CHECK(r.status == 303);
    CHECK(r.location == "/");
    CHECK(r.setCookie.find("hc_kiosk=" + token) == 0);
    CHECK(r.setCookie.find("HttpOnly") != std::string::npos);
    CHECK(r.setCookie.find("SameSite=Strict") != std::string::npos);
    // The screen sees the issued card's PIN; a tool does not.
    s.engine.handleInput({ { "type", "choose" }, { "item", "issued" } });
    auto screen = parseObject(
        request(s.port(), http::verb::get, "/api/view", {}, {}, "127.0.0.1", { cookie }).body);
    CHECK(screen.at("data").at("pin").as_string() == "150022");
    auto tool = parseObject(
        request(s.port(), http::verb::get, "/api/view", {}, {}, "127.0.0.1", { bearer }).body);
    CHECK(tool.at("screen").as_string() == "issued");
    CHECK(!tool.at("data").as_object().contains("pin"));
    CHECK(tool.at("data").at("card").as_string() == "1101***0022");
    CHECK(!tool.contains("confidential"));
    // WebSockets: the screen needs its own Origin (a browser sends one); a tool sends none.
    const auto own = "http://127.0.0.1:" + std::to_string(s.port());
    CHECK_THROWS(Ws(s.port(), {}, { cookie }));
    CHECK_THROWS(Ws(s.port(), "http://evil.example", { cookie }));
    CHECK_THROWS(Ws(s.port(), "http://evil.example", { bearer }));
    Ws screenWs(s.port(), own, { cookie });
    Ws toolWs(s.port(), {}, { bearer });
    CHECK(screenWs.next().at("data").at("pin").as_string() == "150022");
    CHECK(!toolWs.next().at("data").as_object().contains("pin"));
    s.engine.push(s.engine.currentView()); // a pushed view: the same split
    CHECK(screenWs.next().at("data").as_object().contains("pin"));
    CHECK(!toolWs.next().at("data").as_object().contains("pin"));
}

TEST_CASE("web server resources: idle connections past the cap make room, a half-sent request "
          "is cut at the header timeout, WebSockets are capped") {
    Served s(options([](hc::kiosk::WebServerOptions& o) {
        o.maxHttpSessions = 16;
        o.maxWsSessions = 2;
        o.headerTimeout = std::chrono::milliseconds(300);
    }));
    // 200 connections that send half a request and wait.
    std::vector<int> idle;
    for (int i = 0; i < 200; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a {};
        a.sin_family = AF_INET;
        a.sin_port = htons(s.port());
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        const std::string half = "GET /api/view HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        (void)::send(fd, half.data(), half.size(), MSG_NOSIGNAL);
        idle.push_back(fd);
    }
    // The screen still gets its view at once.
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(request(s.port(), http::verb::get, "/api/view").status == 200);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - t0)
                        .count();
    MESSAGE("/api/view with 200 idle connections (cap 16): " << ms << " ms");
    CHECK(eventually([&] { return s.server->httpSessionCount() <= 16; }));
    // The header timeout closes the half-sent ones that are left.
    CHECK(eventually([&] { return s.server->httpSessionCount() == 0; }));
    char c = 0;
    CHECK(::recv(idle.back(), &c, 1, 0) <= 0); // closed by the server
    for (const int fd : idle) {
        ::close(fd);
    }
    // WebSockets: the third is refused (503), the first two still work.
    Ws a(s.port());
    Ws b(s.port());
    (void)a.next();
    (void)b.next();
    CHECK_THROWS(Ws(s.port()));
    CHECK(s.server->clientCount() == 2);
}
