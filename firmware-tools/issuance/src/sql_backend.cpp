// The register's SqlBackend over the SQL layer (hc/base/sql): one implementation for SQLite (WAL,
// synchronous=FULL, foreign keys, BEGIN IMMEDIATE for every transaction) and PostgreSQL (READ
// COMMITTED, claims with FOR UPDATE SKIP LOCKED). Parameters and columns are text or NULL.
#include "sql_backend.hpp"

#include "hc/base/sql/dialect.hpp"
#include "hc/base/sql/query.hpp"
#include "hc/issuance/error.hpp"

namespace hc::issuance::detail {

namespace {

class BaseSqlBackend final : public SqlBackend {
public:
    explicit BaseSqlBackend(std::unique_ptr<sql::Connection> connection)
        : m_c(std::move(connection)) { }

    void script(const std::string& sql) override { m_c->exec(sql); }

    std::vector<SqlRow> query(
        const std::string& sql, const std::vector<SqlValue>& params) override {
        sql::Query q(*m_c, sql);
        for (std::size_t i = 0; i < params.size(); ++i) {
            const int index = static_cast<int>(i + 1);
            if (params[i]) {
                q.bind(index, *params[i]);
            } else {
                q.bindNull(index);
            }
        }
        std::vector<SqlRow> rows;
        while (q.step()) {
            SqlRow row;
            const int n = q.columns();
            for (int c = 0; c < n; ++c) {
                row.push_back(q.isNull(c) ? SqlValue {} : SqlValue { q.text(c) });
            }
            rows.push_back(std::move(row));
        }
        return rows;
    }

    void begin() override { m_c->exec(sql::beginWrite(m_c->dialect())); }
    void commit() override { m_c->exec("COMMIT"); }
    void rollback() noexcept override { m_c->execQuietly("ROLLBACK"); }
    std::string autoKey() const override { return sql::autoKey(m_c->dialect()); }
    std::string lockClause() const override { return sql::lockRows(m_c->dialect()); }

private:
    std::unique_ptr<sql::Connection> m_c;
};

// The register's errors as they always read: "SQLite: ...", "PostgreSQL: ... (<statement>)";
// a refused row asks for other input, anything else during a statement for a retry.
NextStep nextStep(const sql::Failure& f) {
    if (f.constraint) {
        return NextStep::FixInput;
    }
    if (f.dialect == sql::Dialect::Sqlite && f.stage == sql::Failure::Stage::Script) {
        return NextStep::CheckConfiguration;
    }
    return NextStep::Retry;
}

} // namespace

std::unique_ptr<SqlBackend> openSqlite(const std::string& path) {
    sql::SqliteSettings settings;
    settings.foreignKeys = true;
    settings.fullMutex = true;
    return std::make_unique<BaseSqlBackend>(
        sql::openSqlite(path, settings, [path](const sql::Failure& f) {
            switch (f.stage) {
            case sql::Failure::Stage::Open:
                throw StoreError("cannot open SQLite " + path + ": " + f.message);
            case sql::Failure::Stage::Prepare:
                throw StoreError("SQLite prepare: " + f.message);
            case sql::Failure::Stage::Bind:
                throw StoreError("SQLite bind: " + f.message);
            default:
                throw StoreError("SQLite: " + f.message, nextStep(f));
            }
        }));
}

std::unique_ptr<SqlBackend> openPostgres(const std::string& conninfo) {
    return std::make_unique<BaseSqlBackend>(sql::openPostgres(conninfo, [](const sql::Failure& f) {
        if (f.stage == sql::Failure::Stage::Open) {
            throw StoreError("cannot connect to PostgreSQL: " + f.message);
        }
        throw StoreError(
            "PostgreSQL: " + f.message + " (" + f.sql.substr(0, 60) + ")", nextStep(f));
    }));
}

} // namespace hc::issuance::detail
