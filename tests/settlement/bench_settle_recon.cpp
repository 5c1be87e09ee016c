// Reconciliation benchmark: match N details of a day (our SQLite ledger against the center's
// detail list) with DetailMatcher, beside the same match done by SQL inside SQLite.
//   bench_settle_recon [--full]     default N = 100,000; --full: N = 1,000,000
// Each side runs in a fresh child process (fork + exec of this binary), so the peak RSS printed
// is that of the match alone (ru_maxrss of the child), not of the setup.
// Differences seeded per 1,000 rows: 1 local-only, 1 amount mismatch, 1 status mismatch, and
// N/1000 center-only rows, so both methods must report the same counts.
#include "hc/settle/detail_match.hpp"
#include "hc/settle/ledger.hpp"
#include "temp_dir.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace hc::settle;
using Clock = std::chrono::steady_clock;

namespace {

const char* kDate = "2026-11-23";

std::string msgidOf(int i) {
    char b[48];
    std::snprintf(b, sizeof b, "H5118000000120261123%010d", i); // 30 characters
    return b;
}

void setup(const std::string& dir, int n) {
    const auto t0 = Clock::now();
    auto store = openSqliteLedger(dir + "/ledger.db");
    std::ofstream center(dir + "/center.txt");
    for (int i = 0; i < n; i += 50000) {
        auto tx = store->begin();
        for (int k = i; k < std::min(n, i + 50000); ++k) {
            SettlementRecord r;
            r.requestId = "r" + std::to_string(k);
            r.terminal = "T";
            r.visitId = "V" + std::to_string(k);
            r.chrgBchno = "B1";
            r.msgid = msgidOf(k);
            r.setlId = "S" + std::to_string(k);
            r.psnNo = "P";
            r.insutype = "390";
            r.status = SettlementStatus::Settled;
            r.medfee = 100000 + k % 977;
            r.fund = 72000 + k % 311;
            r.cash = r.medfee - r.fund;
            r.setlDate = kDate;
            tx->insertSettlement(r);
            const int kind = k % 1000;
            if (kind == 1) {
                continue; // local only
            }
            center << r.msgid << '\t' << r.setlId << '\t' << formatYuan(r.medfee) << '\t'
                   << formatYuan(r.fund + (kind == 2 ? 1 : 0)) << '\t' << formatYuan(r.acct) << '\t'
                   << (kind == 3 ? "CANCELLED" : "OK") << '\n';
        }
        tx->commit();
    }
    for (int k = 0; k < n / 1000; ++k) { // center only
        center << msgidOf(n + k) << "\tS" << n + k << "\t10.00\t5.00\t0.00\tOK\n";
    }
    std::cout << "setup: " << n << " ledger rows and " << n - n / 1000 + n / 1000
              << " center rows in " << std::chrono::duration<double>(Clock::now() - t0).count()
              << " s\n";
}

void printCounts(const char* who, double secs, const std::map<std::string, std::int64_t>& c) {
    std::printf("%s: %.2f s;", who, secs);
    for (const auto& [k, v] : c) {
        std::printf(" %s %lld", k.c_str(), static_cast<long long>(v));
    }
    std::printf("\n");
    std::fflush(stdout);
}

int childCpp(const std::string& dir) {
    const auto t0 = Clock::now();
    DetailMatcher m;
    {
        auto store = openSqliteLedger(dir + "/ledger.db");
        auto tx = store->begin();
        m.readLocalDay(*tx, kDate);
        tx->commit();
    }
    std::ifstream in(dir + "/center.txt");
    m.readCenterList(in);
    std::vector<std::string> diffs; // what a report would keep: the non-balanced msgids
    const auto s = m.match([&](ReconClass, const DetailRow* l, const DetailRow* c) {
        diffs.emplace_back(l ? l->msgidView() : c->msgidView());
    });
    std::map<std::string, std::int64_t> counts;
    for (const auto& [k, v] : s.counts) {
        counts[reconClassName(k)] = v;
    }
    printCounts("DetailMatcher (stream ledger rows + parse center list + sort-merge)",
        std::chrono::duration<double>(Clock::now() - t0).count(), counts);
    return 0;
}

void check(int rc, sqlite3* db) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        std::cerr << "sqlite: " << sqlite3_errmsg(db) << "\n";
        std::exit(1);
    }
}

