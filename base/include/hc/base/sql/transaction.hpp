// RAII transaction: begun in the constructor, rolled back in the destructor unless commit()
// returned. A write transaction on SQLite begins IMMEDIATE (see dialect.hpp).
#pragma once

#include "hc/base/sql/connection.hpp"
#include "hc/base/sql/dialect.hpp"

namespace hc::sql {

/** Read or write. */
enum class Access { Read, Write };

/** One transaction on a connection. Not copyable. */
class Transaction {
public:
    /** Begins a transaction (Write: BEGIN IMMEDIATE on SQLite). */
    explicit Transaction(Connection& connection, Access access = Access::Write)
        : m_connection(connection) {
        m_connection.exec(access == Access::Write ? beginWrite(connection.dialect()) : "BEGIN");
    }
    ~Transaction() {
        if (!m_done) {
            m_connection.execQuietly("ROLLBACK");
        }
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    /** Commits (durable on return with synchronous=FULL / fsync on); raises on failure, and the
     *  destructor then rolls back what is left. */
    void commit() {
        m_connection.exec("COMMIT");
        m_done = true;
    }

private:
    Connection& m_connection;
    bool m_done = false;
};

} // namespace hc::sql
