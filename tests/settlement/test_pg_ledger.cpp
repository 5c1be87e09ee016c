// PostgreSQL ledger against a throwaway cluster (run under with_postgres.sh, which exports
// HC_PG_HOST and HC_PG_PORT): the store contract the SQLite store passes, then two connections
// (as two settlementd instances) racing on one request id, and two dispatchers leasing one outbox.
#include "hc/settle/ledger.hpp"

#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdlib>
#include <libpq-fe.h>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string baseConninfo() {
    const char* host = std::getenv("HC_PG_HOST");
    const char* port = std::getenv("HC_PG_PORT");
    if (!host || !port) {
        throw std::runtime_error("HC_PG_HOST/HC_PG_PORT not set: run under with_postgres.sh");
    }
    return std::string("host=") + host + " port=" + port + " user=postgres";
}

// A fresh database per call.
std::string freshDatabase() {
    static std::atomic<int> counter { 0 };
    const std::string name = "ledger_" + std::to_string(++counter);
    PGconn* c = ::PQconnectdb((baseConninfo() + " dbname=postgres").c_str());
    if (::PQstatus(c) != CONNECTION_OK) {
        const std::string msg = ::PQerrorMessage(c);
        ::PQfinish(c);
        throw std::runtime_error("admin connection: " + msg);
    }
    PGresult* r = ::PQexec(c, ("CREATE DATABASE " + name).c_str());
    const bool ok = ::PQresultStatus(r) == PGRES_COMMAND_OK;
    const std::string msg = ::PQresultErrorMessage(r);
    ::PQclear(r);
    ::PQfinish(c);
    if (!ok) {
        throw std::runtime_error("CREATE DATABASE: " + msg);
    }
    return baseConninfo() + " dbname=" + name;
}

struct LedgerFixture {
    std::string conninfo = freshDatabase();
    std::unique_ptr<hc::settle::LedgerStore> open() const {
        return hc::settle::openPostgresLedger(conninfo);
    }
};

} // namespace

#include "ledger_contract.hpp"

using namespace hc::settle;

TEST_CASE("postgresql: openLedger routes postgresql:// URLs to the PostgreSQL store") {
    const std::string url = std::string("postgresql://postgres@/postgres?host=")
        + std::getenv("HC_PG_HOST") + "&port=" + std::getenv("HC_PG_PORT");
    auto store = openLedger(url);
    auto tx = store->begin();
    CHECK(tx->outboxDepth().empty());
}

TEST_CASE("postgresql: two instances settling the same request ids concurrently settle once") {
    const LedgerFixture fx;
    constexpr int kRequests = 150;
    auto a = fx.open();
    auto b = fx.open();
    std::vector<std::string> replies[2];
    std::atomic<int> duplicates { 0 };
    std::barrier sync(2); // both instances start each request id together
    auto instance = [&](LedgerStore& store, int who) {
        for (int i = 0; i < kRequests; ++i) {
            sync.arrive_and_wait();
            const std::string rid = "req-" + std::to_string(i);
            const std::string msgid = "M" + std::to_string(who) + "-" + std::to_string(i);
            auto tx = store.begin();
            auto slot = tx->reserveRequest(rid, "T1", "settle", 1);
            if (!slot.fresh) {
                replies[who].push_back(slot.reply);
                continue;
            }
            SettlementRecord r;
            r.requestId = rid;
            r.terminal = "T1";
            r.visitId = "V" + std::to_string(i);
            r.chrgBchno = "B1";
            r.msgid = msgid;
            r.psnNo = "P1";
            r.insutype = "390";
            r.medfee = 1000;
            r.cash = 1000;
            r.setlDate = "2026-11-23";
            try {
                tx->insertSettlement(r);
            } catch (const DuplicateError&) {
                ++duplicates; // must not happen: the request id already serialized us
                continue;
            }
            OutboxEntry e;
            e.msgid = msgid;
            e.infno = "2207";
            e.visitId = r.visitId;
            e.payload = "{}";
            e.expiresMs = 1'000'000;
            tx->insertOutbox(e);
            // Hold the reservation a moment: the other instance is waiting on it.
            std::this_thread::sleep_for(std::chrono::microseconds(300));
            tx->setRequestReply(rid, msgid);
            tx->commit();
            replies[who].push_back(msgid);
        }
    };
    std::thread ta(instance, std::ref(*a), 0);
    std::thread tb(instance, std::ref(*b), 1);
    ta.join();
    tb.join();
    CHECK(duplicates.load() == 0);
    REQUIRE(replies[0].size() == static_cast<std::size_t>(kRequests));
    REQUIRE(replies[1].size() == static_cast<std::size_t>(kRequests));
    int fromA = 0;
    for (int i = 0; i < kRequests; ++i) {
        // Both instances answer with the one stored msgid.
        CHECK(replies[0][static_cast<std::size_t>(i)] == replies[1][static_cast<std::size_t>(i)]);
        fromA += replies[0][static_cast<std::size_t>(i)].rfind("M0-", 0) == 0 ? 1 : 0;
    }
    MESSAGE("settled by instance A: " << fromA << ", by B: " << kRequests - fromA);
    auto tx = a->begin();
    CHECK(tx->settlementsOfDay("2026-11-23").size() == static_cast<std::size_t>(kRequests));
    CHECK(tx->outboxDepth()["NEW"] == kRequests);
}

