// Settlement benchmarks (print figures; not timed tests). Default run < 60 s on 2 cores.
//   bench_settle [--full]   --full: 1,000,000 offline entries and longer runs
// Figures: policy engine claims/s; ledger durable commits/s (fsync per claim, and group commit);
// end-to-end settlements/s through the service + outbox + center-sim (0 ms and 800 ms center)
// with p50/p99 latency; offline enqueue and replay rates.
#define DOCTEST_CONFIG_DISABLE // the harness logs with doctest macros; no test runner here
#include "harness.hpp"
#include "hc/settle/terminal_client.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <mutex>

using namespace hc::settle;
using namespace hc::settle::test;
using Clock = std::chrono::steady_clock;

namespace {

double secondsSince(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

void benchPolicy() {
    PolicyLibrary lib;
    lib.loadDirectory(HC_SETTLE_POLICY_DIR);
    ClaimInput c;
    c.key = { "511800", 2014, "390", "general", "county", "inpatient" };
    for (int i = 0; i < 20; ++i) {
        c.items.push_back({ "x",
            i % 3 == 0       ? ItemClass::C
                : i % 3 == 1 ? ItemClass::B
                             : ItemClass::A,
            10000 + i, 1000, 0, std::nullopt });
    }
    const auto& t = lib.find(c.key);
    const int n = 200000;
    Fen sink = 0;
    const auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) {
        sink += computeSettlement(t, c, {}).hifpPay;
    }
    std::cout << "policy engine: " << static_cast<long>(n / secondsSince(t0))
              << " claims/s (20 lines each) [checksum " << sink % 7 << "]\n";
}

void benchLedger(int n, int group) {
    TempDir dir;
    auto store = openSqliteLedger(dir.file("l.db"));
    MsgidGenerator ids("H51180000001");
    const auto t0 = Clock::now();
    for (int i = 0; i < n; i += group) {
        auto tx = store->begin();
        for (int k = 0; k < group && i + k < n; ++k) {
            SettlementRecord r;
            r.requestId = "r" + std::to_string(i + k);
            r.terminal = "T";
            r.visitId = "V" + std::to_string(i + k);
            r.chrgBchno = "B";
            r.msgid = "M" + std::to_string(i + k);
            r.psnNo = "P";
            r.insutype = "390";
            r.setlDate = "2026-11-23";
            tx->reserveRequest(r.requestId, "T", "settle", 0);
            tx->insertSettlement(r);
            OutboxEntry e;
            e.msgid = r.msgid;
            e.infno = "2207";
            e.visitId = r.visitId;
            e.payload = std::string(600, 'x');
            e.expiresMs = 1;
            tx->insertOutbox(e);
        }
        tx->commit();
    }
    std::cout << "ledger (SQLite WAL, synchronous=FULL), " << group
              << " claim(s) per fsync'd transaction: " << static_cast<long>(n / secondsSince(t0))
              << " claims/s\n";
}

struct LatencyRun {
    std::size_t done = 0;
    double seconds = 0;
    double p50 = 0, p99 = 0, max = 0;
};

// Percentiles of latencies in ms.
LatencyRun summarize(std::vector<double> lat, double seconds) {
    LatencyRun r;
    r.done = lat.size();
    r.seconds = seconds;
    if (!lat.empty()) {
        std::sort(lat.begin(), lat.end());
        r.p50 = lat[lat.size() / 2];
        r.p99 = lat[std::min(lat.size() - 1, lat.size() * 99 / 100)];
        r.max = lat.back();
    }
    return r;
}

// Run `n` calls of `work(i)` from `clients` threads. rate == 0: as fast as possible (closed loop);
// rate > 0: call i is due at t0 + i/rate (open loop) and its latency counts from when it was due,
// so a stall is not hidden by the clients waiting (no coordinated omission).
template <typename Work> LatencyRun drive(int clients, int n, double rate, Work work) {
    std::atomic<int> next { 0 };
    std::mutex m;
    std::vector<double> lat;
    lat.reserve(static_cast<std::size_t>(n));
    const auto t0 = Clock::now();
    std::vector<std::thread> ts;
    for (int c = 0; c < clients; ++c) {
        ts.emplace_back([&] {
            std::vector<double> mine;
            for (;;) {
                const int i = next++;
                if (i >= n) {
                    break;
                }
                auto due = Clock::now();
                if (rate > 0) {
                    due = t0
                        + std::chrono::duration_cast<Clock::duration>(
                            std::chrono::duration<double>(i / rate));
                    std::this_thread::sleep_until(due);
                }
                work(i);
                mine.push_back(
                    std::chrono::duration<double, std::milli>(Clock::now() - due).count());
            }
            std::lock_guard lock(m);
            lat.insert(lat.end(), mine.begin(), mine.end());
        });
    }
    for (auto& t : ts) {
        t.join();
    }
    return summarize(std::move(lat), secondsSince(t0));
}

// The terminal's settle call through SettlementService on a SQLite ledger, without the center:
// visits and fee batches are stored beforehand (not timed); each timed call reserves the request
// id, runs the estimator and, as it does not wait for the center (settle wait 0, no dispatcher),
// stores the settlement already settled offline (PROVISIONAL within the default exposure limits,
// then SELF_PAY) with its 2207 outbox entry and the stored reply in ONE durable commit before it
// returns (two commits before 2026-11-23). The center's part (HTTP, the dispatcher) is not in it.
//
// seedVisits stores `n` visits with their fee batches (not timed).
void seedVisits(LedgerStore& store, const EnvelopeContext& ctx, int n) {
    {
        for (int i = 0; i < n; i += 1000) {
            auto tx = store.begin();
            for (int k = i; k < std::min(n, i + 1000); ++k) {
                const auto v = "SV" + std::to_string(k);
                char psn[32];
                std::snprintf(psn, sizeof psn, "5101001990%08d", k);
                // As register_visit stores it (national codes, the rule tables' keys).
                boost::json::object visit { { "visit_id", v }, { "psn_no", psn },
                    { "insutype", "390" }, { "psn_type", "general" }, { "hosp_lv", "county" },
                    { "med_type", "21" }, { "rule_med_type", "inpatient" },
                    { "mdtrt_cert_type", "02" }, { "mdtrt_cert_no", psn }, { "year", 2014 },
                    { "region", ctx.mdtrtareaAdmvs }, { "terminal", "T" } };
                tx->insertDoc("visit", v, boost::json::serialize(visit));
                boost::json::array items;
                items.push_back({ { "code", "c" }, { "class", "丙" }, { "amount_fen", 80000 } });
                items.push_back({ { "code", "b" }, { "class", "乙" }, { "amount_fen", 200000 } });
                items.push_back({ { "code", "a" }, { "class", "甲" }, { "amount_fen", 720000 } });
                tx->insertDoc("fees", v + "/B1", boost::json::serialize(items));
            }
            tx->commit();
        }
    }
}

// Times `n` settle calls on `store` (seeded by seedVisits); returns settles/s.
double timeSettles(LedgerStore& store, const EnvelopeContext& ctx, int clients, int n, double rate,
    const char* rowLabel, const char* label) {
    PolicyLibrary lib;
    lib.loadDirectory(HC_SETTLE_POLICY_DIR);
    MsgidGenerator ids("H51180000001");
    ServiceConfig cfg;
    cfg.settleWait = std::chrono::milliseconds(0);
    SettlementService service(store, lib, ctx, ids, cfg);
    std::atomic<int> good { 0 };
    const auto run = drive(clients, n, rate, [&](int i) {
        const auto v = "SV" + std::to_string(i);
        const auto reply = service.handle("T",
            boost::json::serialize(boost::json::object { { "call", "settle" },
                { "request_id", "st" + v }, { "visit_id", v }, { "chrg_bchno", "B1" } }));
        if (reply.find("\"ok\":true") != std::string::npos) {
            ++good;
        }
    });
    std::printf("| %-15s | %-23s | %7d | %9.0f | %7.1f | %7.1f | %8.1f |\n", rowLabel, label,
        good.load(), good.load() / run.seconds, run.p50, run.p99, run.max);
    std::fflush(stdout);
    return good.load() / run.seconds;
}

double benchSettlePath(
    bool grouped, int clients, int n, double rate, const char* label, bool readers = true) {
    TempDir dir;
    EnvelopeContext ctx;
    seedVisits(*openSqliteLedger(dir.file("l.db")), ctx, n);
    SqliteOptions opt;
    opt.groupCommit = grouped;
    opt.readerConnections = readers;
    auto store = openSqliteLedger(dir.file("l.db"), opt);
    return timeSettles(*store, ctx, clients, n, rate,
        grouped ? (readers ? "grouped+readers" : "grouped") : "1 per tx", label);
}

// Through settlementd's ZeroMQ socket with TerminalClient (no CURVE: --insecure), one client per
// thread. `settleWaitMs` 0: offline (the center is not waited for; center-sim is down, so the
// dispatchers only back off); > 0: center-sim at 0 ms answers each claim (3 center calls).
// Visits and fee batches are registered through the socket first, not timed.
void benchZmq(int clients, int n, int settleWaitMs, double rate) {
    TempDir dir;
    Process center({ HC_CENTER_SIM, "--policies", HC_SETTLE_POLICY_DIR, "--center-data",
                       HC_TEST_CENTER_DATA, "--port-file", dir.file("center.port") },
        dir.file("center.log"));
    const auto centerPort = waitForPort(dir.file("center.port"));
    if (settleWaitMs == 0) {
        HttpClient c("127.0.0.1", centerPort);
        (void)c.post("/admin/faults", R"({"down":true})");
    }
    Process sd({ HC_SETTLEMENTD, "--db", dir.file("l.db"), "--policies", HC_SETTLE_POLICY_DIR,
                   "--center-port", std::to_string(centerPort), "--insecure", "--settle-wait-ms",
                   std::to_string(settleWaitMs), "--per-claim-limit-fen", "100000000",
                   "--total-limit-fen", "1000000000000", "--port-file", dir.file("sd.port") },
        dir.file("sd.log"));
    TerminalClientConfig cfg;
    cfg.endpoint = "tcp://127.0.0.1:" + std::to_string(waitForPort(dir.file("sd.port")));
    cfg.insecureTerminal = "T";
    cfg.replyTimeout = std::chrono::milliseconds(30000);
    std::vector<std::unique_ptr<TerminalClient>> tcs;
    for (int c = 0; c < clients; ++c) {
        tcs.push_back(std::make_unique<TerminalClient>(cfg));
    }
    std::atomic<int> next { 0 };
    std::vector<std::thread> ts;
    for (int c = 0; c < clients; ++c) {
        ts.emplace_back([&, c] {
            for (int i = next++; i < n; i = next++) {
                const auto v = "Z" + std::to_string(i);
                VisitRegistration reg;
                reg.visitId = v;
                reg.psnNo = "5101001990" + std::to_string(10000000 + i);
                reg.insutype = "390";
                reg.hospLv = "county";
                reg.medType = "inpatient";
                reg.year = 2014;
                (void)tcs[static_cast<std::size_t>(c)]->registerVisit("rv" + v, reg);
                (void)tcs[static_cast<std::size_t>(c)]->uploadFees("uf" + v, v, "B1",
                    { FeeLine { "a", "A", 720000, 1000, {}, {} },
                        FeeLine { "b", "B", 200000, 1000, {}, {} },
                        FeeLine { "c", "C", 80000, 1000, {}, {} } });
            }
        });
    }
    for (auto& t : ts) {
        t.join();
    }
    std::atomic<int> good { 0 };
    thread_local std::size_t mySlot = 0; // this driver thread's client (1-based; 0 = none yet)
    std::atomic<std::size_t> slots { 0 };
    const auto run = drive(clients, n, rate, [&](int i) {
        if (mySlot == 0) {
            mySlot = ++slots;
        }
        const auto v = "Z" + std::to_string(i);
        try {
            const auto r = tcs[mySlot - 1]->settle("st" + v, v, "B1");
            if (r.status == "SETTLED" || r.status == "PROVISIONAL" || r.status == "SELF_PAY") {
                ++good;
            }
        } catch (const Error&) { }
    });
    std::printf("| %-28s | %-16s | %7d | %9.0f | %7.1f | %7.1f | %8.1f |\n",
        settleWaitMs == 0 ? "offline (center down)" : "center-sim 0 ms (SETTLED)",
        rate > 0 ? "offered 1,000/s" : "saturation", good.load(), good.load() / run.seconds,
        run.p50, run.p99, run.max);
    std::fflush(stdout);
}

void benchZmqAll(bool full) {
    std::printf("\nsettle through settlementd (ZeroMQ, TerminalClient, --insecure; SQLite group "
                "commit; 64 client threads, settlementd --workers 64)\n");
    std::printf("| %-28s | %-16s | %7s | %9s | %7s | %7s | %8s |\n", "center", "load", "settled",
        "settles/s", "p50 ms", "p99 ms", "max ms");
    std::printf("|---|---|---|---|---|---|---|\n");
    benchZmq(64, full ? 20000 : 6000, 0, 0);
    benchZmq(64, full ? 10000 : 3000, 0, 1000);
    benchZmq(64, full ? 10000 : 3000, 5000, 0);
}

#ifdef HC_SETTLE_PG
// The settle path on PostgreSQL (the throwaway cluster of with_postgres.sh; run with
// HC_PG_FSYNC=on for durable commits) beside SQLite with group commit in the same run.
void benchSettlePg(bool full) {
    std::printf("\nsettle path without the center, PostgreSQL %s vs SQLite group commit (same run; "
                "1 durable commit per settle; PostgreSQL pool of 16 connections)\n",
        std::getenv("HC_PG_FSYNC") != nullptr && std::string(std::getenv("HC_PG_FSYNC")) == "on"
            ? "fsync=on"
            : "fsync=off (NOT durable)");
    std::printf("| %-15s | %-23s | %7s | %9s | %7s | %7s | %8s |\n", "store", "load", "settled",
        "settles/s", "p50 ms", "p99 ms", "max ms");
    std::printf("|---|---|---|---|---|---|---|\n");
    const int n = full ? 20000 : 4000;
    for (const int clients : { 16, 64 }) {
        const auto label = "saturation, " + std::to_string(clients) + " clients";
        const double sqlite = benchSettlePath(true, clients, n, 0, label.c_str());
        EnvelopeContext ctx;
        PostgresOptions pgOpt;
        pgOpt.connections = 16; // settlementd's default
        auto store = openLedger(freshPgDatabase("hcb"), {}, pgOpt);
        seedVisits(*store, ctx, n);
        const double pg = timeSettles(*store, ctx, clients, n, 0, "postgresql", label.c_str());
        std::printf("PostgreSQL / SQLite at %d clients: %.2f\n", clients, pg / sqlite);
    }
}
#endif

void benchSettlePaths(bool full) {
    std::printf(
        "\nsettle path without the center (SettlementService + SQLite WAL synchronous=FULL; "
        "1 durable commit per settle; 64 client threads)\n");
    std::printf("| %-15s | %-23s | %7s | %9s | %7s | %7s | %8s |\n", "commit", "load", "settled",
        "settles/s", "p50 ms", "p99 ms", "max ms");
    std::printf("|---|---|---|---|---|---|---|\n");
    benchSettlePath(false, 64, full ? 5000 : 1500, 0, "saturation");
    benchSettlePath(true, 64, full ? 60000 : 20000, 0, "saturation, 64 clients", false);
    benchSettlePath(true, 64, full ? 60000 : 20000, 0, "saturation, 64 clients");
    benchSettlePath(true, 256, full ? 60000 : 20000, 0, "saturation, 256 clients");
    benchSettlePath(false, 64, full ? 10000 : 3000, 1000, "offered 1,000/s");
    benchSettlePath(true, 64, full ? 10000 : 3000, 1000, "offered 1,000/s", false);
    benchSettlePath(true, 64, full ? 10000 : 3000, 1000, "offered 1,000/s");
}

// Concurrent store commits (one claim per transaction, as the service does), with and without
// group commit.
void benchLedgerConcurrent(bool grouped, int threads, int n) {
    TempDir dir;
    SqliteOptions opt;
    opt.groupCommit = grouped;
    auto store = openSqliteLedger(dir.file("l.db"), opt);
    const auto run = drive(threads, n, 0, [&](int i) {
        auto tx = store->begin();
        SettlementRecord r;
        r.requestId = "r" + std::to_string(i);
        r.terminal = "T";
        r.visitId = "V" + std::to_string(i);
        r.chrgBchno = "B";
        r.msgid = "M" + std::to_string(i);
        r.psnNo = "P";
        r.insutype = "390";
        r.setlDate = "2026-11-23";
        tx->reserveRequest(r.requestId, "T", "settle", 0);
        tx->insertSettlement(r);
        OutboxEntry e;
        e.msgid = r.msgid;
        e.infno = "2207";
        e.visitId = r.visitId;
        e.payload = std::string(600, 'x');
        e.expiresMs = 1;
        tx->insertOutbox(e);
        tx->commit();
    });
    std::cout << "ledger, " << threads << " threads, 1 claim per commit(), "
              << (grouped ? "group commit" : "one fsync per commit (baseline)") << ": "
              << static_cast<long>(static_cast<double>(run.done) / run.seconds) << " claims/s, p50 "
              << run.p50 << " ms, p99 " << run.p99 << " ms\n";
}

void benchEndToEnd(int clients, int dispatchers, int perClient, int delayMs, bool grouped = true) {
    ServiceConfig cfg;
    cfg.settleWait = std::chrono::milliseconds(delayMs > 0 ? 10000 : 30000);
    SqliteOptions opt;
    opt.groupCommit = grouped;
    Harness h(cfg, opt);
    h.gw.batch = 64;
    h.gw.parallel = delayMs > 0 ? 64 : 8;
    h.gw.timeout = std::chrono::milliseconds(5000);
    h.gw.lease = std::chrono::milliseconds(20000);
    if (delayMs > 0) {
        h.faults("{\"delay_ms\":" + std::to_string(delayMs) + "}");
    }
    std::vector<std::thread> ds;
    std::atomic<bool> stop { false };
    for (int d = 0; d < dispatchers; ++d) {
        ds.emplace_back([&, d] {
            auto gw = h.gw;
            gw.owner = "bench-" + std::to_string(d);
            CenterGateway g(gw, h.ctx, h.msgids);
            const auto hook = h.service->hook();
            while (!stop) {
                if (!g.runOnce(*h.store, hook).any()) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                }
            }
        });
    }
    std::mutex m;
    std::vector<double> lat;
    std::atomic<int> ok { 0 };
    const auto t0 = Clock::now();
    std::vector<std::thread> cs;
    for (int c = 0; c < clients; ++c) {
        cs.emplace_back([&, c] {
            for (int i = 0; i < perClient; ++i) {
                const auto s = Clock::now();
                const auto r = h.settleExample("T" + std::to_string(c));
                const auto ms = secondsSince(s) * 1000;
                std::lock_guard lock(m);
                lat.push_back(ms);
                if (r.at("ok").as_bool() && r.at("status") == "SETTLED") {
                    ++ok;
                }
            }
        });
    }
    for (auto& t : cs) {
        t.join();
    }
    const auto secs = secondsSince(t0);
    stop = true;
    for (auto& t : ds) {
        t.join();
    }
    std::sort(lat.begin(), lat.end());
    std::cout
        << "end-to-end, " << (grouped ? "group commit" : "one fsync per commit")
        << " (service + outbox + center-sim at " << delayMs << " ms; " << clients << " terminals, "
        << dispatchers << " dispatchers x " << h.gw.parallel
        << " connections; 3 center calls per claim): " << ok.load() << "/" << lat.size()
        << " settled in " << secs << " s = " << static_cast<long>(ok.load() / secs)
        << " settlements/s; p50 " << lat[lat.size() / 2] << " ms, p99 "
        << lat[lat.size() * 99 / 100]
        << " ms (including the center; unconfirmed after the settle wait count as not settled)\n";
}

