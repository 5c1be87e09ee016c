// settle: command line for finance staff and IT.
//   settle keygen                          print a CURVE key pair (public, secret; Z85)
//   settle call --endpoint E --server-key K --secret-file F --json '{...}'   one terminal call
//                                          (TerminalClient); exit 0 ok, 5 refused, 3 outcome
//                                          unknown (send the same request_id again), 6 not sent
//   settle status   --db F                 queue depth per state, exposure, open adjustments
//   settle unknown  --db F                 pending UNKNOWN entries
//   settle review   --db F [--resolve MSGID --as ok|failed]   manual-review queue (also decides
//                                                             an UNRESOLVED entry)
//   settle replay   --db F --center-port P [--center-host H]  run the outbox until drained,
//                                          with a progress bar
//   settle reconcile --db F --center-port P [--date D] [--format json|csv|text]
//                                          3201/3202 with repairs; exit 0 balanced, 4 not
//                                          [--hold-minutes 15] holding pool near midnight
//   settle report --db F --date D [--format json|csv|text]   the stored report of the latest
//                                          reconciliation run of D; exit 0 balanced, 4 not
#include "hc/base/program_options.hpp"
#include "hc/settle/gateway.hpp"
#include "hc/settle/json_in.hpp"
#include "hc/settle/reconcile.hpp"
#include "hc/settle/service.hpp"
#include "hc/settle/terminal_client.hpp"

#include <boost/json/serialize.hpp>
#include <fstream>
#include <iostream>
#include <thread>
#include <zmq.hpp>

namespace po = boost::program_options;
namespace json = boost::json;
using namespace hc::settle;

