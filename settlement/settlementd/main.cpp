// settlementd: the settlement service for terminals over ZeroMQ.
//   ROUTER socket, one JSON request per message, one JSON reply; CURVE encryption with terminal
//   public keys on an allow-list (ZAP); the authenticated terminal id is the key's name in the
//   allow-list, never a field of the request. Durable before acknowledging (SQLite WAL FULL).
// Threads: the main thread polls the ROUTER; --workers threads run requests, each taking the next
// one only when idle (work_queue.hpp); --dispatchers threads run the outbox against the center.
#include "hc/settle/gateway.hpp"
#include "hc/settle/json_in.hpp"
#include "hc/settle/service.hpp"
#include "work_queue.hpp"

#include <atomic>
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <unistd.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace po = boost::program_options;
using namespace hc::settle;

namespace {

std::atomic<bool> g_stop { false };

// HC_SETTLED_TRACE=file: one line per request stage (diagnostics; no request bodies).
std::FILE* g_trace = nullptr;
std::mutex g_traceMutex;
void trace(const char* what, const void* rid, std::size_t ridSize, const std::string& extra = {}) {
    if (g_trace == nullptr) {
        return;
    }
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now().time_since_epoch())
                        .count();
    std::string hex;
    for (std::size_t i = 0; i < ridSize; ++i) {
        char b[3];
        std::snprintf(b, sizeof b, "%02x", static_cast<const unsigned char*>(rid)[i]);
        hex += b;
    }
    std::lock_guard lock(g_traceMutex);
    std::fprintf(g_trace, "%lld %d %s %s %s\n", static_cast<long long>(us), ::getpid(), what,
        hex.c_str(), extra.c_str());
    std::fflush(g_trace);
}

void onSignal(int) {
    g_stop = true;
}

// The largest request frame a terminal may send (ZMQ_MAXMSGSIZE): libzmq drops a connection
// whose frame is larger before allocating it. A request is a few KB; 2000 fee lines ~300 KB.
constexpr std::int64_t kMaxMessageBytes = 1024 * 1024;

// Requests that may wait for a worker before new ones are answered "busy".
constexpr std::size_t kWorkQueueCapacity = 10000;

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

std::string readFirstLine(const std::string& file) {
    std::ifstream f(file);
    std::string line;
    if (!std::getline(f, line)) {
        throw InputError(file, "cannot read key file");
    }
    return line;
}

// "terminal-id Z85PUBLICKEY" per line; '#' comments.
std::map<std::string, std::string> readAllowList(const std::string& file) {
    std::ifstream f(file);
    if (!f) {
        throw InputError(file, "cannot read allow-list");
    }
    std::map<std::string, std::string> byKey;
    std::string line;
    while (std::getline(f, line)) {
        if (line.empty() || line[0] == '#') {
            continue;
        }
        std::istringstream ss(line);
        std::string id, key;
        ss >> id >> key;
        if (key.size() != 40) {
            throw InputError(file, "bad line (need 'terminal-id z85-public-key'): " + line);
        }
        byKey[key] = id;
    }
    return byKey;
}

// Answers the ROUTER's ZAP requests on `zap`, which main() bound before the ROUTER was bound:
// libzmq accepts a CURVE client WITHOUT asking anyone when no ZAP handler is bound yet (and that
// message then has no User-Id), so the handler must exist before the first connection can.
void zapHandler(zmq::socket_t zap, std::map<std::string, std::string> allow) {
    if (const char* d = std::getenv("HC_SETTLED_TEST_ZAP_DELAY_MS")) {
        // Tests only: a handler thread that starts late (a loaded machine); handshakes wait.
        std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(d)));
    }
    zap.set(zmq::sockopt::rcvtimeo, 200);
    while (!g_stop) {
        std::vector<zmq::message_t> req;
        if (!zmq::recv_multipart(zap, std::back_inserter(req))) {
            continue;
        }
        if (req.size() < 6) {
            continue;
        }
        std::string status = "400", text = "denied", user;
        if (req[5].to_string() == "CURVE" && req.size() >= 7 && req[6].size() == 32) {
            char z85[41] = {};
            zmq_z85_encode(z85, static_cast<const uint8_t*>(req[6].data()), 32);
            const auto it = allow.find(z85);
            if (it != allow.end()) {
                status = "200";
                text = "OK";
                user = it->second;
            }
        }
        trace("zap", nullptr, 0, status + " " + user);
        std::array<zmq::const_buffer, 6> reply = { zmq::str_buffer("1.0"),
            zmq::buffer(req[1].data(), req[1].size()), zmq::buffer(status), zmq::buffer(text),
            zmq::buffer(user), zmq::const_buffer(nullptr, 0) };
        zmq::send_multipart(zap, reply);
    }
}

} // namespace

