#include "hc/settle/settlement_server.hpp"

#include "hc/base/log.hpp"
#include "hc/settle/json_in.hpp"
#include "hc/settle/zap_authenticator.hpp"
#include "server_trace.hpp"
#include "work_queue.hpp"

#include <atomic>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace hc::settle {

namespace {

// The reply to a request that found the queue full: the terminal sends it again, same request id.
std::string busyReply(std::size_t waiting, std::string_view request) {
    boost::json::object reply;
    try {
        const auto v = parseJsonText(request, "request");
        const auto id = JsonIn(v, "").strOr("request_id", "", 64);
        if (!id.empty()) {
            reply["request_id"] = id;
        }
    } catch (const Error&) { // a malformed request gets the same answer, without an id
    }
    boost::json::object err;
    err["code"] = "busy";
    err["message"] = "settlementd has " + std::to_string(waiting)
        + " requests waiting; send the same request_id again shortly";
    err["next_step"] = "retry";
    reply["ok"] = false;
    reply["error"] = std::move(err);
    return boost::json::serialize(reply);
}

void warn(const std::string& message) {
    hc::logLine(hc::LogLevel::Warning, message);
}

} // namespace

struct SettlementServer::Impl {
    SettlementServerConfig config;
    PolicyLibrary policies;
    std::unique_ptr<LedgerStore> store;
    MsgidGenerator msgids;
    EnvelopeContext envelope;
    std::unique_ptr<SettlementService> service;
    ServerTrace trace;

    zmq::context_t context { 2 };
    std::unique_ptr<ZapAuthenticator> zap;
    std::optional<zmq::socket_t> router;
    std::optional<zmq::socket_t> replies;
    std::string endpoint;
    WorkQueue work;

    std::mutex lifecycle; // start() and stop()
    bool started = false;
    bool stopped = false;
    std::atomic<bool> stopTaking { false }; // the poll thread reads no more requests
    std::atomic<bool> workersDone { false }; // every worker joined: no reply will come after
    std::atomic<bool> stopDispatch { false };
    std::atomic<bool> stopMonitor { false };
    std::atomic<std::uint64_t> accepted { 0 }, replied { 0 }, busy { 0 }, dropped { 0 };
    std::thread poller, monitor;
    std::vector<std::thread> workers, dispatchers;

    explicit Impl(SettlementServerConfig c)
        : config(std::move(c))
        , msgids(config.fixmedinsCode, config.msgidFirst, config.msgidLast)
        , work(config.queueCapacity) {
        if (!config.insecure && config.curveSecretKey.empty()) {
            throw Error("config.no_curve_key",
                "SettlementServer: CURVE needs the server's secret key (curveSecretKey; "
                "insecure mode is for benchmarks only)",
                NextStep::CallStaff);
        }
        policies.loadDirectory(config.policies);
        store = openLedger(config.db, config.sqlite, config.postgres);
        envelope.fixmedinsCode = config.fixmedinsCode;
        service = std::make_unique<SettlementService>(
            *store, policies, envelope, msgids, config.service);
        trace.open(config.traceFile);
    }

    void startMonitor() {
        zmq_socket_monitor(router->handle(), "inproc://router-monitor", ZMQ_EVENT_ALL);
        monitor = std::thread([this] {
            zmq::socket_t mon(context, zmq::socket_type::pair);
            mon.set(zmq::sockopt::rcvtimeo, 200);
            mon.set(zmq::sockopt::linger, 0);
            mon.connect("inproc://router-monitor");
            while (!stopMonitor) {
                std::vector<zmq::message_t> ev;
                if (!zmq::recv_multipart(mon, std::back_inserter(ev)) || ev.size() < 2) {
                    continue;
                }
                std::uint16_t event = 0;
                std::int32_t value = 0;
                std::memcpy(&event, ev[0].data(), 2);
                std::memcpy(&value, static_cast<const char*>(ev[0].data()) + 2, 4);
                trace.write("event", nullptr, 0,
                    std::to_string(event) + " " + std::to_string(value) + " " + ev[1].to_string());
            }
        });
    }