void benchOffline(int n, int replayN) {
    Harness h;
    h.gw.batch = 256;
    h.gw.parallel = 8;
    const auto t0 = Clock::now();
    const int group = 1000;
    for (int i = 0; i < n; i += group) {
        auto tx = h.store->begin();
        for (int k = 0; k < group && i + k < n; ++k) {
            const auto visit = "OFF" + std::to_string(i + k);
            // A 2201 as the service queues it, and its visit document (materialized at dispatch).
            boost::json::object data { { "psn_no", "P" }, { "insutype", "390" },
                { "begntime", "2026-11-23 10:00:00" }, { "mdtrt_cert_type", "02" },
                { "mdtrt_cert_no", "P" }, { "ipt_otp_no", visit }, { "atddr_no", "D1" },
                { "dr_name", "d" }, { "dept_code", "A01" }, { "dept_name", "g" },
                { "caty", "A01" } };
            tx->putDoc("visit", visit,
                boost::json::serialize(boost::json::object {
                    { "visit_id", visit }, { "psn_no", "P" }, { "terminal", "T" } }));
            auto e = makeOutboxEntry(h.ctx, h.msgids, h.gw.retry, "2201", visit, "2", "T",
                boost::json::object { { "data", std::move(data) } });
            e.nextMs = 0; // all due: the dispatcher leases from the head of the whole queue
            tx->insertOutbox(e);
        }
        tx->commit();
    }
    std::cout << "offline enqueue: " << n << " entries in " << secondsSince(t0)
              << " s = " << static_cast<long>(n / secondsSince(t0))
              << " entries/s (1000 per transaction)\n";
    const auto t1 = Clock::now();
    std::vector<std::thread> ds;
    std::atomic<int> sent { 0 };
    for (int d = 0; d < 2; ++d) {
        ds.emplace_back([&, d] {
            auto gw = h.gw;
            gw.owner = "replay-" + std::to_string(d);
            CenterGateway g(gw, h.ctx, h.msgids);
            for (;;) {
                const auto s = g.runOnce(*h.store);
                sent += static_cast<int>(s.ok);
                if (sent.load() >= replayN || (!s.any() && secondsSince(t1) > 120)) {
                    break;
                }
            }
        });
    }
    for (auto& t : ds) {
        t.join();
    }
    std::cout << "offline replay to center-sim (0 ms, 2 dispatchers x " << h.gw.parallel
              << " connections, batch " << h.gw.batch << ", all " << n << " due): " << sent.load()
              << " entries in " << secondsSince(t1)
              << " s = " << static_cast<long>(sent.load() / secondsSince(t1))
              << " entries/s (the first " << replayN << " of the queue)\n";
}

} // namespace

