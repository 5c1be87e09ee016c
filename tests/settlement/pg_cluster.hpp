// Test support: databases on the throwaway PostgreSQL cluster that with_postgres.sh starts
// (it exports HC_PG_HOST / HC_PG_PORT). Include only in targets linked with libpq.
#pragma once

#include <cstdlib>
#include <doctest/doctest.h>
#include <libpq-fe.h>
#include <string>
#include <unistd.h>

namespace hc::settle::test {

/** The URL of database `name` on the throwaway cluster. */
inline std::string pgUrl(const std::string& name = "postgres") {
    const char* host = std::getenv("HC_PG_HOST");
    const char* port = std::getenv("HC_PG_PORT");
    REQUIRE(host != nullptr);
    REQUIRE(port != nullptr);
    return "postgresql://postgres@/" + name + "?host=" + host + "&port=" + port;
}

/** Creates a fresh database named `<prefix>_<pid>_<n>` and returns its URL. */
inline std::string freshPgDatabase(const std::string& prefix) {
    static int n = 0;
    PGconn* c = PQconnectdb(pgUrl().c_str());
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    const auto name = prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(++n);
    PGresult* r = PQexec(c, ("CREATE DATABASE " + name).c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    PQfinish(c);
    REQUIRE(ok);
    return pgUrl(name);
}

} // namespace hc::settle::test