    void workerLoop() {
        zmq::socket_t out(context, zmq::socket_type::push);
        out.connect("inproc://replies");
        // Until the queue is closed AND empty: a request taken is always answered.
        for (;;) {
            auto item = work.pop(std::chrono::milliseconds(200));
            if (!item) {
                if (work.closed()) {
                    return;
                }
                continue;
            }
            const auto& id = item->identity;
            trace.write("wk-start", id.data(), id.size(), item->terminal);
            std::string reply;
            try {
                reply = service->handle(item->terminal, item->body);
            } catch (const std::exception& e) {
                // handle() answers every error itself; this is a bug's last line of defence.
                warn(std::string("worker: ") + e.what());
                reply = R"({"ok":false,"error":{"code":"internal","message":"settlementd failed )"
                        R"(this request; send the same request_id again","next_step":"retry"}})";
            }
            trace.write("wk-done", id.data(), id.size(), std::to_string(reply.size()));
            std::array<zmq::const_buffer, 2> r
                = { zmq::buffer(id.data(), id.size()), zmq::buffer(reply) };
            zmq::send_multipart(out, r);
        }
    }

    void dispatcherLoop(std::size_t i) {
        auto cfg = config.gateway;
        cfg.owner = config.gateway.owner + "-" + std::to_string(i);
        CenterGateway gateway(cfg, envelope, msgids);
        try {
            gateway.signIn();
        } catch (const Error& e) {
            warn(std::string("sign-in failed (will retry implicitly): ") + e.what());
        }
        const auto hook = service->hook();
        while (!stopDispatch) {
            PassStats s;
            try {
                s = gateway.runOnce(*store, hook);
            } catch (const std::exception& e) {
                warn(std::string("dispatcher: ") + e.what());
            }
            if (!s.any()) {
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        }
    }

    /** The terminal of a request: CURVE's User-Id, or (insecure) the request's field. */
    std::optional<std::string> terminalOf(zmq::message_t& body, const zmq::message_t& rid) {
        if (config.insecure) {
            try {
                const auto v = parseJsonText(body.to_string_view(), "request");
                return JsonIn(v, "").strOr("terminal", "anonymous", 32);
            } catch (const Error&) {
                return std::string("anonymous");
            }
        }
        // Set by the ZAP handler for an allow-listed key; never absent while the handler is
        // bound, but a message without it is not served.
        const char* uid = zmq_msg_gets(body.handle(), "User-Id");
        if (uid == nullptr || *uid == '\0') {
            trace.write("drop-no-user", rid.data(), rid.size());
            warn("message without an authenticated terminal dropped");
            ++dropped;
            return std::nullopt;
        }
        return std::string(uid);
    }

    void takeRequest() {
        std::vector<zmq::message_t> m;
        if (!zmq::recv_multipart(*router, std::back_inserter(m), zmq::recv_flags::dontwait)
            || m.size() < 2) {
            return;
        }
        auto& body = m.back();
        const auto terminal = terminalOf(body, m[0]);
        if (!terminal) {
            return;
        }
        trace.write("rx", m[0].data(), m[0].size(),
            *terminal + " " + std::to_string(m.size()) + " " + std::to_string(body.size()));
        WorkItem item { m[0].to_string(), *terminal, body.to_string() };
        if (work.push(item)) {
            ++accepted;
            return;
        }
        // Full: answer at once rather than queue without limit.
        ++busy;
        const auto reply = busyReply(work.size(), item.body);
        std::array<zmq::const_buffer, 2> r
            = { zmq::buffer(m[0].data(), m[0].size()), zmq::buffer(reply) };
        (void)zmq::send_multipart(*router, r, zmq::send_flags::dontwait);
    }

    void forwardReplies() {
        std::vector<zmq::message_t> m;
        while (zmq::recv_multipart(*replies, std::back_inserter(m), zmq::recv_flags::dontwait)) {
            if (m.size() == 2) {
                std::array<zmq::const_buffer, 2> r = { zmq::buffer(m[0].data(), m[0].size()),
                    zmq::buffer(m[1].data(), m[1].size()) };
                const auto ok = zmq::send_multipart(*router, r, zmq::send_flags::dontwait);
                trace.write("tx", m[0].data(), m[0].size(), ok ? "sent" : "EAGAIN");
                ++replied;
            }
            m.clear();
        }
    }

    void pollLoop() {
        // After stopTaking: only replies, until every worker is gone and each reply was passed
        // on. A reply that has not come 5 s after the last worker ended never will (a bug):
        // said in the log rather than waited for.
        std::optional<std::chrono::steady_clock::time_point> giveUp;
        while (!(workersDone && replied.load() >= accepted.load())) {
            if (workersDone && !giveUp) {
                giveUp = std::chrono::steady_clock::now() + std::chrono::seconds(5);
            }
            if (giveUp && std::chrono::steady_clock::now() > *giveUp) {
                warn("stopping with " + std::to_string(accepted.load() - replied.load())
                    + " requests taken but not answered");
                return;
            }
            try {
                std::array<zmq::pollitem_t, 2> items = { { { replies->handle(), 0, ZMQ_POLLIN, 0 },
                    { router->handle(), 0, static_cast<short>(stopTaking ? 0 : ZMQ_POLLIN), 0 } } };
                zmq::poll(items.data(), items.size(), std::chrono::milliseconds(100));
                if ((items[1].revents & ZMQ_POLLIN) != 0 && !stopTaking) {
                    takeRequest();
                }
                if ((items[0].revents & ZMQ_POLLIN) != 0) {
                    forwardReplies();
                }
            } catch (const zmq::error_t& e) {
                if (e.num() != EINTR) {
                    warn(std::string("main loop: ") + e.what());
                }
            } catch (const std::exception& e) {
                // One message must not end the service.
                warn(std::string("main loop: ") + e.what());
            }
        }
    }

    void start() {
        if (!config.insecure) {
            zap = std::make_unique<ZapAuthenticator>(
                context, config.allow,
                [this](const std::string& status, const std::string& user) {
                    trace.write("zap", nullptr, 0, status + " " + user);
                },
                config.zapStartDelay);
        }
        router.emplace(context, zmq::socket_type::router);
        router->set(zmq::sockopt::maxmsgsize, config.maxMessageBytes);
        // Replies handed to the socket before stop() still leave after it.
        router->set(zmq::sockopt::linger, 2000);
        if (!config.insecure) {
            router->set(zmq::sockopt::curve_server, 1);
            router->set(zmq::sockopt::curve_secretkey, config.curveSecretKey);
            router->set(zmq::sockopt::zap_domain, "settle");
        }
        if (trace.on()) {
            startMonitor();
        }
        router->bind(config.bind);
        endpoint = router->get(zmq::sockopt::last_endpoint);
        replies.emplace(context, zmq::socket_type::pull);
        replies->set(zmq::sockopt::linger, 0);
        replies->bind("inproc://replies");
        for (std::size_t i = 0; i < config.workers; ++i) {
            workers.emplace_back([this] { workerLoop(); });
        }
        for (std::size_t i = 0; i < config.dispatchers; ++i) {
            dispatchers.emplace_back([this, i] { dispatcherLoop(i); });
        }
        poller = std::thread([this] { pollLoop(); });
    }

    void stop() {
        stopTaking = true; // 1. no new requests
        work.close(); // 2. the workers finish what was taken, then end
        for (auto& t : workers) {
            t.join();
        }
        workersDone = true; // 3. the poller passes on the last replies, then ends
        if (poller.joinable()) {
            poller.join();
        }
        stopDispatch = true; // 4. the outbox (after the workers: a settle waits for it)
        for (auto& t : dispatchers) {
            t.join();
        }
        stopMonitor = true;
        if (monitor.joinable()) {
            monitor.join();
        }
        replies.reset();
        router.reset(); // lingers until the replies left
        zap.reset(); // after the socket it authenticates
    }
};

SettlementServer::SettlementServer(SettlementServerConfig config)
    : m_impl(std::make_unique<Impl>(std::move(config))) {
}

SettlementServer::~SettlementServer() {
    stop();
}

void SettlementServer::start() {
    std::lock_guard lock(m_impl->lifecycle);
    if (m_impl->started) {
        throw std::logic_error("SettlementServer::start: already started");
    }
    m_impl->started = true;
    m_impl->start();
}

void SettlementServer::stop() {
    std::lock_guard lock(m_impl->lifecycle);
    if (!m_impl->started || m_impl->stopped) {
        return;
    }
    m_impl->stopped = true;
    m_impl->stop();
}

std::string SettlementServer::endpoint() const {
    return m_impl->endpoint;
}

unsigned short SettlementServer::port() const {
    const auto& e = m_impl->endpoint;
    return static_cast<unsigned short>(std::stoi(e.substr(e.rfind(':') + 1)));
}

SettlementServerStats SettlementServer::stats() const {
    return { m_impl->accepted.load(), m_impl->replied.load(), m_impl->busy.load(),
        m_impl->dropped.load() };
}

LedgerStore& SettlementServer::ledger() {
    return *m_impl->store;
}

} // namespace hc::settle
