// A prepared statement in use: bind by position (1-based, typed), step through the rows, read
// columns (0-based, typed). The statement is reset when the Query ends.
//
//   hc::sql::Query q(conn, "SELECT id, name FROM t WHERE k = ?");
//   q.bind(1, key);
//   while (q.step()) { use(q.i64(0), q.text(1)); }
//
// A Guarded query reports a refused row (unique index, constraint) in constraint() instead of
// raising, and leaves the transaction usable on both databases (PostgreSQL: a savepoint around
// the statement). NULL reads as 0 / "" / empty bytes; isNull() tells them apart.
#pragma once

#include "hc/base/bytes.hpp"
#include "hc/base/sql/connection.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace hc::sql {

/** A backend's prepared statement (see Query). */
class Statement {
public:
    virtual ~Statement() = default;
    /** Clears bindings and results for a new use. */
    virtual void reset() noexcept = 0;
    virtual void bindInt(int index, std::int64_t value) = 0;
    virtual void bindText(int index, std::string_view value) = 0;
    virtual void bindBlob(int index, ByteView value) = 0;
    virtual void bindNull(int index) = 0;
    /** Next row; false at the end. `guarded`: a refused row sets `constraint` and returns
     *  false; otherwise every failure is raised. */
    virtual bool step(bool guarded, std::string& constraint) = 0;
    virtual bool isNull(int column) const = 0;
    virtual std::int64_t i64(int column) const = 0;
    virtual std::string text(int column) const = 0;
    virtual Bytes blob(int column) const = 0;
    /** Rows inserted, updated or deleted by the statement. */
    virtual std::int64_t changes() const = 0;
    /** Columns of the current row. */
    virtual int columns() const = 0;
    /** The key of the row an INSERT written with returning() made (see dialect.hpp). */
    virtual std::int64_t insertedId() const = 0;
};

/** Whether a refused row is raised or reported. */
enum class Guard { None, Constraint };

/** One use of a cached prepared statement. Not copyable. */
class Query {
public:
    /** Prepares (or takes from the cache) `sql` on `connection`. */
    Query(Connection& connection, std::string_view sql, Guard guard = Guard::None)
        : m_statement(connection.statement(sql))
        , m_guarded(guard == Guard::Constraint) { }
    ~Query() { m_statement.reset(); }
    Query(const Query&) = delete;
    Query& operator=(const Query&) = delete;

    /** Binds an integer. */
    Query& bind(int index, std::int64_t value) {
        m_statement.bindInt(index, value);
        return *this;
    }
    /** Binds text. */
    Query& bind(int index, std::string_view value) {
        m_statement.bindText(index, value);
        return *this;
    }
    /** Binds text (not the bool overload). */
    Query& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
    /** Binds text. */
    Query& bind(int index, const std::string& value) {
        return bind(index, std::string_view(value));
    }
    /** Binds bytes (BLOB / BYTEA). */
    Query& bindBlob(int index, ByteView value) {
        m_statement.bindBlob(index, value);
        return *this;
    }
    /** Binds NULL. */
    Query& bindNull(int index) {
        m_statement.bindNull(index);
        return *this;
    }
    /** Binds text, or NULL when it is empty. */
    Query& bindOptText(int index, std::string_view value) {
        return value.empty() ? bindNull(index) : bind(index, value);
    }

    /** Next row; false at the end (or, guarded, when a row was refused: see constraint()). */
    bool step() { return m_statement.step(m_guarded, m_constraint); }
    /** The refusing constraint (guarded queries); empty when none refused. */
    const std::string& constraint() const noexcept { return m_constraint; }
    /** Rows changed by the statement. */
    std::int64_t changes() const { return m_statement.changes(); }
    /** The new row's key after step() of an INSERT written with returning(dialect, column). */
    std::int64_t insertedId() const { return m_statement.insertedId(); }

    /** Columns of the current row. */
    int columns() const { return m_statement.columns(); }
    bool isNull(int column) const { return m_statement.isNull(column); }
    std::int64_t i64(int column) const { return m_statement.i64(column); }
    std::string text(int column) const { return m_statement.text(column); }
    Bytes blob(int column) const { return m_statement.blob(column); }

private:
    Statement& m_statement;
    bool m_guarded;
    std::string m_constraint;
};

} // namespace hc::sql
