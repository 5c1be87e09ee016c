// Settlement benchmarks (print figures; not timed tests). Default run < 60 s on 2 cores.
//   bench_settle [--full]   --full: 1,000,000 offline entries and longer runs
// Figures: policy engine claims/s; ledger durable commits/s (fsync per claim, and group commit);
// end-to-end settlements/s through the service + outbox + center-sim (0 ms and 800 ms center)
// with p50/p99 latency; offline enqueue and replay rates.
#define DOCTEST_CONFIG_DISABLE // the harness logs with doctest macros; no test runner here
#include "harness.hpp"

#include <algorithm>
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

void benchEndToEnd(int clients, int dispatchers, int perClient, int delayMs) {
    ServiceConfig cfg;
    cfg.settleWait = std::chrono::milliseconds(delayMs > 0 ? 10000 : 30000);
    Harness h(cfg);
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
                boost::json::object r;
                {
                    std::lock_guard lock(m); // the harness counter is not thread-safe
                    (void)c;
                }
                r = h.settleExample("T" + std::to_string(c));
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
        << "end-to-end (service + outbox + center-sim at " << delayMs << " ms; " << clients
        << " terminals, " << dispatchers << " dispatchers x " << h.gw.parallel
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
            boost::json::object in;
            in["ipt_otp_no"] = "OFF" + std::to_string(i + k);
            in["psn_no"] = "P";
            in["insutype"] = "390";
            in["hosp_lv"] = "county";
            in["med_type"] = "inpatient";
            in["year"] = 2014;
            auto e = makeOutboxEntry(h.ctx, h.msgids, h.gw.retry, "2201",
                "OFF" + std::to_string(i + k), "2", "T", std::move(in));
            e.nextMs = (i + k) < replayN ? 0 : INT64_MAX / 2; // only the first replayN are due
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
    std::cout << "offline replay to center-sim (0 ms, 2 dispatchers): " << sent.load()
              << " entries in " << secondsSince(t1)
              << " s = " << static_cast<long>(sent.load() / secondsSince(t1))
              << " entries/s (of a queue of " << n << ")\n";
}

} // namespace

int main(int argc, char** argv) {
    const bool full = argc > 1 && std::strcmp(argv[1], "--full") == 0;
    std::cout << "settlement benchmarks (" << std::thread::hardware_concurrency() << " cores)\n";
    benchPolicy();
    benchLedger(full ? 5000 : 1000, 1);
    benchLedger(full ? 200000 : 50000, 100);
    benchEndToEnd(16, 2, full ? 100 : 25, 0);
    benchEndToEnd(32, 2, full ? 4 : 1, 800);
    benchOffline(full ? 1'000'000 : 100'000, full ? 20000 : 3000);
    return 0;
}