int childSql(const std::string& dir) {
    const auto t0 = Clock::now();
    sqlite3* db = nullptr;
    check(sqlite3_open((dir + "/ledger.db").c_str(), &db), db);
    check(sqlite3_exec(db,
              "CREATE TEMP TABLE center(msgid TEXT PRIMARY KEY, setl_id TEXT, medfee INTEGER, "
              "fund INTEGER, acct INTEGER, status TEXT) WITHOUT ROWID; BEGIN",
              nullptr, nullptr, nullptr),
        db);
    sqlite3_stmt* ins = nullptr;
    check(sqlite3_prepare_v2(db, "INSERT INTO center VALUES(?,?,?,?,?,?)", -1, &ins, nullptr), db);
    std::ifstream in(dir + "/center.txt");
    std::string line;
    std::size_t lineNo = 0;
    while (std::getline(in, line)) {
        const auto r = parseCenterDetailLine(line, ++lineNo); // same parser as the C++ side
        sqlite3_bind_text(ins, 1, r.msgid.data(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 2, r.setlId.data(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 3, r.medfee);
        sqlite3_bind_int64(ins, 4, r.fund);
        sqlite3_bind_int64(ins, 5, r.acct);
        sqlite3_bind_text(ins, 6,
            r.status == DetailStatus::Settled         ? "OK"
                : r.status == DetailStatus::Cancelled ? "CANCELLED"
                                                      : "REVERSED",
            -1, SQLITE_STATIC);
        check(sqlite3_step(ins), db);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db);
    const auto loaded = std::chrono::duration<double>(Clock::now() - t0).count();
    sqlite3_stmt* q = nullptr;
    check(sqlite3_prepare_v2(db,
              "SELECT cls, COUNT(*) FROM ("
              " SELECT CASE WHEN c.msgid IS NULL THEN"
              "   (CASE WHEN s.status = 'SETTLED' THEN 'local_only' ELSE 'balanced' END)"
              "  WHEN (CASE s.status WHEN 'SETTLED' THEN 'OK' ELSE s.status END) <> c.status"
              "   THEN 'status_mismatch'"
              "  WHEN s.medfee <> c.medfee OR s.fund <> c.fund OR s.acct <> c.acct"
              "   THEN 'amount_mismatch' ELSE 'balanced' END AS cls"
              " FROM settlements s LEFT JOIN center c ON c.msgid = s.msgid"
              " WHERE s.setl_date = ?1 AND s.status IN ('SETTLED','CANCELLED','REVERSED')"
              " UNION ALL"
              " SELECT CASE WHEN c.status = 'OK' THEN 'center_only' ELSE 'balanced' END"
              " FROM center c WHERE NOT EXISTS (SELECT 1 FROM settlements s WHERE s.msgid ="
              "  c.msgid AND s.setl_date = ?1 AND s.status IN ('SETTLED','CANCELLED','REVERSED'))"
              ") GROUP BY cls",
              -1, &q, nullptr),
        db);
    sqlite3_bind_text(q, 1, kDate, -1, SQLITE_STATIC);
    std::map<std::string, std::int64_t> counts;
    while (sqlite3_step(q) == SQLITE_ROW) {
        counts[reinterpret_cast<const char*>(sqlite3_column_text(q, 0))]
            = sqlite3_column_int64(q, 1);
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    const auto secs = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("  (SQL: loading the center list into a temp table took %.2f s of it)\n", loaded);
    printCounts(
        "SQL in SQLite (load center list into a temp table + LEFT JOIN/NOT EXISTS)", secs, counts);
    return 0;
}

void runChild(const char* self, const char* mode, const std::string& dir) {
    std::cout.flush();
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::execl(self, self, "--child", mode, dir.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    int status = 0;
    rusage ru {};
    ::wait4(pid, &status, 0, &ru);
    std::printf("  peak RSS %.0f MB, exit %d\n", static_cast<double>(ru.ru_maxrss) / 1024.0,
        WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 4 && std::strcmp(argv[1], "--child") == 0) {
        try {
            return std::strcmp(argv[2], "cpp") == 0 ? childCpp(argv[3]) : childSql(argv[3]);
        } catch (const std::exception& e) {
            std::cerr << "child: " << e.what() << "\n";
            return 1;
        }
    }
    const bool full = argc > 1 && std::strcmp(argv[1], "--full") == 0;
    const int n = full ? 1'000'000 : 100'000;
    std::cout << "reconciliation of " << n << " details (" << ::sysconf(_SC_NPROCESSORS_ONLN)
              << " cores)\n";
    hc::settle::test::TempDir dir;
    setup(dir.path().string(), n);
    const std::string self = "/proc/self/exe";
    char exe[4096] = {};
    const auto len = ::readlink(self.c_str(), exe, sizeof exe - 1);
    if (len <= 0) {
        return 1;
    }
    runChild(exe, "cpp", dir.path().string());
    runChild(exe, "sql", dir.path().string());
    return 0;
}
