// Integration: center-sim and settlementd as processes; a terminal over ZeroMQ with CURVE.
// CURVE allow-list, request-id idempotency across kill -9 of settlementd, and the day
// reconciling with no duplicate and no loss afterwards.
#include "hc/settle/envelope.hpp"
#include "hc/settle/http_client.hpp"
#include "hc/settle/json_in.hpp"
#include "hc/settle/ledger.hpp"
#ifdef HC_SETTLE_PG
#include "pg_cluster.hpp"
#endif
#include "process.hpp"
#include "temp_dir.hpp"
#include "zmq_terminal.hpp"

#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <doctest/doctest.h>
#include <fstream>
#include <iterator>
#include <optional>
#include <zmq.hpp>

using namespace hc::settle;
using namespace hc::settle::test;
namespace json = boost::json;

namespace {

#ifdef HC_SETTLE_PG
// The same tests on PostgreSQL: a fresh database per Daemons on the throwaway cluster that
// with_postgres.sh started.
std::string freshLedger(const TempDir&) {
    return freshPgDatabase("hcd");
}
#else
std::string freshLedger(const TempDir& dir) {
    return dir.file("ledger.db");
}
#endif

struct Daemons {
    TempDir dir;
    std::string ledger = freshLedger(dir); // SQLite file or PostgreSQL URL
    Keys server, kiosk, stranger;
    std::unique_ptr<Process> center, settled;
    unsigned short centerPort = 0;
    std::string endpoint;
    int generation = 0;
    std::string settleWaitMs = "500"; // how long a settle waits for the center
    std::string workers = "64";

    explicit Daemons(bool start = true) {
        std::ofstream(dir.file("server.key")) << server.sec << "\n";
        std::ofstream(dir.file("allow")) << "# terminals\nkiosk-1 " << kiosk.pub << "\n";
        center = std::make_unique<Process>(
            std::vector<std::string> { HC_CENTER_SIM, "--policies", HC_SETTLE_POLICY_DIR,
                "--center-data", HC_TEST_CENTER_DATA, "--port-file", dir.file("center.port") },
            dir.file("center.log"));
        centerPort = waitForPort(dir.file("center.port"));
        if (start) {
            startSettlementd();
        }
    }
    void startSettlementd() {
        const auto portFile = dir.file("sd.port" + std::to_string(++generation));
        settled = std::make_unique<Process>(
            std::vector<std::string> { HC_SETTLEMENTD, "--db", ledger, "--policies",
                HC_SETTLE_POLICY_DIR, "--center-port", std::to_string(centerPort),
                "--center-timeout-ms", "400", "--settle-wait-ms", settleWaitMs, "--workers",
                workers, "--per-claim-limit-fen", "1000000", "--curve-secret",
                dir.file("server.key"), "--allow", dir.file("allow"), "--port-file", portFile },
            dir.file("settlementd.log"));
        endpoint = "tcp://127.0.0.1:" + std::to_string(waitForPort(portFile));
    }
    /** `settle reconcile` as a process (its exit code is not checked here). */
    void reconcile() {
        const auto cmd = std::string(HC_SETTLE_CLI) + " reconcile --db '" + ledger + "'"
            + " --center-port " + std::to_string(centerPort) + " > /dev/null 2>&1";
        (void)std::system(cmd.c_str());
    }
    void faults(const std::string& body) {
        HttpClient c("127.0.0.1", centerPort);
        (void)c.post("/admin/faults", body);
    }
    std::int64_t centerActive() {
        HttpClient c("127.0.0.1", centerPort);
        return parseJsonText(c.get("/admin/stats").body, "stats")
            .as_object()
            .at("active_settlements")
            .as_int64();
    }
};

// register + upload + settle with fixed request ids derived from `n`.
std::optional<json::object> flow(Terminal& t, int n) {
    return settleFlow(t, "K", n);
}

} // namespace

TEST_CASE("settlementd: CURVE allow-list; the authenticated terminal id is used") {
    Daemons d;
    zmq::context_t ctx(1);
    Terminal kiosk(ctx, d.endpoint, d.server, d.kiosk);
    const auto r = kiosk.call({ { "call", "shift_totals" }, { "request_id", "s1" } });
    REQUIRE(r.has_value());
    CHECK(r->at("terminal") == "kiosk-1");

    Terminal stranger(ctx, d.endpoint, d.server, d.stranger);
    CHECK_FALSE(stranger.call({ { "call", "shift_totals" }, { "request_id", "s2" } }).has_value());

    const auto s = flow(kiosk, 1);
    REQUIRE(s.has_value());
    CHECK(s->at("status") == "SETTLED");
    CHECK(s->at("fund_fen").as_int64() == applyRatio(100001 - 20000, 8200));
}

