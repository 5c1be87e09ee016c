// PostgreSQL backend of the register (libpq): '?' placeholders become $n, parameters are text.
#include "hc/issuance/error.hpp"
#include "sql_backend.hpp"

#include <libpq-fe.h>

namespace hc::issuance::detail {

namespace {

class Result {
public:
    explicit Result(PGresult* r)
        : m_r(r) { }
    ~Result() { ::PQclear(m_r); }
    Result(const Result&) = delete;
    Result& operator=(const Result&) = delete;
    PGresult* get() const { return m_r; }

private:
    PGresult* m_r;
};

std::string numbered(const std::string& sql) {
    std::string out;
    int n = 0;
    for (char c : sql) {
        if (c == '?') {
            out += "$" + std::to_string(++n);
        } else {
            out.push_back(c);
        }
    }
    return out;
}

class PostgresBackend final : public SqlBackend {
public:
    explicit PostgresBackend(const std::string& conninfo)
        : m_c(::PQconnectdb(conninfo.c_str())) {
        if (!m_c || ::PQstatus(m_c) != CONNECTION_OK) {
            const std::string msg = m_c ? ::PQerrorMessage(m_c) : "out of memory";
            ::PQfinish(m_c);
            m_c = nullptr;
            throw StoreError("cannot connect to PostgreSQL: " + msg);
        }
        script("SET client_min_messages = warning");
    }
    ~PostgresBackend() override { ::PQfinish(m_c); }

    void script(const std::string& sql) override {
        Result r(::PQexec(m_c, sql.c_str()));
        check(r, sql);
    }

    std::vector<SqlRow> query(
        const std::string& sql, const std::vector<SqlValue>& params) override {
        std::vector<const char*> values;
        for (const auto& p : params) {
            values.push_back(p ? p->c_str() : nullptr);
        }
        const std::string text = numbered(sql);
        Result r(::PQexecParams(m_c, text.c_str(), static_cast<int>(values.size()), nullptr,
            values.data(), nullptr, nullptr, 0));
        check(r, sql);
        std::vector<SqlRow> rows;
        const int nr = ::PQntuples(r.get());
        const int nc = ::PQnfields(r.get());
        for (int i = 0; i < nr; ++i) {
            SqlRow row;
            for (int c = 0; c < nc; ++c) {
                if (::PQgetisnull(r.get(), i, c)) {
                    row.emplace_back(std::nullopt);
                } else {
                    row.emplace_back(std::string(::PQgetvalue(r.get(), i, c),
                        static_cast<std::size_t>(::PQgetlength(r.get(), i, c))));
                }
            }
            rows.push_back(std::move(row));
        }
        return rows;
    }

    void begin() override { script("BEGIN ISOLATION LEVEL READ COMMITTED"); }
    void commit() override { script("COMMIT"); }
    void rollback() noexcept override { ::PQclear(::PQexec(m_c, "ROLLBACK")); }
    std::string autoKey() const override { return "BIGSERIAL PRIMARY KEY"; }
    std::string lockClause() const override { return " FOR UPDATE SKIP LOCKED"; }

private:
    void check(const Result& r, const std::string& sql) {
        const auto st = ::PQresultStatus(r.get());
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
            return;
        }
        const char* state = ::PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
        const std::string code = state ? state : "";
        const bool constraint = code.rfind("23", 0) == 0;
        throw StoreError("PostgreSQL: " + std::string(::PQresultErrorMessage(r.get())) + " ("
                + sql.substr(0, 60) + ")",
            constraint ? NextStep::FixInput : NextStep::Retry);
    }
    PGconn* m_c;
};

} // namespace

std::unique_ptr<SqlBackend> openPostgres(const std::string& conninfo) {
    return std::make_unique<PostgresBackend>(conninfo);
}

} // namespace hc::issuance::detail
