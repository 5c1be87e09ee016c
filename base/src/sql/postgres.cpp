// PostgreSQL backend of hc::sql (libpq): '?' placeholders rewritten to $N once per statement
// text; parameters travel as text (bytes as binary), results as text.
#include "hc/base/sql/dialect.hpp"
#include "hc/base/sql/query.hpp"
#include "text_hash.hpp"

#include <libpq-fe.h>
#include <unordered_map>

namespace hc::sql {

namespace {

using detail::TextHash;

std::string field(const PGresult* r, int code) {
    const char* f = ::PQresultErrorField(r, code);
    return f ? f : "";
}

Failure failureOf(const PGresult* r, PGconn* c, std::string sql) {
    Failure f;
    f.dialect = Dialect::Postgres;
    f.message = r ? ::PQresultErrorMessage(r) : ::PQerrorMessage(c);
    f.sql = std::move(sql);
    const auto state = field(r, PG_DIAG_SQLSTATE);
    f.sqlState = state;
    f.constraint = state.rfind("23", 0) == 0;
    f.constraintName = field(r, PG_DIAG_CONSTRAINT_NAME);
    f.retryable = state == "40001" || state == "40P01";
    return f;
}

bool ok(const PGresult* r) {
    const auto st = ::PQresultStatus(r);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

class PgStatement final : public Statement {
public:
    PgStatement(const Connection& owner, PGconn* c, std::string sql)
        : m_owner(owner)
        , m_c(c)
        , m_sql(std::move(sql))
        , m_text(placeholders(m_sql, Dialect::Postgres)) { }
    ~PgStatement() override { ::PQclear(m_r); }
    PgStatement(const PgStatement&) = delete;
    PgStatement& operator=(const PgStatement&) = delete;

    void reset() noexcept override {
        ::PQclear(m_r);
        m_r = nullptr;
        m_row = -1;
        m_values.clear();
        m_null.clear();
        m_binary.clear();
    }
    void bindInt(int index, std::int64_t value) override { set(index, std::to_string(value), 0); }
    void bindText(int index, std::string_view value) override { set(index, std::string(value), 0); }
    void bindBlob(int index, ByteView value) override {
        set(index, std::string(value.begin(), value.end()), 1);
    }
    void bindNull(int index) override {
        set(index, {}, 0);
        m_null[static_cast<std::size_t>(index - 1)] = true;
    }

    bool step(bool guarded, std::string& constraint) override {
        if (m_r == nullptr) {
            if (!execute(guarded, constraint)) {
                return false;
            }
        }
        ++m_row;
        return m_row < ::PQntuples(m_r);
    }
    bool isNull(int column) const override { return ::PQgetisnull(m_r, m_row, column) != 0; }
    std::int64_t i64(int column) const override {
        return isNull(column) ? 0 : std::stoll(::PQgetvalue(m_r, m_row, column));
    }
    std::string text(int column) const override {
        if (isNull(column)) {
            return {};
        }
        return std::string(::PQgetvalue(m_r, m_row, column),
            static_cast<std::size_t>(::PQgetlength(m_r, m_row, column)));
    }
    Bytes blob(int column) const override {
        if (isNull(column)) {
            return {};
        }
        std::size_t n = 0;
        auto* p = ::PQunescapeBytea(
            reinterpret_cast<const unsigned char*>(::PQgetvalue(m_r, m_row, column)), &n);
        Bytes out(p, p + n);
        ::PQfreemem(p);
        return out;
    }
    int columns() const override { return m_r ? ::PQnfields(m_r) : 0; }
    std::int64_t insertedId() const override {
        if (m_r == nullptr || ::PQntuples(m_r) < 1 || ::PQnfields(m_r) < 1) {
            Failure f;
            f.dialect = Dialect::Postgres;
            f.message = "the INSERT returned no key (write it with hc::sql::returning)";
            f.sql = m_sql;
            m_owner.raise(f);
        }
        return std::stoll(::PQgetvalue(m_r, 0, 0));
    }
    std::int64_t changes() const override {
        const char* n = m_r ? ::PQcmdTuples(m_r) : nullptr;
        return (n && *n) ? std::stoll(n) : 0;
    }

private:
    void set(int index, std::string value, int format) {
        const auto i = static_cast<std::size_t>(index - 1);
        if (m_values.size() <= i) {
            m_values.resize(i + 1);
            m_null.resize(i + 1, false);
            m_binary.resize(i + 1, 0);
        }
        m_values[i] = std::move(value);
        m_null[i] = false;
        m_binary[i] = format;
    }

    PGresult* run() {
        std::vector<const char*> values(m_values.size());
        std::vector<int> lengths(m_values.size());
        for (std::size_t i = 0; i < m_values.size(); ++i) {
            values[i] = m_null[i] ? nullptr : m_values[i].c_str();
            lengths[i] = static_cast<int>(m_values[i].size());
        }
        return ::PQexecParams(m_c, m_text.c_str(), static_cast<int>(values.size()), nullptr,
            values.empty() ? nullptr : values.data(), lengths.empty() ? nullptr : lengths.data(),
            m_binary.empty() ? nullptr : m_binary.data(), 0);
    }

    void simple(const char* sql) {
        PGresult* r = ::PQexec(m_c, sql);
        if (!ok(r)) {
            const auto f = failureOf(r, m_c, sql);
            ::PQclear(r);
            m_owner.raise(f);
        }
        ::PQclear(r);
    }

    // Runs the statement; guarded: inside a savepoint, so a unique violation (23505) leaves the
    // transaction usable (as SQLite's statement rollback does) and is reported, not raised.
    bool execute(bool guarded, std::string& constraint) {
        if (guarded) {
            simple("SAVEPOINT hc_guard");
        }
        m_r = run();
        if (ok(m_r)) {
            if (guarded) {
                simple("RELEASE SAVEPOINT hc_guard");
            }
            return true;
        }
        const auto f = failureOf(m_r, m_c, m_sql);
        ::PQclear(m_r);
        m_r = nullptr;
        if (guarded) {
            simple("ROLLBACK TO SAVEPOINT hc_guard");
            simple("RELEASE SAVEPOINT hc_guard");
            if (f.sqlState == "23505") {
                constraint = f.constraintName.empty() ? "unique" : f.constraintName;
                return false;
            }
        }
        m_owner.raise(f);
    }

    const Connection& m_owner;
    PGconn* m_c;
    std::string m_sql;
    std::string m_text; // with $N
    std::vector<std::string> m_values;
    std::vector<bool> m_null;
    std::vector<int> m_binary;
    PGresult* m_r = nullptr;
    int m_row = -1;
};

class PgConnection final : public Connection {
public:
    PgConnection(const std::string& conninfo, Raise raise)
        : Connection(std::move(raise))
        , m_c(::PQconnectdb(conninfo.c_str())) {
        if (!m_c || ::PQstatus(m_c) != CONNECTION_OK) {
            Failure f;
            f.stage = Failure::Stage::Open;
            f.dialect = Dialect::Postgres;
            f.message = m_c ? ::PQerrorMessage(m_c) : "out of memory";
            ::PQfinish(m_c);
            m_c = nullptr;
            this->raise(f);
        }
        try {
            exec("SET client_min_messages = warning");
        } catch (...) {
            ::PQfinish(m_c);
            m_c = nullptr;
            throw;
        }
    }
    ~PgConnection() override {
        m_cache.clear();
        ::PQfinish(m_c);
    }

    Dialect dialect() const noexcept override { return Dialect::Postgres; }

    void exec(const std::string& script) override {
        PGresult* r = ::PQexec(m_c, script.c_str());
        if (!ok(r)) {
            auto f = failureOf(r, m_c, script);
            f.stage = Failure::Stage::Script;
            ::PQclear(r);
            raise(f);
        }
        ::PQclear(r);
    }

    bool tryExec(const char* sql, std::string& error) noexcept override {
        PGresult* r = ::PQexec(m_c, sql);
        const bool good = ok(r);
        if (!good) {
            error = r ? ::PQresultErrorMessage(r) : ::PQerrorMessage(m_c);
        }
        ::PQclear(r);
        return good;
    }

    bool inTransaction() const noexcept override {
        return ::PQtransactionStatus(m_c) != PQTRANS_IDLE;
    }

    bool healthy() const noexcept override { return ::PQstatus(m_c) == CONNECTION_OK; }

    Statement& statement(std::string_view sql) override {
        const auto it = m_cache.find(sql);
        if (it != m_cache.end()) {
            return *it->second;
        }
        auto owned = std::make_unique<PgStatement>(*this, m_c, std::string(sql));
        auto& ref = *owned;
        m_cache.emplace(std::string(sql), std::move(owned));
        return ref;
    }

private:
    PGconn* m_c;
    std::unordered_map<std::string, std::unique_ptr<PgStatement>, TextHash, std::equal_to<>>
        m_cache;
};

} // namespace

std::unique_ptr<Connection> openPostgres(const std::string& conninfo, Raise raise) {
    return std::make_unique<PgConnection>(conninfo, std::move(raise));
}

} // namespace hc::sql
