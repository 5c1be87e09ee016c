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
#include "hc/settle/gateway.hpp"
#include "hc/settle/json_in.hpp"
#include "hc/settle/reconcile.hpp"
#include "hc/settle/service.hpp"
#include "hc/settle/terminal_client.hpp"

#include <boost/json/serialize.hpp>
#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>
#include <zmq.hpp>

namespace po = boost::program_options;
namespace json = boost::json;
using namespace hc::settle;

namespace {

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

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: settle keygen|call|status|unknown|review|replay|reconcile|report "
                     "[options]\n";
        return 2;
    }
    const std::string cmd = argv[1];
    std::string db, endpoint, serverKey, secretFile, jsonText, resolve, as, centerHost, date,
        format, outDir;
    unsigned short centerPort = 0;
    int timeoutMs = 5000;
    int holdMinutes = 15;
    po::options_description desc("settle options");
    desc.add_options()("db", po::value(&db), "ledger file")("endpoint", po::value(&endpoint),
        "settlementd endpoint")("server-key", po::value(&serverKey), "server public key (Z85)")(
        "secret-file", po::value(&secretFile), "file: line 1 public key, line 2 secret key")("json",
        po::value(&jsonText), "request JSON")("resolve", po::value(&resolve), "msgid to resolve")(
        "as", po::value(&as), "ok | failed")("center-host",
        po::value(&centerHost)->default_value("127.0.0.1"), "center host")("center-port",
        po::value(&centerPort), "center port")("date", po::value(&date), "yyyy-mm-dd")("format",
        po::value(&format)->default_value("text"), "json | csv | text")("out", po::value(&outDir),
        "directory for report files")("timeout-ms", po::value(&timeoutMs)->default_value(5000),
        "reply timeout")("hold-minutes", po::value(&holdMinutes)->default_value(15),
        "reconcile: hold center-only/local-only rows this close to midnight (UTC) one cycle");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc - 1, argv + 1, desc), vm);
        po::notify(vm);
    } catch (const std::exception& e) {
        std::cerr << "settle: " << e.what() << "\n" << desc << "\n";
        return 2;
    }
    try {
        if (cmd == "keygen") {
            char pub[41] = {}, sec[41] = {};
            if (zmq_curve_keypair(pub, sec) != 0) {
                throw std::runtime_error("zmq_curve_keypair failed (libzmq without CURVE?)");
            }
            std::cout << pub << "\n" << sec << "\n";
            return 0;
        }
        if (cmd == "call") {
            TerminalClientConfig cfg;
            cfg.endpoint = endpoint;
            if (!serverKey.empty()) {
                std::ifstream f(secretFile);
                if (!(f >> cfg.publicKey >> cfg.secretKey)) {
                    throw InputError("--secret-file", "needs public and secret key lines");
                }
                cfg.serverPublicKey = serverKey;
            }
            cfg.replyTimeout = std::chrono::milliseconds(timeoutMs);
            cfg.connectTimeout = std::chrono::milliseconds(std::min(timeoutMs, 2000));
            const auto req = parseJsonText(jsonText, "--json");
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
        if (db.empty()) {
            throw InputError("--db", "required for " + cmd);
        }
        auto store = openLedger(db);
        if (cmd == "status") {
            auto tx = store->begin();
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
        if (cmd == "unknown" || cmd == "review") {
            auto tx = store->begin();
            if (cmd == "review" && !resolve.empty()) {
                auto e = tx->outboxByMsgid(resolve);
                if (!e) {
                    throw InputError("--resolve", "no such msgid");
                }
                e->state = nextState(e->state,
                    as == "ok" ? OutboxEvent::StaffResolvedOk : OutboxEvent::StaffResolvedFailed);
                tx->updateOutbox(*e);
                tx->audit(nowMs(), "staff", "review.resolved", resolve, as);
                tx->commit();
                std::cout << resolve << " -> " << stateName(e->state) << "\n";
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
                              << e.visitId << "\tattempts " << e.attempts << "\t" << e.lastError
                              << "\n";
                }
            }
            tx->commit();
            return 0;
        }
        if (cmd == "replay" || cmd == "reconcile") {
            GatewayConfig gw;
            gw.host = centerHost;
            gw.port = centerPort;
            gw.owner = "settle-cli";
            gw.batch = 64;
            MsgidGenerator msgids("H51180000001", 9000, 9999);
            EnvelopeContext ctx;
            CenterGateway gateway(gw, ctx, msgids);
            if (cmd == "replay") {
                const auto total = static_cast<std::size_t>(pendingCount(*store));
                for (;;) {
                    const auto left = static_cast<std::size_t>(pendingCount(*store));
                    progress(total - std::min(total, left), total);
                    if (left == 0) {
                        break;
                    }
                    if (!gateway.runOnce(*store).any()) {
                        std::this_thread::sleep_for(std::chrono::milliseconds(50));
                    }
                }
                std::cerr << "\n";
                return 0;
            }
            ReconOptions recon;
            recon.holdWindow = std::chrono::minutes(holdMinutes);
            const auto report = reconcileDay(*store, gateway,
                date.empty() ? isoDate(std::chrono::system_clock::now()) : date, recon);
            std::cout << (format == "json" ? json::serialize(reportToJson(report))
                    : format == "csv"      ? reportToCsv(report)
                                           : reportToText(report));
            return report.balancedAfterRepair ? 0 : 4;
        }
        if (cmd == "report") {
            if (date.empty()) {
                throw InputError("--date", "required for report (yyyy-mm-dd)");
            }
            auto tx = store->begin();
            const auto report = storedReport(*tx, date);
            tx->commit();
            if (!report) {
                throw InputError("--date",
                    "no reconciliation run stored for " + date + "; run 'settle reconcile --date "
                        + date + "' first");
            }
            std::cout << (format == "json" ? json::serialize(reportToJson(*report))
                    : format == "csv"      ? reportToCsv(*report)
                                           : reportToText(*report));
            return report->balancedAfterRepair ? 0 : 4;
        }
        throw InputError("command", "unknown command '" + cmd + "'");
    } catch (const Error& e) {
        std::cerr << "settle: " << e.what() << " [next: " << nextStepName(e.next()) << "]\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "settle: " << e.what() << "\n";
        return 1;
    }
}
