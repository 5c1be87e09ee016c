// The CURVE allow-list check of settlementd's ROUTER socket: a ZAP handler (ZeroMQ RFC 27) that
// accepts a terminal whose public key is on the allow-list and names the connection after it
// (the "User-Id" of every message is the allow-list's terminal id, never a field of a request).
// Any other key, and any mechanism but CURVE, is refused (status 400): the terminal's connection
// never completes and its TerminalClient call ends NotSentError.
//
// Order matters: construct the authenticator BEFORE binding the CURVE socket on the same
// context. libzmq accepts a CURVE client WITHOUT asking anyone while no ZAP handler is bound
// (and its messages then carry no User-Id); the constructor binds the handler's socket at once.
// Threading: one thread of its own answers the requests; the destructor stops and joins it.
#pragma once

#include "hc/settle/allow_list.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <zmq.hpp>

namespace hc::settle {

/** The ZAP handler of one ZeroMQ context. */
class ZapAuthenticator {
public:
    /** What it decided about one handshake: status "200" (then `terminal` is set) or "400". */
    using Decision = std::function<void(const std::string& status, const std::string& terminal)>;

    /** Binds inproc://zeromq.zap.01 on `context` and starts answering. `startDelay` delays the
     *  answering thread (tests of a handler that starts late only). */
    ZapAuthenticator(zmq::context_t& context, AllowList allow, Decision onDecision = {},
        std::chrono::milliseconds startDelay = std::chrono::milliseconds(0));
    /** Stops and joins the thread (within 200 ms). Destroy before the context. */
    ~ZapAuthenticator();
    ZapAuthenticator(const ZapAuthenticator&) = delete;
    ZapAuthenticator& operator=(const ZapAuthenticator&) = delete;

private:
    void run();

    zmq::socket_t m_socket;
    AllowList m_allow;
    Decision m_onDecision;
    std::chrono::milliseconds m_startDelay;
    std::atomic<bool> m_stop { false };
    std::thread m_thread;
};

} // namespace hc::settle
