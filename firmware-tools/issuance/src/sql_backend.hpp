// Internal: the few SQL primitives the register needs, implemented on SQLite and on libpq, so
// the register's logic (register_sql.cpp) is written once. Statements use '?' placeholders and
// text parameters. Threading: one thread at a time per backend (the register holds a mutex).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hc::issuance::detail {

/** A column value or parameter: text, or NULL. */
using SqlValue = std::optional<std::string>;
/** One result row. */
using SqlRow = std::vector<SqlValue>;

/** A database connection. */
class SqlBackend {
public:
    virtual ~SqlBackend() = default;
    /** Runs statements without parameters or results (schema). */
    virtual void script(const std::string& sql) = 0;
    /** Runs one statement; returns its rows (RETURNING included). Throws StoreError. */
    virtual std::vector<SqlRow> query(
        const std::string& sql, const std::vector<SqlValue>& params = {})
        = 0;
    /** Starts a write transaction. */
    virtual void begin() = 0;
    /** Commits. Throws StoreError. */
    virtual void commit() = 0;
    /** Rolls back, never throws. */
    virtual void rollback() noexcept = 0;
    /** The schema's auto-increment key column type ("INTEGER PRIMARY KEY AUTOINCREMENT"). */
    virtual std::string autoKey() const = 0;
    /** Row-lock clause for the claim query (" FOR UPDATE SKIP LOCKED" or ""). */
    virtual std::string lockClause() const = 0;
};

/** RAII transaction: commit() or rolled back in the destructor. */
class Transaction {
public:
    /** Begins. */
    explicit Transaction(SqlBackend& db)
        : m_db(db) {
        m_db.begin();
    }
    ~Transaction() {
        if (!m_done) {
            m_db.rollback();
        }
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    /** Commits. */
    void commit() {
        m_db.commit();
        m_done = true;
    }

private:
    SqlBackend& m_db;
    bool m_done = false;
};

/** SQLite at `path` (WAL, synchronous=FULL, busy timeout 10 s). */
std::unique_ptr<SqlBackend> openSqlite(const std::string& path);
/** PostgreSQL at a libpq connection string or URI. */
std::unique_ptr<SqlBackend> openPostgres(const std::string& conninfo);

} // namespace hc::issuance::detail
