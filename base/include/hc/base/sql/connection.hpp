// The one SQL layer of the middleware: a connection to SQLite or PostgreSQL (libpq), prepared
// statements with typed binds and column reads (hc/base/sql/query.hpp), RAII transactions
// (hc/base/sql/transaction.hpp), and the dialect differences in one place
// (hc/base/sql/dialect.hpp).
//
// Statements are written once with '?' (or numbered '?N') placeholders; on PostgreSQL they are
// rewritten to $N. A connection caches its prepared statements (SQLite) and rewritten texts
// (PostgreSQL) by statement text.
//
// Errors: every failure is described by a Failure and handed to the connection's Raise function,
// so each module keeps its own error type and texts (the settlement ledger's "sqlite: ...", the
// issuance register's "issuance register: SQLite: ..."). Raise must throw; the default throws
// hc::sql::Error.
//
// Thread-safety: a connection is used by one thread at a time (callers hold a lock or a pool).
#pragma once

#include "hc/base/error.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace hc::sql {

/** The database behind a connection. */
enum class Dialect { Sqlite, Postgres };

/** What went wrong, for a module to word its own error. */
struct Failure {
    /** The step that failed. */
    enum class Stage { Open, Prepare, Bind, Execute, Script };
    Stage stage = Stage::Execute; ///< where (Script: Connection::exec)
    Dialect dialect = Dialect::Sqlite; ///< which database
    std::string message; ///< the driver's text (sqlite3_errmsg, PQresultErrorMessage)
    std::string sql; ///< the statement (empty for Open)
    bool constraint = false; ///< a constraint (unique, not null, check) refused a row
    std::string constraintName; ///< PostgreSQL's constraint name; SQLite's message otherwise
    std::string sqlState; ///< PostgreSQL's SQLSTATE ("23505"); empty on SQLite
    bool retryable = false; ///< busy/locked (SQLite), serialization failure or deadlock (PG)
};

/** Turns a Failure into the module's exception; must throw. */
using Raise = std::function<void(const Failure&)>;

/** The default error of the layer (when a connection is given no Raise). */
class Error : public hc::Error {
public:
    /** From a failure: "<dialect> <stage>: <message>". */
    explicit Error(const Failure& failure);
    /** The failure. */
    const Failure& failure() const noexcept { return m_failure; }

private:
    Failure m_failure;
};

class Statement;

/** A database connection. */
class Connection {
public:
    virtual ~Connection() = default;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /** SQLite or PostgreSQL. */
    virtual Dialect dialect() const noexcept = 0;
    /** Runs statements without parameters or results (schema, pragmas, BEGIN/COMMIT). */
    virtual void exec(const std::string& script) = 0;
    /** Runs `sql` without raising: false and the driver's text in `error` on failure (a
     *  COMMIT whose failure the caller words itself, a ROLLBACK that may fail). */
    virtual bool tryExec(const char* sql, std::string& error) noexcept = 0;
    /** Runs `sql` (ROLLBACK ...) and ignores any failure; never throws. */
    void execQuietly(const char* sql) noexcept {
        std::string ignored;
        (void)tryExec(sql, ignored);
    }
    /** True while a transaction is open (SQLite: not in autocommit mode, e.g. after SQLite
     *  rolled a failed transaction back by itself this is false). */
    virtual bool inTransaction() const noexcept = 0;
    /** The prepared statement for `sql` (cached; see Query for using it). */
    virtual Statement& statement(std::string_view sql) = 0;
    /** False once the server dropped the connection (PostgreSQL); SQLite is always healthy. */
    virtual bool healthy() const noexcept { return true; }

    /** Reports `failure` through the connection's Raise; never returns. */
    [[noreturn]] void raise(const Failure& failure) const;

protected:
    explicit Connection(Raise raise);

private:
    Raise m_raise;
};

/** Settings of a SQLite connection. */
struct SqliteSettings {
    /** Wait this long for a lock held by another connection before SQLITE_BUSY. */
    int busyTimeoutMs = 10000;
    /** A writer: journal_mode=WAL and synchronous=FULL (durable at COMMIT). */
    bool walFullSync = true;
    /** Read-only use (PRAGMA query_only=1): a reader beside a writer on a WAL database. */
    bool queryOnly = false;
    /** PRAGMA foreign_keys=ON. */
    bool foreignKeys = false;
    /** SQLITE_OPEN_FULLMUTEX instead of NOMUTEX (the connection is shared between threads
     *  under the caller's lock either way). */
    bool fullMutex = false;
};

/** Opens (creates) a SQLite database; Raise gets Stage::Open on failure. */
std::unique_ptr<Connection> openSqlite(
    const std::string& path, const SqliteSettings& settings = {}, Raise raise = {});

/** Connects to PostgreSQL (libpq conninfo or URI), client_min_messages = warning. */
std::unique_ptr<Connection> openPostgres(const std::string& conninfo, Raise raise = {});

} // namespace hc::sql