TEST_CASE("kill -9 of settlementd under load: acknowledged settlements survive, retries are "
          "answered not redone, and the center has each exactly once") {
    Daemons d;
    d.faults(R"({"drop_response_pct":20,"http_5xx_pct":10})");
    zmq::context_t ctx(1);
    std::map<int, std::string> acked; // flow → msgid acknowledged before the kill
    const int total = 40;
    {
        Terminal t(ctx, d.endpoint, d.server, d.kiosk);
        std::thread killer([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(1500));
            d.settled->stop(SIGKILL);
        });
        for (int n = 0; n < total; ++n) {
            const auto r = flow(t, n);
            if (!r) {
                break; // the daemon is gone
            }
            if (r->at("ok").as_bool()) {
                acked[n] = std::string(r->at("msgid").as_string());
            }
        }
        killer.join();
    }
    CHECK(acked.size() >= 1);
    d.startSettlementd();
    Terminal t(ctx, d.endpoint, d.server, d.kiosk);
    // Retry everything with the same request ids.
    for (int n = 0; n < total; ++n) {
        const auto r = flow(t, n);
        REQUIRE(r.has_value());
        REQUIRE(r->at("ok").as_bool());
        const auto msgid = std::string(r->at("msgid").as_string());
        if (acked.count(n) != 0) {
            CHECK(msgid == acked[n]); // answered, not redone
        }
    }
    d.faults("{}");
    // Wait for the outbox to drain (reconciliation decides what stayed UNRESOLVED), then
    // compare with the center.
    auto store = openLedger(d.ledger);
    const auto tally = drainAndDecide(*store, total, [&] { d.reconcile(); });
    INFO("ledger: ", tally.detail);
    CHECK(tally.settled == total);
    CHECK(d.centerActive() == total);
}

TEST_CASE("settlementd under each fault switch; the day reconciles to balanced with `settle "
          "reconcile`") {
    const char* switches[] = { R"({"drop_request_pct":50})", R"({"drop_response_pct":50})",
        R"({"http_5xx_pct":50})", R"({"duplicate_response_pct":100})", R"({"delay_ms":700})",
        R"({"down_for_ms":1200})", R"({"rule_version":"2014.1","drop_response_pct":30})" };
    Daemons d;
    zmq::context_t ctx(1);
    Terminal t(ctx, d.endpoint, d.server, d.kiosk);
    int n = 100;
    for (const char* sw : switches) {
        CAPTURE(sw);
        d.faults(sw);
        for (int i = 0; i < 2; ++i) {
            const auto r = flow(t, n++);
            REQUIRE(r.has_value());
            CHECK(r->at("ok").as_bool());
        }
    }
    d.faults("{}");
    const int total = n - 100;
    auto store = openLedger(d.ledger);
    CHECK(drainAndDecide(*store, total, [&] { d.reconcile(); }).settled == total);
    CHECK(d.centerActive() == total);
    const auto cmd = std::string(HC_SETTLE_CLI) + " reconcile --db '" + d.ledger + "'"
        + " --center-port " + std::to_string(d.centerPort) + " --format json > "
        + d.dir.file("recon.json");
    CHECK(std::system(cmd.c_str()) == 0); // exit 0: balanced
    std::ifstream f(d.dir.file("recon.json"));
    std::string report((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const auto v = parseJsonText(report, "report");
    CHECK(v.at("totals_balanced").as_bool());
    CHECK(v.at("local_count").as_int64() == total);
    // settle report: the stored run, as CSV and as a printable summary.
    const auto reportCmd = std::string(HC_SETTLE_CLI) + " report --db '" + d.ledger + "'"
        + " --date " + isoDate(std::chrono::system_clock::now());
    CHECK(std::system((reportCmd + " --format csv > " + d.dir.file("r.csv")).c_str()) == 0);
    CHECK(std::system((reportCmd + " --format text > " + d.dir.file("r.txt")).c_str()) == 0);
    std::ifstream txt(d.dir.file("r.txt"));
    const std::string summary(
        (std::istreambuf_iterator<char>(txt)), std::istreambuf_iterator<char>());
    CHECK(summary.find("after repair: BALANCED") != std::string::npos);
    CHECK(std::system((std::string(HC_SETTLE_CLI) + " report --db '" + d.ledger + "'"
              + " --date 1999-01-01 2>/dev/null")
                          .c_str())
        != 0);
}

TEST_CASE("settlementd: a request goes to an idle worker, not behind a settle that waits for the "
          "center") {
    Daemons d(false);
    d.settleWaitMs = "4000";
    d.workers = "2";
    d.startSettlementd();
    zmq::context_t ctx(1);
    Terminal slow(ctx, d.endpoint, d.server, d.kiosk);
    Terminal fast(ctx, d.endpoint, d.server, d.kiosk);
    // Register and upload first (answered at once), then a settle the center answers late.
    REQUIRE(slow.call({ { "call", "register_visit" }, { "request_id", "rv-S1" },
        { "visit_id", "S1" }, { "psn_no", "510100199001011234" }, { "insutype", "390" },
        { "hosp_lv", "county" }, { "med_type", "inpatient" }, { "year", 2014 } }));
    json::array items;
    items.push_back({ { "code", "a" }, { "class", "A" }, { "amount_fen", 50000 } });
    REQUIRE(slow.call({ { "call", "upload_fees" }, { "request_id", "uf-S1" }, { "visit_id", "S1" },
        { "chrg_bchno", "B1" }, { "items", items } }));
    d.faults(R"({"delay_ms":3000})");
    slow.send({ { "call", "settle" }, { "request_id", "st-S1" }, { "visit_id", "S1" },
        { "chrg_bchno", "B1" } });
    std::this_thread::sleep_for(std::chrono::milliseconds(300)); // a worker has taken it
    // With requests dealt round-robin, one of these would queue behind the settle on its worker
    // and every later one behind it: the settle's answer would come first.
    for (int i = 0; i < 6; ++i) {
        const auto r = fast.call(
            { { "call", "shift_totals" }, { "request_id", "sh-" + std::to_string(i) } });
        REQUIRE(r.has_value());
        CHECK(r->at("ok").as_bool());
        CHECK_FALSE(slow.hasReply()); // the settle is still waiting for the center
    }
    const auto settled = slow.receive();
    REQUIRE(settled.has_value());
    CHECK(settled->at("request_id") == "st-S1");
    d.faults("{}");
}
