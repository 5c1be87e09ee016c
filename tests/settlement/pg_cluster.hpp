// Test support: databases on the throwaway PostgreSQL cluster that with_postgres.sh starts
// (it exports HC_PG_HOST / HC_PG_PORT). Include only in targets linked with libpq. Failures
// throw (a test fails with the message; benchmarks have no doctest assertions).
#pragma once

#include <cstdlib>
#include <libpq-fe.h>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace hc::settle::test {

/** The URL of database `name` on the throwaway cluster. */
inline std::string pgUrl(const std::string& name = "postgres") {
    const char* host = std::getenv("HC_PG_HOST");
    const char* port = std::getenv("HC_PG_PORT");
    if (host == nullptr || port == nullptr) {
        throw std::runtime_error("HC_PG_HOST / HC_PG_PORT unset: run under with_postgres.sh");
    }
    return "postgresql://postgres@/" + name + "?host=" + host + "&port=" + port;
}

/** Creates a fresh database named `<prefix>_<pid>_<n>` and returns its URL. */
inline std::string freshPgDatabase(const std::string& prefix) {
    static int n = 0;
    PGconn* c = PQconnectdb(pgUrl().c_str());
    if (PQstatus(c) != CONNECTION_OK) {
        const std::string why = PQerrorMessage(c);
        PQfinish(c);
        throw std::runtime_error("cannot connect to the throwaway cluster: " + why);
    }
    const auto name = prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(++n);
    PGresult* r = PQexec(c, ("CREATE DATABASE " + name).c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    PQfinish(c);
    if (!ok) {
        throw std::runtime_error("CREATE DATABASE " + name + " failed");
    }
    return pgUrl(name);
}

} // namespace hc::settle::test
