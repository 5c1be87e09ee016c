// hc::kiosk::WebServer: the kiosk's web front door. Serves the UI (kiosk/ui) and carries the UI
// protocol (docs/kiosk-ui-protocol.md) between browsers and a UiPort (the engine in kioskd, a fake
// in tests and kiosk-ui-dev).
//
//   GET  /, /index.html, /app.js, ...   static files from the docroot (no directory listing, no
//                                       "..", content type by extension, Cache-Control: no-store)
//   GET  /api/view                      the current view as JSON
//   POST /api/input                     one input message (Content-Type: application/json);
//                                       answers the view that follows, or 400
//                                       {"type":"error","text":...} naming the field
//   GET  /ws                            WebSocket: every view/event the port's listener sees is
//                                       pushed to every connected browser; text frames from the
//                                       browser go to UiPort::handleInput; a malformed one is
//                                       answered {"type":"error","text":...} on that socket only
//
// Binds 127.0.0.1 by default. A WebSocket whose Origin is not this server is refused (a page on
// another site cannot drive the kiosk); so is a POST without a JSON content type.
//
// Access (WebServerOptions::accessToken, a secret kioskd makes at every boot): loopback is not a
// lock (any local process, a logged-in cashier's session, can connect), so /api/* and /ws need
// the token:
//   GET  /launch?token=T   what the kiosk's launcher opens in its browser: sets the cookie
//                          hc_kiosk=T (HttpOnly, SameSite=Strict) and redirects to /. A client
//                          holding the cookie is the kiosk's own screen.
//   Authorization: Bearer T   for local tools (scripts, monitoring): served, but a view's
//                          confidential data (view "confidential": ["pin"], the issued card's
//                          initial PIN) is removed: it goes only to the screen.
// Without the token: 401 naming what is missing; a WebSocket with the cookie must also come from
// this server's own Origin. The static files (the UI's code) need no token.
//
// Resources: at most maxHttpSessions HTTP connections (the oldest one still waiting for its
// request is closed to make room, so idle connections cannot starve the screen), at most
// maxWsSessions WebSockets (503 past that), a request header must arrive within headerTimeout,
// and accept errors (EMFILE: out of descriptors) back off 100 ms instead of spinning.
//
// Usage (kioskd's main):
//   hc::kiosk::WebServer server(engine, {.port = 8080});
//   server.start();                       // returns once listening; port() is known
//   std::cout << server.url() << "\n";
//   ...                                   // server.stop() (or the destructor) on shutdown
//
// Threading: start()/stop()/run() from one owning thread. Network I/O runs on one internal
// thread; calls into the UiPort (handleInput, currentView) run on a second internal thread, in the
// order the inputs arrived, so a slow engine step never stalls the sockets. The server installs
// itself as the port's listener on start() and removes it on stop(); the port must outlive the
// server.
#pragma once

#include "hc/base/error.hpp"
#include "hc/kiosk/ui_port.hpp"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

namespace hc::kiosk {

/** Where and how the web server listens. */
struct WebServerOptions {
    /** Address to bind. Keep 127.0.0.1 on a kiosk: the UI is for the local browser only. */
    std::string address = "127.0.0.1";
    /** TCP port; 0 lets the system pick one (read it back with WebServer::port()). */
    unsigned short port = 0;
    /** Folder of the UI's static files; empty = WebServer::defaultDocroot(). */
    std::filesystem::path docroot;
    /** Largest request body (POST /api/input) and WebSocket message accepted, in bytes. */
    std::size_t maxMessageBytes = 64 * 1024;
    /** The per-boot access token; "" = no access control (kiosk-ui-dev, the server's tests). */
    std::string accessToken;
    /** Most HTTP connections at once; the oldest waiting for a request is closed past it. */
    std::size_t maxHttpSessions = 128;
    /** Most WebSocket clients at once; a further upgrade is answered 503. */
    std::size_t maxWsSessions = 8;
    /** Time allowed to receive a request (header and body) on an HTTP connection. */
    std::chrono::milliseconds headerTimeout { 5000 };
};

/** The server could not start (address in use, docroot missing). */
class WebServerError : public hc::Error {
public:
    /** A start-up failure; the message names the address or folder. */
    explicit WebServerError(std::string message)
        : Error(std::move(message), NextStep::CheckConfiguration) { }
};

/** HTTP + WebSocket server for the kiosk UI over a UiPort. */
class WebServer {
public:
    /** A server for `port` (not yet listening). */
    WebServer(UiPort& port, WebServerOptions options = {});
    /** Stops the server if it is running. */
    ~WebServer();
    WebServer(const WebServer&) = delete;
    WebServer& operator=(const WebServer&) = delete;

    /** Binds, listens and starts the internal threads; returns once connections are accepted.
     * Throws WebServerError when the address cannot be bound or the docroot is not a folder. */
    void start();
    /** start() if needed, then blocks until stop() is called from another thread. */
    void run();
    /** Closes every connection and the listening socket, joins the threads, detaches the
     * listener. Idempotent. */
    void stop();

    /** The bound TCP port (after start()). */
    unsigned short port() const;
    /** "http://127.0.0.1:<port>/" (after start()). */
    std::string url() const;
    /** WebSocket clients connected right now. */
    std::size_t clientCount() const;
    /** HTTP connections open right now (not counting WebSockets). */
    std::size_t httpSessionCount() const;

    /** The UI folder of this source tree (kiosk/ui), or $HC_KIOSK_UI_DIR when set. */
    static std::filesystem::path defaultDocroot();

    /** The implementation (opaque; defined in web_server.cpp). */
    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace hc::kiosk
