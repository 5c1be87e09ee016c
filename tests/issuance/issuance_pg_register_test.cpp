// The register contract on PostgreSQL, against a throwaway cluster (run under
// tests/settlement/with_postgres.sh, which exports HC_PG_HOST and HC_PG_PORT), plus two
// registers (two hcperso processes) claiming from one batch.
#include "issuance_register_contract.hpp"

#include <atomic>
#include <cstdlib>
#include <libpq-fe.h>
#include <stdexcept>

using namespace hc::issuance;
using namespace hc::issuance::testing;

namespace {

std::string freshDatabase() {
    const char* host = std::getenv("HC_PG_HOST");
    const char* port = std::getenv("HC_PG_PORT");
    if (!host || !port) {
        throw std::runtime_error("HC_PG_HOST/HC_PG_PORT not set: run under with_postgres.sh");
    }
    static std::atomic<int> counter { 0 };
    const std::string name = "register_" + std::to_string(++counter);
    const std::string base = std::string("host=") + host + " port=" + port + " user=postgres";
    PGconn* c = ::PQconnectdb((base + " dbname=postgres").c_str());
    if (::PQstatus(c) != CONNECTION_OK) {
        const std::string msg = ::PQerrorMessage(c);
        ::PQfinish(c);
        throw std::runtime_error("admin connection: " + msg);
    }
    PGresult* r = ::PQexec(c, ("CREATE DATABASE " + name).c_str());
    const bool ok = ::PQresultStatus(r) == PGRES_COMMAND_OK;
    ::PQclear(r);
    ::PQfinish(c);
    if (!ok) {
        throw std::runtime_error("CREATE DATABASE failed");
    }
    // A libpq URI with the socket directory as the host parameter.
    return std::string("postgresql:///") + name + "?host=" + host + "&port=" + port
        + "&user=postgres";
}

} // namespace

TEST_CASE("register contract on PostgreSQL") {
    // One fresh database per subcase run: the contract's subcases each start empty.
    std::string url;
    registerContract([&] {
        if (url.empty()) {
            url = freshDatabase();
        }
        return openRegister(url);
    });
}

TEST_CASE("PostgreSQL: two registers claim from one batch without sharing a card") {
    const std::string url = freshDatabase();
    auto a = openRegister(url);
    auto b = openRegister(url);
    a->createBatch("B", rowsOf(testResidents(30)), "alice", "x");
    std::mutex m;
    std::vector<std::string> got;
    std::vector<std::thread> ts;
    for (IssuanceRegister* reg : { a.get(), b.get() }) {
        ts.emplace_back([&, reg] {
            while (auto c = reg->claimNext("B", "R", "op")) {
                reg->markFailed(c->cardNo, "", "spoil to allocate", "op", false);
                std::lock_guard lock(m);
                got.push_back(c->cardNo);
            }
        });
    }
    for (auto& t : ts) {
        t.join();
    }
    CHECK(got.size() == 30);
    CHECK(std::set<std::string>(got.begin(), got.end()).size() == 30);
    checkNoGaps(*a);
    CHECK_THROWS_AS(openRegister(url, "3101"), StoreError);
}