int main(int argc, char** argv) {
    std::string db, policies, centerHost, bind, portFile, secretFile, allowFile, offlineMode, owner,
        code, msgidRange;
    unsigned short centerPort = 0;
    int pgConnections = 16;
    int workers = 64, dispatchers = 2, parallel = 16, settleWaitMs = 3000, centerTimeoutMs = 5000;
    std::int64_t perClaim = 500'000, total = 20'000'000, claimCap = 100'000'000;
    std::int64_t maxMsgSize = kMaxMessageBytes;
    std::string codeTable, hospLv;
    bool insecure = false;
    std::string groupCommit;
    po::options_description desc("settlementd options");
    desc.add_options()("help", "show help")("db", po::value(&db)->required(),
        "SQLite ledger file, or a postgresql:// URL (several instances may share it)")(
        "policies", po::value(&policies)->required(), "directory of rule tables")(
        "center-host", po::value(&centerHost)->default_value("127.0.0.1"), "center host")(
        "center-port", po::value(&centerPort)->required(), "center port")("center-timeout-ms",
        po::value(&centerTimeoutMs)->default_value(5000), "per-request timeout to the center")(
        "bind", po::value(&bind)->default_value("tcp://127.0.0.1:*"), "ZeroMQ endpoint")(
        "port-file", po::value(&portFile), "write the bound port here")(
        "curve-secret", po::value(&secretFile), "file with the server's Z85 secret key")("allow",
        po::value(&allowFile),
        "allow-list: 'terminal-id z85-public-key' per line")("insecure", po::bool_switch(&insecure),
        "no CURVE (benchmarks only): terminal id from the request's \"terminal\" field")(
        "pg-connections", po::value(&pgConnections)->default_value(16),
        "PostgreSQL: most connections (transactions at once)")("workers",
        po::value(&workers)->default_value(64),
        "request worker threads (a settle holds one while it waits for the center; group commit "
        "needs many in flight)")("group-commit", po::value(&groupCommit)->default_value("on"),
        "SQLite: on | off (off = one fsync per transaction)")("parallel",
        po::value(&parallel)->default_value(16),
        "connections per dispatcher")("dispatchers", po::value(&dispatchers)->default_value(2),
        "outbox sender threads")("settle-wait-ms", po::value(&settleWaitMs)->default_value(3000),
        "how long settle waits for the center before going offline")("offline-mode",
        po::value(&offlineMode)->default_value("provisional"), "provisional | selfpay")(
        "per-claim-limit-fen", po::value(&perClaim)->default_value(500'000),
        "largest provisional fund share")("total-limit-fen",
        po::value(&total)->default_value(20'000'000), "largest open provisional exposure")("owner",
        po::value(&owner)->default_value("settlementd"),
        "instance id for leases")("fixmedins-code", po::value(&code)->default_value("H51180000001"),
        "12-char code")("msgid-range", po::value(&msgidRange)->default_value("0-8999"),
        "msgid sequence range of this instance, e.g. 0-4499 (9000-9999 is the settle CLI's)")(
        "code-table", po::value(&codeTable),
        "JSON code table (national dictionary codes, doctor/department "
        "fields); default: the built-in one")("hosp-lv",
        po::value(&hospLv)->default_value("township"),
        "this hospital's level for the local estimate (the center knows it from fixmedins-code)")(
        "claim-cap-fen", po::value(&claimCap)->default_value(100'000'000),
        "sanity cap: a fee batch or claim above this total is refused")("max-message-bytes",
        po::value(&maxMsgSize)->default_value(kMaxMessageBytes),
        "ZMQ_MAXMSGSIZE: a terminal sending a larger frame is disconnected");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, desc), vm);
        if (vm.count("help")) {
            std::cout << desc << "\n";
            return 0;
        }
        po::notify(vm);
        if (!insecure && (secretFile.empty() || allowFile.empty())) {
            throw std::runtime_error("--curve-secret and --allow are required (or --insecure)");
        }
    } catch (const std::exception& e) {
        std::cerr << "settlementd: " << e.what() << "\n" << desc << "\n";
        return 2;
    }
    std::signal(SIGTERM, onSignal);
    std::signal(SIGINT, onSignal);
    try {
        PolicyLibrary lib;
        lib.loadDirectory(policies);
        SqliteOptions sqlite;
        sqlite.groupCommit = groupCommit != "off";
        PostgresOptions pg;
        pg.connections = static_cast<std::size_t>(std::max(1, pgConnections));
        auto store = openLedger(db, sqlite, pg);
        const auto dash = msgidRange.find('-');
        MsgidGenerator msgids(
            code, std::stoi(msgidRange.substr(0, dash)), std::stoi(msgidRange.substr(dash + 1)));
        EnvelopeContext ctx;
        ctx.fixmedinsCode = code;
        GatewayConfig gw;
        gw.host = centerHost;
        gw.port = centerPort;
        gw.owner = owner;
        gw.parallel = static_cast<std::size_t>(std::max(1, parallel));
        gw.batch = 64;
        gw.timeout = std::chrono::milliseconds(centerTimeoutMs);
        gw.lease = std::chrono::milliseconds(centerTimeoutMs * 3 + 1000);
        ServiceConfig cfg;
        cfg.settleWait = std::chrono::milliseconds(settleWaitMs);
        cfg.offline.mode
            = offlineMode == "selfpay" ? OfflineMode::SelfPay : OfflineMode::Provisional;
        cfg.offline.perClaimLimit = perClaim;
        cfg.offline.totalLimit = total;
        cfg.claimCap = claimCap;
        cfg.hospLv = hospLv;
        if (!codeTable.empty()) {
            cfg.codes = CodeTable::load(codeTable);
        }
        SettlementService service(*store, lib, ctx, msgids, cfg);

        zmq::context_t zctx(2);
        if (const char* t = std::getenv("HC_SETTLED_TRACE")) {
            g_trace = std::fopen(t, "a");
        }
        std::thread zap;
        if (!insecure) {
            // Bound here, before the ROUTER: see zapHandler.
            zmq::socket_t zapSocket(zctx, zmq::socket_type::rep);
            zapSocket.bind("inproc://zeromq.zap.01");
            zap = std::thread(zapHandler, std::move(zapSocket), readAllowList(allowFile));
        }
        zmq::socket_t router(zctx, zmq::socket_type::router);
        router.set(zmq::sockopt::maxmsgsize, maxMsgSize);
        if (!insecure) {
            router.set(zmq::sockopt::curve_server, 1);
            router.set(zmq::sockopt::curve_secretkey, readFirstLine(secretFile));
            router.set(zmq::sockopt::zap_domain, "settle");
        }
        std::thread monitor;
        if (g_trace != nullptr) {
            zmq_socket_monitor(router.handle(), "inproc://router-monitor", ZMQ_EVENT_ALL);
            monitor = std::thread([&] {
                zmq::socket_t mon(zctx, zmq::socket_type::pair);
                mon.set(zmq::sockopt::rcvtimeo, 200);
                mon.connect("inproc://router-monitor");
                while (!g_stop) {
                    std::vector<zmq::message_t> ev;
                    if (!zmq::recv_multipart(mon, std::back_inserter(ev)) || ev.size() < 2) {
                        continue;
                    }
                    std::uint16_t event = 0;
                    std::int32_t value = 0;
                    std::memcpy(&event, ev[0].data(), 2);
                    std::memcpy(&value, static_cast<const char*>(ev[0].data()) + 2, 4);
                    trace("event", nullptr, 0,
                        std::to_string(event) + " " + std::to_string(value) + " "
                            + ev[1].to_string());
                }
            });
        }
        router.bind(bind);
        const auto endpoint = router.get(zmq::sockopt::last_endpoint);
        const auto port = endpoint.substr(endpoint.rfind(':') + 1);
        WorkQueue work(kWorkQueueCapacity);
        zmq::socket_t replies(zctx, zmq::socket_type::pull);
        replies.bind("inproc://replies");

        std::vector<std::thread> threads;
        for (int i = 0; i < workers; ++i) {
            threads.emplace_back([&] {
                zmq::socket_t out(zctx, zmq::socket_type::push);
                out.connect("inproc://replies");
                while (!g_stop) {
                    auto item = work.pop(std::chrono::milliseconds(200));
                    if (!item) {
                        continue;
                    }
                    const auto& id = item->identity;
                    trace("wk-start", id.data(), id.size(), item->terminal);
                    const auto reply = service.handle(item->terminal, item->body);
                    trace("wk-done", id.data(), id.size(), std::to_string(reply.size()));
                    std::array<zmq::const_buffer, 2> r
                        = { zmq::buffer(id.data(), id.size()), zmq::buffer(reply) };
                    zmq::send_multipart(out, r);
                }
            });
        }
        for (int i = 0; i < dispatchers; ++i) {
            threads.emplace_back([&, i] {
                auto cfgI = gw;
                cfgI.owner = owner + "-" + std::to_string(i);
                CenterGateway gateway(cfgI, ctx, msgids);
                try {
                    gateway.signIn();
                } catch (const Error& e) {
                    std::cerr << "settlementd: sign-in failed (will retry implicitly): " << e.what()
                              << "\n";
                }
                const auto hook = service.hook();
                while (!g_stop) {
                    PassStats s;
                    try {
                        s = gateway.runOnce(*store, hook);
                    } catch (const std::exception& e) {
                        std::cerr << "settlementd: dispatcher: " << e.what() << "\n";
                    }
                    if (!s.any()) {
                        std::this_thread::sleep_for(std::chrono::milliseconds(5));
                    }
                }
            });
        }
        if (!portFile.empty()) {
            std::ofstream(portFile + ".tmp") << port << "\n";
            std::rename((portFile + ".tmp").c_str(), portFile.c_str());
        }
        std::cout << "settlementd listening " << endpoint << std::endl;

        std::array<zmq::pollitem_t, 2> items
            = { { { router.handle(), 0, ZMQ_POLLIN, 0 }, { replies.handle(), 0, ZMQ_POLLIN, 0 } } };
        while (!g_stop) {
            try {
                zmq::poll(items.data(), items.size(), std::chrono::milliseconds(200));
                if (items[0].revents & ZMQ_POLLIN) {
                    std::vector<zmq::message_t> m;
                    if (zmq::recv_multipart(
                            router, std::back_inserter(m), zmq::recv_flags::dontwait)
                        && m.size() >= 2) {
                        auto& body = m.back();
                        std::string terminal;
                        if (insecure) {
                            try {
                                const auto v = parseJsonText(body.to_string_view(), "request");
                                terminal = JsonIn(v, "").strOr("terminal", "anonymous", 32);
                            } catch (const Error&) {
                                terminal = "anonymous";
                            }
                        } else {
                            // Set by the ZAP handler for an allow-listed key; never absent while
                            // the handler is bound, but a message without it is not served.
                            const char* uid = zmq_msg_gets(body.handle(), "User-Id");
                            if (uid == nullptr || *uid == '\0') {
                                trace("drop-no-user", m[0].data(), m[0].size());
                                std::cerr
                                    << "settlementd: message without an authenticated terminal "
                                       "dropped\n";
                                continue;
                            }
                            terminal = uid;
                        }
                        trace("rx", m[0].data(), m[0].size(),
                            terminal + " " + std::to_string(m.size()) + " "
                                + std::to_string(body.size()));
                        WorkItem item { m[0].to_string(), terminal, body.to_string() };
                        if (!work.push(item)) {
                            // Full: answer at once rather than queue without limit.
                            const auto busy = busyReply(work.size(), item.body);
                            std::array<zmq::const_buffer, 2> r
                                = { zmq::buffer(m[0].data(), m[0].size()), zmq::buffer(busy) };
                            (void)zmq::send_multipart(router, r, zmq::send_flags::dontwait);
                        }
                    }
                }
                if (items[1].revents & ZMQ_POLLIN) {
                    std::vector<zmq::message_t> m;
                    while (zmq::recv_multipart(
                        replies, std::back_inserter(m), zmq::recv_flags::dontwait)) {
                        if (m.size() == 2) {
                            std::array<zmq::const_buffer, 2> r
                                = { zmq::buffer(m[0].data(), m[0].size()),
                                      zmq::buffer(m[1].data(), m[1].size()) };
                            const auto ok
                                = zmq::send_multipart(router, r, zmq::send_flags::dontwait);
                            trace("tx", m[0].data(), m[0].size(), ok ? "sent" : "EAGAIN");
                        }
                        m.clear();
                    }
                }
            } catch (const zmq::error_t& e) {
                // SIGTERM/SIGINT interrupt the poll: g_stop ends the loop, nothing to report.
                if (e.num() != EINTR) {
                    std::cerr << "settlementd: main loop: " << e.what() << "\n";
                }
            } catch (const std::exception& e) {
                // One message must not end the service (the workers would be left joinable).
                std::cerr << "settlementd: main loop: " << e.what() << "\n";
            }
        }
        work.close();
        for (auto& t : threads) {
            t.join();
        }
        if (zap.joinable()) {
            zap.join();
        }
        if (monitor.joinable()) {
            monitor.join();
        }
        router.close();
        replies.close();
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "settlementd: " << e.what() << "\n";
        return 1;
    }
}
