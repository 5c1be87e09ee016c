// SQLite backend of hc::sql: statements prepared once per connection and cached by text.
#include "hc/base/sql/query.hpp"
#include "text_hash.hpp"

#include <sqlite3.h>
#include <unordered_map>

namespace hc::sql {

namespace {

using detail::TextHash;

class SqliteConnection;

class SqliteStatement final : public Statement {
public:
    SqliteStatement(const Connection& owner, sqlite3* db, sqlite3_stmt* st, std::string sql)
        : m_owner(owner)
        , m_db(db)
        , m_st(st)
        , m_sql(std::move(sql)) { }
    ~SqliteStatement() override { ::sqlite3_finalize(m_st); }
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;

    void reset() noexcept override {
        ::sqlite3_reset(m_st);
        ::sqlite3_clear_bindings(m_st);
    }
    void bindInt(int index, std::int64_t value) override {
        check(::sqlite3_bind_int64(m_st, index, value));
    }
    void bindText(int index, std::string_view value) override {
        check(::sqlite3_bind_text(
            m_st, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT));
    }
    void bindBlob(int index, ByteView value) override {
        check(::sqlite3_bind_blob(
            m_st, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT));
    }
    void bindNull(int index) override { check(::sqlite3_bind_null(m_st, index)); }

    bool step(bool guarded, std::string& constraint) override {
        const int rc = ::sqlite3_step(m_st);
        if (rc == SQLITE_ROW) {
            return true;
        }
        if (rc == SQLITE_DONE) {
            return false;
        }
        Failure f;
        f.dialect = Dialect::Sqlite;
        f.message = ::sqlite3_errmsg(m_db);
        f.sql = m_sql;
        f.constraint = (rc & 0xff) == SQLITE_CONSTRAINT;
        f.constraintName = f.constraint ? f.message : std::string();
        f.retryable = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
        if (guarded && f.constraint) {
            constraint = f.message;
            return false;
        }
        m_owner.raise(f);
    }
    bool isNull(int column) const override {
        return ::sqlite3_column_type(m_st, column) == SQLITE_NULL;
    }
    std::int64_t i64(int column) const override { return ::sqlite3_column_int64(m_st, column); }
    std::string text(int column) const override {
        const auto* p = ::sqlite3_column_text(m_st, column);
        return p ? std::string(reinterpret_cast<const char*>(p),
                   static_cast<std::size_t>(::sqlite3_column_bytes(m_st, column)))
                 : std::string();
    }
    Bytes blob(int column) const override {
        const auto* p = static_cast<const std::uint8_t*>(::sqlite3_column_blob(m_st, column));
        return p ? Bytes(p, p + ::sqlite3_column_bytes(m_st, column)) : Bytes();
    }
    std::int64_t changes() const override { return ::sqlite3_changes(m_db); }
    int columns() const override { return ::sqlite3_column_count(m_st); }
    std::int64_t insertedId() const override { return ::sqlite3_last_insert_rowid(m_db); }

private:
    void check(int rc) const {
        if (rc != SQLITE_OK) {
            Failure f;
            f.stage = Failure::Stage::Bind;
            f.dialect = Dialect::Sqlite;
            f.message = ::sqlite3_errmsg(m_db);
            f.sql = m_sql;
            m_owner.raise(f);
        }
    }

    const Connection& m_owner;
    sqlite3* m_db;
    sqlite3_stmt* m_st;
    std::string m_sql;
};

class SqliteConnection final : public Connection {
public:
    SqliteConnection(const std::string& path, const SqliteSettings& s, Raise raise)
        : Connection(std::move(raise)) {
        const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
            | (s.fullMutex ? SQLITE_OPEN_FULLMUTEX : SQLITE_OPEN_NOMUTEX);
        if (::sqlite3_open_v2(path.c_str(), &m_db, flags, nullptr) != SQLITE_OK) {
            Failure f;
            f.stage = Failure::Stage::Open;
            f.message = m_db ? ::sqlite3_errmsg(m_db) : "out of memory";
            ::sqlite3_close(m_db);
            m_db = nullptr;
            this->raise(f);
        }
        try {
            ::sqlite3_busy_timeout(m_db, s.busyTimeoutMs);
            if (s.queryOnly) {
                exec("PRAGMA query_only=1");
            } else if (s.walFullSync) {
                exec("PRAGMA journal_mode=WAL");
                exec("PRAGMA synchronous=FULL");
            }
            if (s.foreignKeys) {
                exec("PRAGMA foreign_keys=ON");
            }
        } catch (...) {
            ::sqlite3_close(m_db);
            m_db = nullptr;
            throw;
        }
    }
    ~SqliteConnection() override {
        m_cache.clear(); // finalize every statement before closing
        ::sqlite3_close(m_db);
    }

    Dialect dialect() const noexcept override { return Dialect::Sqlite; }

    void exec(const std::string& script) override {
        std::string error;
        if (!tryExec(script.c_str(), error)) {
            Failure f;
            f.stage = Failure::Stage::Script;
            f.message = error;
            f.sql = script;
            const int rc = ::sqlite3_extended_errcode(m_db) & 0xff;
            f.constraint = rc == SQLITE_CONSTRAINT;
            f.retryable = rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
            raise(f);
        }
    }

    bool tryExec(const char* sql, std::string& error) noexcept override {
        char* err = nullptr;
        const int rc = ::sqlite3_exec(m_db, sql, nullptr, nullptr, &err);
        if (rc != SQLITE_OK) {
            error = err ? err : "?";
        }
        ::sqlite3_free(err);
        return rc == SQLITE_OK;
    }

    bool inTransaction() const noexcept override { return ::sqlite3_get_autocommit(m_db) == 0; }

    Statement& statement(std::string_view sql) override {
        const auto it = m_cache.find(sql);
        if (it != m_cache.end()) {
            return *it->second;
        }
        sqlite3_stmt* st = nullptr;
        if (::sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &st, nullptr)
            != SQLITE_OK) {
            Failure f;
            f.stage = Failure::Stage::Prepare;
            f.message = ::sqlite3_errmsg(m_db);
            f.sql = std::string(sql);
            raise(f);
        }
        auto owned = std::make_unique<SqliteStatement>(*this, m_db, st, std::string(sql));
        auto& ref = *owned;
        m_cache.emplace(std::string(sql), std::move(owned));
        return ref;
    }

private:
    sqlite3* m_db = nullptr;
    std::unordered_map<std::string, std::unique_ptr<SqliteStatement>, TextHash, std::equal_to<>>
        m_cache;
};

} // namespace

std::unique_ptr<Connection> openSqlite(
    const std::string& path, const SqliteSettings& settings, Raise raise) {
    return std::make_unique<SqliteConnection>(path, settings, std::move(raise));
}

} // namespace hc::sql