TEST_CASE("postgresql: two dispatchers leasing concurrently never send one msgid twice") {
    const LedgerFixture fx;
    constexpr int kVisits = 60;
    const char* chain[] = { "2201", "2204", "2207" };
    {
        auto store = fx.open();
        auto tx = store->begin();
        for (int step = 0; step < 3; ++step) {
            for (int v = 0; v < kVisits; ++v) {
                OutboxEntry e;
                e.msgid = "V" + std::to_string(v) + "-" + chain[step];
                e.infno = chain[step];
                e.visitId = "V" + std::to_string(v);
                e.payload = "{}";
                e.expiresMs = 1'000'000'000;
                tx->insertOutbox(e);
            }
        }
        tx->commit();
    }
    std::mutex mu;
    std::map<std::string, int> sends; // msgid → times leased
    std::map<std::string, std::vector<std::string>> order; // visit → infno in send order
    std::atomic<int> violations { 0 };
    auto dispatcher = [&](const std::string& owner) {
        auto store = fx.open();
        int idle = 0;
        while (idle < 50) {
            std::vector<OutboxEntry> leased;
            {
                auto tx = store->begin();
                leased = tx->leaseDispatchable(1000, 7, owner, 60'000);
                tx->commit();
            }
            if (leased.empty()) {
                ++idle;
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
                continue;
            }
            idle = 0;
            {
                std::lock_guard<std::mutex> lock(mu);
                for (const auto& e : leased) {
                    if (++sends[e.msgid] > 1 || e.owner != owner) {
                        ++violations;
                    }
                    order[e.visitId].push_back(e.infno);
                }
            }
            // The center answered OK: the next entry of each visit becomes sendable.
            auto tx = store->begin();
            for (auto e : leased) {
                e.state = nextState(e.state, OutboxEvent::ReplyOk);
                e.owner.clear();
                e.leaseMs = 0;
                tx->updateOutbox(e);
            }
            tx->commit();
        }
    };
    std::thread d1(dispatcher, "dispatcher-1");
    std::thread d2(dispatcher, "dispatcher-2");
    d1.join();
    d2.join();
    CHECK(violations.load() == 0);
    CHECK(sends.size() == static_cast<std::size_t>(kVisits * 3));
    for (const auto& [visit, infnos] : order) {
        CHECK(infnos == std::vector<std::string> { "2201", "2204", "2207" });
    }
    auto store = fx.open();
    auto tx = store->begin();
    CHECK(tx->outboxDepth()["OK"] == kVisits * 3);
}

TEST_CASE("postgresql: one store, many threads: transactions run side by side on the pool, no "
          "update is lost, and a connection the server dropped is replaced") {
    const LedgerFixture fx;
    PostgresOptions opt;
    opt.connections = 4;
    auto store = openPostgresLedger(fx.conninfo, opt);
    {
        // Two open transactions of one store at once (one connection each).
        auto t1 = store->begin();
        auto t2 = store->begin();
        CHECK(t1->insertDoc("counter", "n", "0"));
        t1->commit();
        t2->commit();
    }
    // 16 threads increment one document 25 times each; getDoc locks the row (FOR UPDATE).
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 25; ++i) {
                auto tx = store->begin();
                const int n = std::stoi(tx->getDoc("counter", "n").value());
                tx->putDoc("counter", "n", std::to_string(n + 1));
                tx->commit();
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    {
        auto tx = store->begin();
        CHECK(tx->getDoc("counter", "n").value() == "400");
        tx->commit();
    }
    // The server drops every connection of this database (a restart, a network cut).
    PGconn* admin = ::PQconnectdb((baseConninfo() + " dbname=postgres").c_str());
    REQUIRE(::PQstatus(admin) == CONNECTION_OK);
    const auto db = fx.conninfo.substr(fx.conninfo.rfind('=') + 1);
    ::PQclear(::PQexec(admin,
        ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db + "'")
            .c_str()));
    ::PQfinish(admin);
    // Each broken connection fails one begin() (retry) and is dropped; then the store works.
    int failures = 0;
    bool ok = false;
    for (int attempt = 0; attempt < 10 && !ok; ++attempt) {
        try {
            auto tx = store->begin();
            CHECK(tx->getDoc("counter", "n").value() == "400");
            tx->commit();
            ok = true;
        } catch (const StoreError&) {
            ++failures;
        }
    }
    CHECK(ok);
    CHECK(failures <= 4);
}
