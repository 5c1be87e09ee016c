// SQLite backend of the register: WAL, synchronous=FULL, BEGIN IMMEDIATE for every transaction.
#include "hc/issuance/error.hpp"
#include "sql_backend.hpp"

#include <sqlite3.h>

namespace hc::issuance::detail {

namespace {

class Statement {
public:
    Statement(sqlite3* db, const std::string& sql)
        : m_db(db) {
        if (::sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &m_st, nullptr)
            != SQLITE_OK) {
            throw StoreError(std::string("SQLite prepare: ") + ::sqlite3_errmsg(db));
        }
    }
    ~Statement() { ::sqlite3_finalize(m_st); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    sqlite3_stmt* get() const { return m_st; }

private:
    sqlite3* m_db;
    sqlite3_stmt* m_st = nullptr;
};

class SqliteBackend final : public SqlBackend {
public:
    explicit SqliteBackend(const std::string& path) {
        if (::sqlite3_open_v2(path.c_str(), &m_db,
                SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr)
            != SQLITE_OK) {
            const std::string msg = m_db ? ::sqlite3_errmsg(m_db) : "out of memory";
            ::sqlite3_close(m_db);
            throw StoreError("cannot open SQLite " + path + ": " + msg);
        }
        ::sqlite3_busy_timeout(m_db, 10000);
        script("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
    }
    ~SqliteBackend() override { ::sqlite3_close(m_db); }

    void script(const std::string& sql) override {
        char* err = nullptr;
        if (::sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
            const std::string msg = err ? err : "unknown";
            ::sqlite3_free(err);
            throw StoreError("SQLite: " + msg);
        }
    }

    std::vector<SqlRow> query(
        const std::string& sql, const std::vector<SqlValue>& params) override {
        Statement st(m_db, sql);
        for (std::size_t i = 0; i < params.size(); ++i) {
            const int idx = static_cast<int>(i + 1);
            const int rc = params[i] ? ::sqlite3_bind_text(st.get(), idx, params[i]->data(),
                               static_cast<int>(params[i]->size()), SQLITE_TRANSIENT)
                                     : ::sqlite3_bind_null(st.get(), idx);
            if (rc != SQLITE_OK) {
                throw StoreError(std::string("SQLite bind: ") + ::sqlite3_errmsg(m_db));
            }
        }
        std::vector<SqlRow> rows;
        for (;;) {
            const int rc = ::sqlite3_step(st.get());
            if (rc == SQLITE_DONE) {
                break;
            }
            if (rc != SQLITE_ROW) {
                const bool constraint = (rc & 0xff) == SQLITE_CONSTRAINT;
                throw StoreError(std::string("SQLite: ") + ::sqlite3_errmsg(m_db),
                    constraint ? NextStep::FixInput : NextStep::Retry);
            }
            const int n = ::sqlite3_column_count(st.get());
            SqlRow row;
            for (int c = 0; c < n; ++c) {
                if (::sqlite3_column_type(st.get(), c) == SQLITE_NULL) {
                    row.emplace_back(std::nullopt);
                } else {
                    const auto* t = ::sqlite3_column_text(st.get(), c);
                    const int len = ::sqlite3_column_bytes(st.get(), c);
                    row.emplace_back(std::string(
                        reinterpret_cast<const char*>(t), static_cast<std::size_t>(len)));
                }
            }
            rows.push_back(std::move(row));
        }
        return rows;
    }

    void begin() override { script("BEGIN IMMEDIATE"); }
    void commit() override { script("COMMIT"); }
    void rollback() noexcept override {
        ::sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    std::string autoKey() const override { return "INTEGER PRIMARY KEY AUTOINCREMENT"; }
    std::string lockClause() const override { return ""; }

private:
    sqlite3* m_db = nullptr;
};

} // namespace

std::unique_ptr<SqlBackend> openSqlite(const std::string& path) {
    return std::make_unique<SqliteBackend>(path);
}

} // namespace hc::issuance::detail