int main(int argc, char** argv) {
    bool full = false;
    std::string only;
    int offlineN = 0;
    int replayN = 0;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--full") == 0) {
            full = true;
        } else if (std::strcmp(argv[i], "--replay") == 0 && i + 1 < argc) {
            replayN = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--offline-entries") == 0 && i + 1 < argc) {
            offlineN = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else {
            std::cerr << "usage: bench_settle [--full] [--only "
                         "policy|ledger|settle|zmq|e2e|offline|pg]\n";
            return 2;
        }
    }
    const auto want = [&](const char* name) {
        return (only.empty() && std::strcmp(name, "pg") != 0) || only == name;
    };
    std::cout << "settlement benchmarks (" << std::thread::hardware_concurrency() << " cores)\n";
    if (want("policy")) {
        benchPolicy();
    }
    if (want("ledger")) {
        benchLedger(full ? 5000 : 1000, 1);
        benchLedger(full ? 200000 : 50000, 100);
        benchLedgerConcurrent(false, 64, full ? 5000 : 1000);
        benchLedgerConcurrent(true, 64, full ? 100000 : 20000);
    }
    if (want("settle")) {
        benchSettlePaths(full);
    }
    if (want("e2e")) {
        benchEndToEnd(16, 2, full ? 100 : 25, 0, false);
        benchEndToEnd(16, 2, full ? 100 : 25, 0, true);
        benchEndToEnd(64, 2, full ? 50 : 20, 0, true);
        benchEndToEnd(32, 2, full ? 4 : 1, 800);
    }
    if (want("zmq")) {
        benchZmqAll(full);
    }
#ifdef HC_SETTLE_PG
    if (want("pg")) {
        benchSettlePg(full);
    }
#endif
    if (want("offline")) {
        benchOffline(offlineN > 0 ? offlineN
                : full            ? 1'000'000
                                  : 100'000,
            replayN > 0 ? replayN
                : full  ? 20000
                        : 3000);
    }
    return 0;
}
