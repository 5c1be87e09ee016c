// Test harness: a center-sim process, a SQLite ledger, the service and a dispatcher thread.
#pragma once

#include "hc/settle/gateway.hpp"
#include "hc/settle/json_in.hpp"
#include "hc/settle/service.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

#include <atomic>
#include <mutex>
#ifdef HC_SETTLE_PG
#include "pg_cluster.hpp"
#endif
#include <boost/json/serialize.hpp>
#include <doctest/doctest.h>
#include <thread>

namespace hc::settle::test {

struct Harness {
    TempDir dir;
    std::unique_ptr<Process> center;
    unsigned short port = 0;
    PolicyLibrary policies;
    std::unique_ptr<LedgerStore> store;
    MsgidGenerator msgids { "H51180000001" };
    EnvelopeContext ctx;
    GatewayConfig gw;
    std::unique_ptr<SettlementService> service;
    std::atomic<bool> stop { false };
    std::thread dispatcher;
    std::atomic<int> counter { 0 }; // benches call prepareExample from many threads
    std::mutex lastMutex;
    boost::json::object last; // the last refusal of prepareExample, written under lastMutex

    explicit Harness(ServiceConfig cfg = {}, SqliteOptions sqlite = {}) {
        center = std::make_unique<Process>(
            std::vector<std::string> { HC_CENTER_SIM, "--policies", HC_SETTLE_POLICY_DIR,
                "--policies", HC_TEST_POLICY_DIR, "--center-data", HC_TEST_CENTER_DATA,
                "--port-file", dir.file("port") },
            dir.file("center.log"));
        port = waitForPort(dir.file("port"));
        policies.loadDirectory(HC_SETTLE_POLICY_DIR);
#ifdef HC_SETTLE_PG
        (void)sqlite;
        store = openLedger(freshPgDatabase("hch")); // the same test on PostgreSQL
#else
        store = openSqliteLedger(dir.file("ledger.db"), sqlite);
#endif
        gw.port = port;
        gw.timeout = std::chrono::milliseconds(400);
        gw.lease = std::chrono::milliseconds(2000);
        gw.parallel = 4; // exercise the parallel send path
        gw.retry.base = std::chrono::milliseconds(20);
        gw.retry.cap = std::chrono::milliseconds(200);
        cfg.retry = gw.retry;
        if (cfg.settleWait == std::chrono::milliseconds(3000)) {
            cfg.settleWait = std::chrono::milliseconds(1500);
        }
        service = std::make_unique<SettlementService>(*store, policies, ctx, msgids, cfg);
    }
    ~Harness() {
        stopDispatcher();
    }

    void startDispatcher() {
        stop = false;
        dispatcher = std::thread([this] {
            CenterGateway gateway(gw, ctx, msgids);
            const auto hook = service->hook();
            while (!stop) {
                PassStats s;
                try {
                    s = gateway.runOnce(*store, hook);
                } catch (const std::exception&) { }
                if (!s.any()) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(3));
                }
            }
        });
    }
    void stopDispatcher() {
        stop = true;
        if (dispatcher.joinable()) {
            dispatcher.join();
        }
    }

    HttpResult admin(const std::string& target, const std::string& body) {
        HttpClient c("127.0.0.1", port, std::chrono::milliseconds(2000));
        return body.empty() ? c.get(target) : c.post(target, body);
    }
    void faults(const std::string& json) {
        (void)admin("/admin/faults", json);
    }

    boost::json::object call(const std::string& terminal, boost::json::object req) {
        const auto reply = service->handle(terminal, boost::json::serialize(req));
        return parseJsonText(reply, "reply").as_object();
    }

    /** Register and upload the 10,000 yuan example; returns the visit id ("" on a refusal,
     *  whose reply is left in `last`). */
    std::string prepareExample(
        const std::string& terminal = "T1", const std::string& hospLv = "county") {
        const auto n = std::to_string(++counter);
        const auto visit = "V" + n + "-" + std::to_string(::getpid());
        auto reply = call(terminal,
            { { "call", "register_visit" }, { "request_id", "rv" + visit }, { "visit_id", visit },
                { "psn_no", "510100199001011234" }, { "insutype", "390" }, { "hosp_lv", hospLv },
                { "med_type", "inpatient" }, { "year", 2014 } });
        if (!reply["ok"].as_bool()) {
            return refused(std::move(reply));
        }
        boost::json::array items;
        items.push_back({ { "code", "c" }, { "class", "丙" }, { "amount_fen", 80000 } });
        items.push_back({ { "code", "b" }, { "class", "乙" }, { "amount_fen", 200000 } });
        items.push_back({ { "code", "a" }, { "class", "甲" }, { "amount_fen", 720000 } });
        reply = call(terminal,
            { { "call", "upload_fees" }, { "request_id", "uf" + visit }, { "visit_id", visit },
                { "chrg_bchno", "B1" }, { "items", items } });
        return reply["ok"].as_bool() ? visit : refused(std::move(reply));
    }
    std::string refused(boost::json::object reply) {
        std::lock_guard lock(lastMutex);
        last = std::move(reply);
        return "";
    }
    boost::json::object lastRefusal() {
        std::lock_guard lock(lastMutex);
        return last;
    }

    /** Settle batch B1 of a prepared visit. */
    boost::json::object settle(const std::string& visit, const std::string& terminal = "T1") {
        return call(terminal,
            { { "call", "settle" }, { "request_id", "st" + visit }, { "visit_id", visit },
                { "chrg_bchno", "B1" } });
    }

    /** Register, upload the 10,000 yuan example and settle; returns the settle reply. */
    boost::json::object settleExample(
        const std::string& terminal = "T1", const std::string& hospLv = "county") {
        const auto visit = prepareExample(terminal, hospLv);
        return visit.empty() ? lastRefusal() : settle(visit, terminal);
    }

    /** Wait until no outbox entry is NEW, SENT, UNKNOWN or RESOLVING. */
    bool drain(std::chrono::milliseconds timeout = std::chrono::milliseconds(20000)) {
        const auto end = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < end) {
            auto tx = store->begin();
            auto d = tx->outboxDepth();
            tx->commit();
            if (d["NEW"] + d["SENT"] + d["UNKNOWN"] + d["RESOLVING"] == 0) {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        auto tx = store->begin();
        for (auto st :
            { OutboxState::New, OutboxState::Sent, OutboxState::Unknown, OutboxState::Resolving }) {
            for ([[maybe_unused]] const auto& e : tx->outboxInState(st, 5)) {
                MESSAGE(e.infno << " " << stateName(e.state) << " attempts " << e.attempts << ": "
                                << e.lastError);
            }
        }
        return false;
    }

    /** Entries (not 2601s) whose outcome reconciliation must decide. */
    std::int64_t unresolved() {
        auto tx = store->begin();
        std::int64_t n = 0;
        for (const auto& e : tx->outboxInState(OutboxState::Unresolved, 100000)) {
            n += e.infno == "2601" ? 0 : 1;
        }
        tx->commit();
        return n;
    }

    std::int64_t centerDuplicates() {
        const auto r = admin("/admin/stats", "");
        return parseJsonText(r.body, "stats").as_object().at("duplicate_msgids").as_int64();
    }

    std::int64_t centerActive() {
        const auto r = admin("/admin/stats", "");
        return parseJsonText(r.body, "stats").as_object().at("active_settlements").as_int64();
    }
};

} // namespace hc::settle::test
