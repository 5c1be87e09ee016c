// settlementd: the settlement service for terminals over ZeroMQ (hc::settle::SettlementServer:
// ROUTER socket, CURVE with an allow-list, workers, outbox dispatchers; see its header).
// Options: settlementd --help and docs/settlement.md. SIGINT/SIGTERM stop it without losing a
// request it took (exit 0); a bad command line exits 2, a failed start 1.
#include "hc/base/log.hpp"
#include "hc/base/program_options.hpp"
#include "hc/base/stop_signals.hpp"
#include "hc/settle/settlement_server.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

namespace po = boost::program_options;
using namespace hc::settle;

namespace {

/** The command line, as read; turned into a SettlementServerConfig by toConfig(). */
struct Options {
    std::string db, policies, centerHost, bind, portFile, secretFile, allowFile, offlineMode, owner,
        code, msgidRange, codeTable, hospLv, groupCommit;
    unsigned short centerPort = 0;
    int pgConnections = 16, workers = 64, dispatchers = 2, parallel = 16, settleWaitMs = 3000,
        centerTimeoutMs = 5000;
    std::int64_t perClaim = 500'000, total = 20'000'000, claimCap = 100'000'000,
                 maxMsgSize = 1024 * 1024;
    bool insecure = false;
};

void declare(hc::ProgramOptions& opts, Options& o) {
    opts.add()("db", po::value(&o.db)->required(),
        "SQLite ledger file, or a postgresql:// URL (several instances may share it)")(
        "policies", po::value(&o.policies)->required(), "directory of rule tables")(
        "center-host", po::value(&o.centerHost)->default_value("127.0.0.1"), "center host")(
        "center-port", po::value(&o.centerPort)->required(), "center port")("center-timeout-ms",
        po::value(&o.centerTimeoutMs)->default_value(5000), "per-request timeout to the center")(
        "bind", po::value(&o.bind)->default_value("tcp://127.0.0.1:*"), "ZeroMQ endpoint")(
        "port-file", po::value(&o.portFile), "write the bound port here")(
        "curve-secret", po::value(&o.secretFile), "file with the server's Z85 secret key")("allow",
        po::value(&o.allowFile), "allow-list: 'terminal-id z85-public-key' per line")("insecure",
        po::bool_switch(&o.insecure),
        "no CURVE (benchmarks only): terminal id from the request's \"terminal\" field")(
        "pg-connections", po::value(&o.pgConnections)->default_value(16),
        "PostgreSQL: most connections (transactions at once)")("workers",
        po::value(&o.workers)->default_value(64),
        "request worker threads (a settle holds one while it waits for the center; group commit "
        "needs many in flight)")("group-commit", po::value(&o.groupCommit)->default_value("on"),
        "SQLite: on | off (off = one fsync per transaction)")("parallel",
        po::value(&o.parallel)->default_value(16),
        "connections per dispatcher")("dispatchers", po::value(&o.dispatchers)->default_value(2),
        "outbox sender threads")("settle-wait-ms", po::value(&o.settleWaitMs)->default_value(3000),
        "how long settle waits for the center before going offline")("offline-mode",
        po::value(&o.offlineMode)->default_value("provisional"), "provisional | selfpay")(
        "per-claim-limit-fen", po::value(&o.perClaim)->default_value(500'000),
        "largest provisional fund share")("total-limit-fen",
        po::value(&o.total)->default_value(20'000'000), "largest open provisional exposure")(
        "owner", po::value(&o.owner)->default_value("settlementd"), "instance id for leases")(
        "fixmedins-code", po::value(&o.code)->default_value("H51180000001"), "12-char code")(
        "msgid-range", po::value(&o.msgidRange)->default_value("0-8999"),
        "msgid sequence range of this instance, e.g. 0-4499 (9000-9999 is the settle CLI's)")(
        "code-table", po::value(&o.codeTable),
        "JSON code table (national dictionary codes, doctor/department fields); default: the "
        "built-in one")("hosp-lv", po::value(&o.hospLv)->default_value("township"),
        "this hospital's level for the local estimate (the center knows it from fixmedins-code)")(
        "claim-cap-fen", po::value(&o.claimCap)->default_value(100'000'000),
        "sanity cap: a fee batch or claim above this total is refused")("max-message-bytes",
        po::value(&o.maxMsgSize)->default_value(1024 * 1024),
        "ZMQ_MAXMSGSIZE: a terminal sending a larger frame is disconnected");
    opts.check([&o](const po::variables_map&) {
        if (!o.insecure && (o.secretFile.empty() || o.allowFile.empty())) {
            throw std::runtime_error("--curve-secret and --allow are required (or --insecure)");
        }
    });
}

std::string readFirstLine(const std::string& file) {
    std::ifstream f(file);
    std::string line;
    if (!std::getline(f, line)) {
        throw InputError(file, "cannot read key file");
    }
    return line;
}

SettlementServerConfig toConfig(const Options& o) {
    SettlementServerConfig c;
    c.db = o.db;
    c.sqlite.groupCommit = o.groupCommit != "off";
    c.postgres.connections = static_cast<std::size_t>(std::max(1, o.pgConnections));
    c.policies = o.policies;
    c.fixmedinsCode = o.code;
    const auto dash = o.msgidRange.find('-');
    c.msgidFirst = std::stoi(o.msgidRange.substr(0, dash));
    c.msgidLast = std::stoi(o.msgidRange.substr(dash + 1));
    c.gateway.host = o.centerHost;
    c.gateway.port = o.centerPort;
    c.gateway.owner = o.owner;
    c.gateway.parallel = static_cast<std::size_t>(std::max(1, o.parallel));
    c.gateway.batch = 64;
    c.gateway.timeout = std::chrono::milliseconds(o.centerTimeoutMs);
    c.gateway.lease = std::chrono::milliseconds(o.centerTimeoutMs * 3 + 1000);
    c.service.settleWait = std::chrono::milliseconds(o.settleWaitMs);
    c.service.offline.mode
        = o.offlineMode == "selfpay" ? OfflineMode::SelfPay : OfflineMode::Provisional;
    c.service.offline.perClaimLimit = o.perClaim;
    c.service.offline.totalLimit = o.total;
    c.service.claimCap = o.claimCap;
    c.service.hospLv = o.hospLv;
    if (!o.codeTable.empty()) {
        c.service.codes = CodeTable::load(o.codeTable);
    }
    c.bind = o.bind;
    c.insecure = o.insecure;
    if (!o.insecure) {
        c.curveSecretKey = readFirstLine(o.secretFile);
        c.allow = readAllowList(o.allowFile);
    }
    c.workers = static_cast<std::size_t>(std::max(0, o.workers));
    c.dispatchers = static_cast<std::size_t>(std::max(0, o.dispatchers));
    c.maxMessageBytes = o.maxMsgSize;
    if (const char* t = std::getenv("HC_SETTLED_TRACE")) {
        c.traceFile = t; // one line per request stage (diagnostics; no request bodies)
    }
    if (const char* d = std::getenv("HC_SETTLED_TEST_ZAP_DELAY_MS")) {
        c.zapStartDelay = std::chrono::milliseconds(std::atoi(d)); // tests only
    }
    return c;
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    hc::ProgramOptions opts("settlementd", "settlementd options");
    declare(opts, o);
    if (const auto exit = opts.withVersion().withLogLevel().parse(argc, argv)) {
        return *exit;
    }
    hc::StopSignals signals; // before any thread starts
    try {
        SettlementServer server(toConfig(o));
        server.start();
        if (!o.portFile.empty()) {
            std::ofstream(o.portFile + ".tmp") << server.port() << "\n";
            std::rename((o.portFile + ".tmp").c_str(), o.portFile.c_str());
        }
        std::cout << "settlementd listening " << server.endpoint() << std::endl;
        (void)signals.wait();
        server.stop();
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "settlementd: " << e.what() << "\n";
        return 1;
    }
}
