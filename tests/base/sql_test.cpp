// hc::sql on a real SQLite file and, when run under tests/settlement/with_postgres.sh
// (base_sql_pg_test), on a real PostgreSQL server: the same statements, written once.
#include "hc/base/sql/dialect.hpp"
#include "hc/base/sql/query.hpp"
#include "hc/base/sql/transaction.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <stdexcept>
#include <unistd.h>

namespace {

namespace sql = hc::sql;

struct TempDb {
    std::filesystem::path path = std::filesystem::temp_directory_path()
        / ("hc-sql-test-" + std::to_string(::getpid()) + ".db");
    TempDb() { clean(); }
    ~TempDb() { clean(); }
    void clean() {
        for (const char* ext : { "", "-wal", "-shm" }) {
            std::filesystem::remove(path.string() + ext);
        }
    }
};

/** The database under test: PostgreSQL when HC_PG_HOST is set, SQLite otherwise. */
std::unique_ptr<sql::Connection> open(const TempDb& db) {
    if (const char* host = std::getenv("HC_PG_HOST")) {
        const char* port = std::getenv("HC_PG_PORT");
        auto c = sql::openPostgres(std::string("host=") + host + " port=" + (port ? port : "5432")
            + " dbname=postgres user=postgres");
        c->exec("DROP TABLE IF EXISTS t");
        return c;
    }
    return sql::openSqlite(db.path.string());
}

void makeTable(sql::Connection& c) {
    const auto d = c.dialect();
    c.exec(std::string("CREATE TABLE t(id ") + sql::autoKey(d) + ", k TEXT NOT NULL UNIQUE, n "
        + sql::integerType(d) + ", b " + sql::blobType(d) + ", note TEXT)");
}

} // namespace

TEST_CASE("placeholders: ? and ?N become $N on PostgreSQL, quoted text is left alone") {
    CHECK(sql::placeholders("a = ? AND b = ?", sql::Dialect::Postgres) == "a = $1 AND b = $2");
    CHECK(sql::placeholders("a = ?2 OR b = ?1", sql::Dialect::Postgres) == "a = $2 OR b = $1");
    CHECK(sql::placeholders("x = '?' AND y = ?", sql::Dialect::Postgres) == "x = '?' AND y = $1");
    CHECK(sql::placeholders("a = ?", sql::Dialect::Sqlite) == "a = ?");
}

TEST_CASE("typed binds and column reads, NULL, bytes, the new row's key and changes") {
    TempDb db;
    auto c = open(db);
    makeTable(*c);
    const hc::Bytes bytes { 0x00, 0x01, 0xfe, 0xff };
    std::int64_t id = 0;
    {
        sql::Query q(*c,
            "INSERT INTO t(k, n, b, note) VALUES(?, ?, ?, ?)" + sql::returning(c->dialect(), "id"));
        q.bind(1, "a")
            .bind(2, std::int64_t { -9007199254740993 })
            .bindBlob(3, bytes)
            .bindOptText(4, "");
        q.step();
        id = q.insertedId();
    }
    CHECK(id > 0);
    sql::Query sel(*c, "SELECT id, k, n, b, note FROM t WHERE id = ?");
    sel.bind(1, id);
    REQUIRE(sel.step());
    CHECK(sel.text(1) == "a");
    CHECK(sel.i64(2) == -9007199254740993);
    CHECK(sel.blob(3) == bytes);
    CHECK(sel.isNull(4));
    CHECK(sel.text(4).empty());
    CHECK_FALSE(sel.step());
    sql::Query upd(*c, "UPDATE t SET n = n + 1 WHERE k = ?");
    upd.bind(1, "a");
    CHECK_FALSE(upd.step());
    CHECK(upd.changes() == 1);
}

TEST_CASE("a guarded insert reports the refused row and the transaction goes on") {
    TempDb db;
    auto c = open(db);
    makeTable(*c);
    sql::Transaction tx(*c);
    sql::Query(*c, "INSERT INTO t(k) VALUES(?)").bind(1, "dup").step();
    {
        sql::Query q(*c, "INSERT INTO t(k) VALUES(?)", sql::Guard::Constraint);
        q.bind(1, "dup");
        CHECK_FALSE(q.step());
        CHECK_FALSE(q.constraint().empty());
    }
    sql::Query(*c, "INSERT INTO t(k) VALUES(?)").bind(1, "other").step();
    tx.commit();
    sql::Query n(*c, "SELECT COUNT(*) FROM t");
    REQUIRE(n.step());
    CHECK(n.i64(0) == 2);
}

TEST_CASE("an unguarded refused row raises through the connection's Raise") {
    TempDb db;
    auto c = open(db);
    makeTable(*c);
    sql::Query(*c, "INSERT INTO t(k) VALUES(?)").bind(1, "x").step();
    try {
        sql::Query(*c, "INSERT INTO t(k) VALUES(?)").bind(1, "x").step();
        FAIL("no error");
    } catch (const sql::Error& e) {
        CHECK(e.failure().constraint);
        CHECK(e.nextStep() == hc::NextStep::FixInput);
    }
}

TEST_CASE("a transaction not committed is rolled back by its destructor") {
    TempDb db;
    auto c = open(db);
    makeTable(*c);
    {
        sql::Transaction tx(*c);
        sql::Query(*c, "INSERT INTO t(k) VALUES(?)").bind(1, "gone").step();
        CHECK(c->inTransaction());
    }
    CHECK_FALSE(c->inTransaction());
    sql::Query n(*c, "SELECT COUNT(*) FROM t");
    REQUIRE(n.step());
    CHECK(n.i64(0) == 0);
}

TEST_CASE("the module's Raise words the error") {
    TempDb db;
    struct Mine : std::runtime_error {
        using std::runtime_error::runtime_error;
    };
    auto c = std::getenv("HC_PG_HOST")
        ? open(db)
        : sql::openSqlite(
            db.path.string(), {}, [](const sql::Failure& f) { throw Mine("mine: " + f.message); });
    if (std::getenv("HC_PG_HOST")) {
        return; // the wording is the same code path on both
    }
    CHECK_THROWS_AS(c->exec("SELEC nonsense"), Mine);
}

TEST_CASE("a SQLite writer runs WAL with synchronous=FULL") {
    if (std::getenv("HC_PG_HOST")) {
        return;
    }
    TempDb db;
    auto c = sql::openSqlite(db.path.string());
    sql::Query m(*c, "PRAGMA journal_mode");
    REQUIRE(m.step());
    CHECK(m.text(0) == "wal");
    sql::Query s(*c, "PRAGMA synchronous");
    REQUIRE(s.step());
    CHECK(s.i64(0) == 2); // FULL
}
