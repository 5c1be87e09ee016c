// The differences between SQLite and PostgreSQL that the middleware's SQL meets, in one place.
// Everything else is written once: '?' placeholders, INSERT ... ON CONFLICT (...) DO NOTHING /
// DO UPDATE SET c = excluded.c (SQLite 3.24+), RETURNING (SQLite 3.35+), COALESCE, CAST(? AS
// TEXT) where PostgreSQL must know a parameter's type.
//
// A new row's key: write the INSERT with returning(dialect, "id") and read Query::insertedId():
// PostgreSQL appends RETURNING and reads it; SQLite appends nothing and reads
// sqlite3_last_insert_rowid (RETURNING works on SQLite 3.35+ but cost ~130 us a statement
// against ~10 us without it here, which took the ledger's batch rate from 8,000 to 3,000/s).
//
//   placeholders   ?, ?N                  ->  $N (PostgreSQL; quoted text is left alone)
//   autoKey        INTEGER PRIMARY KEY AUTOINCREMENT  /  BIGSERIAL PRIMARY KEY
//   integer        INTEGER                /  BIGINT
//   blob           BLOB                   /  BYTEA
//   beginWrite     BEGIN IMMEDIATE (the writer takes the lock at BEGIN, so a busy database
//                  waits busy_timeout at BEGIN instead of failing at the first write)
//                                         /  BEGIN ISOLATION LEVEL READ COMMITTED
//   lockRows       ""                     /  " FOR UPDATE[ OF t] SKIP LOCKED" (SQLite has one
//                                            writer: its rows need no lock)
//   lockRow        ""                     /  " FOR UPDATE"
//   indexedBy      " INDEXED BY i"        /  "" (a planner hint only SQLite takes)
//   retryable      SQLITE_BUSY/LOCKED     /  SQLSTATE 40001 (serialization), 40P01 (deadlock)
#pragma once

#include "hc/base/sql/connection.hpp"

#include <string>
#include <string_view>

namespace hc::sql {

/** `sql` with '?' / '?N' placeholders as the dialect writes them ($N on PostgreSQL). */
std::string placeholders(std::string_view sql, Dialect dialect);
/** " RETURNING <column>" on PostgreSQL, "" on SQLite (see Query::insertedId). */
std::string returning(Dialect dialect, std::string_view column);
/** The auto-increment primary key column type. */
const char* autoKey(Dialect dialect) noexcept;
/** The 64-bit integer column type. */
const char* integerType(Dialect dialect) noexcept;
/** The byte string column type. */
const char* blobType(Dialect dialect) noexcept;
/** The statement that starts a write transaction. */
const char* beginWrite(Dialect dialect) noexcept;
/** Row locks for a claim query that several writers run at once (`of`: the table alias to
 *  lock, or empty). */
std::string lockRows(Dialect dialect, std::string_view of = {});
/** Row lock for a read-modify-write of one row. */
const char* lockRow(Dialect dialect) noexcept;
/** A planner hint to use `index` (SQLite only). */
std::string indexedBy(Dialect dialect, std::string_view index);

} // namespace hc::sql