namespace {

/** The command line after the command word. */
struct Options {
    std::string db, endpoint, serverKey, secretFile, jsonText, resolve, as, centerHost, date,
        format, outDir;
    unsigned short centerPort = 0;
    int timeoutMs = 5000;
    int holdMinutes = 15;
};

void declare(hc::ProgramOptions& opts, Options& o) {
    opts.add()("db", po::value(&o.db), "ledger file")("endpoint", po::value(&o.endpoint),
        "settlementd endpoint")("server-key", po::value(&o.serverKey), "server public key (Z85)")(
        "secret-file", po::value(&o.secretFile), "file: line 1 public key, line 2 secret key")(
        "json", po::value(&o.jsonText), "request JSON")("resolve", po::value(&o.resolve),
        "msgid to resolve")("as", po::value(&o.as), "ok | failed")("center-host",
        po::value(&o.centerHost)->default_value("127.0.0.1"),
        "center host")("center-port", po::value(&o.centerPort), "center port")("date",
        po::value(&o.date), "yyyy-mm-dd")("format", po::value(&o.format)->default_value("text"),
        "json | csv | text")("out", po::value(&o.outDir), "directory for report files")(
        "timeout-ms", po::value(&o.timeoutMs)->default_value(5000), "reply timeout")("hold-minutes",
        po::value(&o.holdMinutes)->default_value(15),
        "reconcile: hold center-only/local-only rows this close to midnight (UTC) one cycle");
}

void progress(std::size_t done, std::size_t total) {
    const int width = 40;
    const auto filled = total == 0 ? width : static_cast<int>(done * width / total);
    std::cerr << "\r[" << std::string(static_cast<std::size_t>(filled), '#')
              << std::string(static_cast<std::size_t>(width - filled), '.') << "] " << done << "/"
              << total << std::flush;
}

std::int64_t pendingCount(LedgerStore& store) {
    auto tx = store.begin();
    auto d = tx->outboxDepth();
    tx->commit();
    return d["NEW"] + d["SENT"] + d["UNKNOWN"];
}

int keygen() {
    char pub[41] = {}, sec[41] = {};
    if (zmq_curve_keypair(pub, sec) != 0) {
        throw std::runtime_error("zmq_curve_keypair failed (libzmq without CURVE?)");
    }
    std::cout << pub << "\n" << sec << "\n";
    return 0;
}

/** One terminal call: exit 0 ok, 5 refused, 3 outcome unknown, 6 not sent. */
int call(const Options& o) {
    TerminalClientConfig cfg;
    cfg.endpoint = o.endpoint;
    if (!o.serverKey.empty()) {
        std::ifstream f(o.secretFile);
        if (!(f >> cfg.publicKey >> cfg.secretKey)) {
            throw InputError("--secret-file", "needs public and secret key lines");
        }
        cfg.serverPublicKey = o.serverKey;
    }
    cfg.replyTimeout = std::chrono::milliseconds(o.timeoutMs);
    cfg.connectTimeout = std::chrono::milliseconds(std::min(o.timeoutMs, 2000));
    const auto req = parseJsonText(o.jsonText, "--json");
    if (!req.is_object()) {
        throw InputError("--json", "expected a JSON object");
    }
    const JsonIn in(req, "");
    TerminalClient client(cfg);
    try {
        const auto reply = client.call(in.str("request_id", 64), req.as_object());
        std::cout << json::serialize(reply) << "\n";
        return 0;
    } catch (const RefusedError& e) {
        std::cerr << "settle: refused (" << e.code() << "): " << e.what()
                  << " [next: " << nextStepName(e.next()) << "]\n";
        return 5;
    } catch (const OutcomeUnknownError& e) {
        std::cerr << "settle: " << e.what() << " [outcome UNKNOWN]\n";
        return 3;
    } catch (const NotSentError& e) {
        std::cerr << "settle: " << e.what() << " [outcome FAILED, nothing sent]\n";
        return 6;
    }
}

int status(LedgerStore& store) {
    auto tx = store.begin();
    json::object o;
    json::object depth;
    for (const auto& [k, v] : tx->outboxDepth()) {
        depth[k] = v;
    }
    o["outbox"] = depth;
    o["provisional_exposure_fen"] = tx->provisionalExposure();
    o["open_adjustments"] = tx->openAdjustments("").size();
    tx->commit();
    std::cout << json::serialize(o) << "\n";
    return 0;
}

/** `settle unknown`, `settle review` (list, or --resolve MSGID --as ok|failed). */
int review(LedgerStore& store, const std::string& cmd, const Options& o) {
    auto tx = store.begin();
    if (cmd == "review" && !o.resolve.empty()) {
        auto e = tx->outboxByMsgid(o.resolve);
        if (!e) {
            throw InputError("--resolve", "no such msgid");
        }
        e->state = nextState(e->state,
            o.as == "ok" ? OutboxEvent::StaffResolvedOk : OutboxEvent::StaffResolvedFailed);
        tx->updateOutbox(*e);
        tx->audit(nowMs(), "staff", "review.resolved", o.resolve, o.as);
        tx->commit();
        std::cout << o.resolve << " -> " << stateName(e->state) << "\n";
        return 0;
    }
    // unknown: UNKNOWN, RESOLVING (2601 under way) and UNRESOLVED (reconciliation or
    // staff decides: `settle review --resolve MSGID --as ok|failed`).
    const std::vector<OutboxState> states = cmd == "unknown"
        ? std::vector<OutboxState> { OutboxState::Unknown, OutboxState::Resolving,
              OutboxState::Unresolved }
        : std::vector<OutboxState> { OutboxState::ManualReview };
    for (const auto st : states) {
        for (const auto& e : tx->outboxInState(st, 10000)) {
            std::cout << e.msgid << "\t" << e.infno << "\t" << stateName(e.state) << "\t"
                      << e.visitId << "\tattempts " << e.attempts << "\t" << e.lastError << "\n";
        }
    }
    tx->commit();
    return 0;
}

/** Runs the outbox until drained, with a progress bar. */
int replay(LedgerStore& store, CenterGateway& gateway) {
    const auto total = static_cast<std::size_t>(pendingCount(store));
    for (;;) {
        const auto left = static_cast<std::size_t>(pendingCount(store));
        progress(total - std::min(total, left), total);
        if (left == 0) {
            break;
        }
        if (!gateway.runOnce(store).any()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    std::cerr << "\n";
    return 0;
}

void printReport(const ReconReport& report, const std::string& format) {
    std::cout << (format == "json" ? json::serialize(reportToJson(report))
            : format == "csv"      ? reportToCsv(report)
                                   : reportToText(report));
}

/** `settle replay` and `settle reconcile` (exit 0 balanced, 4 not). */
int withCenter(LedgerStore& store, const std::string& cmd, const Options& o) {
    GatewayConfig gw;
    gw.host = o.centerHost;
    gw.port = o.centerPort;
    gw.owner = "settle-cli";
    gw.batch = 64;
    MsgidGenerator msgids("H51180000001", 9000, 9999);
    EnvelopeContext ctx;
    CenterGateway gateway(gw, ctx, msgids);
    if (cmd == "replay") {
        return replay(store, gateway);
    }
    ReconOptions recon;
    recon.holdWindow = std::chrono::minutes(o.holdMinutes);
    const auto report = reconcileDay(
        store, gateway, o.date.empty() ? isoDate(std::chrono::system_clock::now()) : o.date, recon);
    printReport(report, o.format);
    return report.balancedAfterRepair ? 0 : 4;
}

/** The stored report of the latest reconciliation of --date (exit 0 balanced, 4 not). */
int report(LedgerStore& store, const Options& o) {
    if (o.date.empty()) {
        throw InputError("--date", "required for report (yyyy-mm-dd)");
    }
    auto tx = store.begin();
    const auto stored = storedReport(*tx, o.date);
    tx->commit();
    if (!stored) {
        throw InputError("--date",
            "no reconciliation run stored for " + o.date + "; run 'settle reconcile --date "
                + o.date + "' first");
    }
    printReport(*stored, o.format);
    return stored->balancedAfterRepair ? 0 : 4;
}

int run(const std::string& cmd, const Options& o) {
    if (cmd == "keygen") {
        return keygen();
    }
    if (cmd == "call") {
        return call(o);
    }
    if (o.db.empty()) {
        throw InputError("--db", "required for " + cmd);
    }
    auto store = openLedger(o.db);
    if (cmd == "status") {
        return status(*store);
    }
    if (cmd == "unknown" || cmd == "review") {
        return review(*store, cmd, o);
    }
    if (cmd == "replay" || cmd == "reconcile") {
        return withCenter(*store, cmd, o);
    }
    if (cmd == "report") {
        return report(*store, o);
    }
    throw InputError("command", "unknown command '" + cmd + "'");
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: settle keygen|call|status|unknown|review|replay|reconcile|report "
                     "[options]\n";
        return 2;
    }
    Options o;
    hc::ProgramOptions opts("settle", "settle options");
    declare(opts, o);
    if (const auto exit = opts.parse(argc, argv, 2)) {
        return *exit;
    }
    try {
        return run(argv[1], o);
    } catch (const Error& e) {
        std::cerr << "settle: " << e.what() << " [next: " << nextStepName(e.next()) << "]\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "settle: " << e.what() << "\n";
        return 1;
    }
}
