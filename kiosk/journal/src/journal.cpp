#include "hc/kiosk/journal.hpp"

#include "hc/base/sql/query.hpp"
#include "hc/base/sql/transaction.hpp"
#include "hc/kiosk/journal_error.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hc::kiosk {

namespace {

std::string utcNow(bool compact) {
    const auto now = std::chrono::system_clock::now();
    const auto t = std::chrono::system_clock::to_time_t(now);
    const auto ms
        = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count()
        % 1000;
    std::tm tm {};
    ::gmtime_r(&t, &tm);
    char buf[40];
    if (compact) {
        std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
        return buf;
    }
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char out[48];
    std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms));
    return out;
}

/** A statement of the journal's connection (hc::sql::Query, reset on scope exit). */
class Stmt : public sql::Query {
public:
    Stmt(const std::unique_ptr<sql::Connection>& db, std::string_view sql)
        : Query(*db, sql) { }
    std::int64_t integer(int col) const { return i64(col); }
};

constexpr const char* kStepColumns
    = "id, session, seq, type, status, request_id, amount_fen, detail, result, reason, "
      "compensates, resolved_by_query, started_at, ended_at";

StepRecord readStep(const Stmt& s) {
    StepRecord r;
    r.id = s.integer(0);
    r.session = s.text(1);
    r.seq = static_cast<int>(s.integer(2));
    const auto type = stepTypeFromName(s.text(3));
    const auto status = statusFromName(s.text(4));
    if (!type || !status) {
        throw JournalError("journal: step " + std::to_string(r.id) + " has an unknown type \""
            + s.text(3) + "\" or status \"" + s.text(4) + "\"");
    }
    r.type = *type;
    r.status = *status;
    if (r.type == StepType::HisCancelPreSettle && s.text(7).rfind("his refund", 0) == 0) {
        // Journals written before the his_refund type journaled the cashier's HIS refund as
        // his_cancel_pre_settle with a "his refund invoice=..." detail: read it as what it is.
        r.type = StepType::HisRefund;
    }
    r.requestId = s.text(5);
    r.amountFen = s.integer(6);
    r.detail = s.text(7);
    r.result = s.text(8);
    r.reason = s.text(9);
    r.compensates = s.integer(10);
    r.resolvedByQuery = s.integer(11) != 0;
    r.startedAt = s.text(12);
    r.endedAt = s.text(13);
    return r;
}

} // namespace

Journal::Journal(const std::filesystem::path& path) {
    // Created 0600 before SQLite opens it: the journal holds money, card keys and the audit
    // trail. SQLite gives the -wal and -shm files the database file's mode.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
        struct stat st { };
        if (::fstat(fd, &st) == 0 && (st.st_mode & 077) != 0) {
            ::fchmod(fd, 0600);
            for (const char* ext : { "-wal", "-shm" }) {
                ::chmod((path.string() + ext).c_str(), 0600);
            }
        }
        ::close(fd);
    }
    sql::SqliteSettings settings;
    settings.busyTimeoutMs = 5000;
    settings.fullMutex = true; // WAL, synchronous=FULL: a step is durable when it returns
    m_db = sql::openSqlite(path.string(), settings, [path](const sql::Failure& f) {
        switch (f.stage) {
        case sql::Failure::Stage::Open:
            throw JournalError("journal: cannot open " + path.string() + ": " + f.message);
        case sql::Failure::Stage::Prepare:
            throw JournalError("journal: cannot prepare \"" + f.sql + "\": " + f.message);
        case sql::Failure::Stage::Script:
            throw JournalError("journal: \"" + f.sql + "\" failed: " + f.message);
        default:
            throw JournalError("journal: " + f.message);
        }
    });
    {
        exec("CREATE TABLE IF NOT EXISTS sessions ("
             " id TEXT PRIMARY KEY, terminal TEXT NOT NULL, business TEXT NOT NULL,"
             " started_at TEXT NOT NULL, ended_at TEXT, end_reason TEXT,"
             " recovered INTEGER NOT NULL DEFAULT 0)");
        exec("CREATE TABLE IF NOT EXISTS steps ("
             " id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " session TEXT NOT NULL REFERENCES sessions(id), seq INTEGER NOT NULL,"
             " type TEXT NOT NULL, status TEXT NOT NULL, request_id TEXT NOT NULL,"
             " amount_fen INTEGER NOT NULL, detail TEXT NOT NULL, result TEXT NOT NULL DEFAULT '',"
             " reason TEXT NOT NULL DEFAULT '', compensates INTEGER NOT NULL DEFAULT 0,"
             " resolved_by_query INTEGER NOT NULL DEFAULT 0,"
             " started_at TEXT NOT NULL, ended_at TEXT NOT NULL DEFAULT '',"
             " UNIQUE(session, seq))");
        exec("CREATE INDEX IF NOT EXISTS steps_by_request ON steps(request_id)");
        exec("CREATE TABLE IF NOT EXISTS audit ("
             " id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, event TEXT NOT NULL,"
             " subject TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '')");
    }
}

Journal::~Journal() = default;

void Journal::exec(const char* sql) {
    m_db->exec(sql);
}

std::string Journal::openSession(const std::string& terminal, const std::string& business) {
    std::lock_guard lock(m_mutex);
    for (int attempt = 0; attempt < 1000; ++attempt) {
        char counter[8];
        std::snprintf(counter, sizeof counter, "%03u", ++m_counter % 1000U);
        const auto id = terminal + "-" + business + "-" + utcNow(true) + counter;
        Stmt s(m_db,
            "INSERT OR IGNORE INTO sessions (id, terminal, business, started_at) VALUES (?,?,?,?)");
        s.bind(1, id).bind(2, terminal).bind(3, business).bind(4, utcNow(false));
        s.step();
        if (s.changes() == 1) {
            return id;
        }
    }
    throw JournalError("journal: no free session serial for " + terminal);
}

void Journal::endSession(const std::string& session, SessionEnd reason) {
    std::lock_guard lock(m_mutex);
    Stmt s(
        m_db, "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL");
    s.bind(1, utcNow(false)).bind(2, sessionEndName(reason)).bind(3, session);
    s.step();
}

int Journal::endOpenSessionsAfterCrash() {
    std::lock_guard lock(m_mutex);
    Stmt s(m_db, "UPDATE sessions SET ended_at = ?, end_reason = 'crash' WHERE ended_at IS NULL");
    s.bind(1, utcNow(false));
    s.step();
    return static_cast<int>(s.changes());
}

std::vector<std::string> Journal::sessionsToRecover() {
    std::lock_guard lock(m_mutex);
    Stmt s(m_db,
        "SELECT id FROM sessions WHERE ended_at IS NOT NULL AND recovered = 0 ORDER BY started_at");
    std::vector<std::string> out;
    while (s.step()) {
        out.push_back(s.text(0));
    }
    return out;
}

void Journal::markRecovered(const std::string& session) {
    std::lock_guard lock(m_mutex);
    Stmt s(m_db, "UPDATE sessions SET recovered = 1 WHERE id = ?");
    s.bind(1, session);
    s.step();
}

std::optional<SessionRecord> Journal::session(const std::string& session) {
    std::lock_guard lock(m_mutex);
    Stmt s(m_db,
        "SELECT id, terminal, business, ended_at IS NULL, COALESCE(end_reason, ''), recovered,"
        " started_at FROM sessions WHERE id = ?");
    s.bind(1, session);
    if (!s.step()) {
        return std::nullopt;
    }
    SessionRecord r;
    r.id = s.text(0);
    r.terminal = s.text(1);
    r.business = s.text(2);
    r.open = s.integer(3) != 0;
    r.endReason = s.text(4);
    r.recovered = s.integer(5) != 0;
    r.startedAt = s.text(6);
    return r;
}

std::int64_t Journal::beginStep(const std::string& session, const StepRequest& request) {
    std::lock_guard lock(m_mutex);
    {
        Stmt known(m_db, "SELECT 1 FROM sessions WHERE id = ?");
        known.bind(1, session);
        if (!known.step()) {
            throw JournalError("journal: no session " + session + " to add a step to");
        }
    }
    Stmt s(m_db,
        "INSERT INTO steps (session, seq, type, status, request_id, amount_fen, detail,"
        " compensates, started_at)"
        " SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2, 'PENDING', ?3, ?4, ?5, ?6, ?7"
        " FROM steps WHERE session = ?1");
    s.bind(1, session)
        .bind(2, stepTypeName(request.type))
        .bind(3, request.requestId)
        .bind(4, request.amountFen)
        .bind(5, request.detail)
        .bind(6, request.compensates)
        .bind(7, utcNow(false));
    s.step();
    return s.insertedId();
}

void Journal::finishStep(std::int64_t stepId, StepStatus outcome, const std::string& text) {
    if (outcome == StepStatus::Pending) {
        throw JournalError("journal: a step cannot finish as PENDING");
    }
    std::lock_guard lock(m_mutex);
    Stmt s(m_db,
        outcome == StepStatus::Ok ? "UPDATE steps SET status = ?, result = ?, ended_at = ? WHERE "
                                    "id = ? AND status = 'PENDING'"
                                  : "UPDATE steps SET status = ?, reason = ?, ended_at = ? WHERE "
                                    "id = ? AND status = 'PENDING'");
    s.bind(1, statusName(outcome)).bind(2, text).bind(3, utcNow(false)).bind(4, stepId);
    s.step();
    if (s.changes() != 1) {
        throw JournalError("journal: step " + std::to_string(stepId) + " is not PENDING");
    }
}

void Journal::resolveStep(std::int64_t stepId, StepStatus outcome, const std::string& note) {
    if (outcome != StepStatus::Ok && outcome != StepStatus::Failed) {
        throw JournalError("journal: a query resolves a step to OK or FAILED only");
    }
    std::lock_guard lock(m_mutex);
    Stmt s(m_db,
        "UPDATE steps SET status = ?, reason = reason || CASE WHEN reason = '' THEN '' ELSE '; ' "
        "END"
        " || ?, resolved_by_query = 1, ended_at = ?"
        " WHERE id = ? AND status IN ('PENDING', 'UNKNOWN')");
    s.bind(1, statusName(outcome)).bind(2, "query: " + note).bind(3, utcNow(false)).bind(4, stepId);
    s.step();
    if (s.changes() != 1) {
        throw JournalError(
            "journal: step " + std::to_string(stepId) + " is not PENDING or UNKNOWN");
    }
}

std::vector<StepRecord> Journal::steps(const std::string& session) {
    std::lock_guard lock(m_mutex);
    Stmt s(
        m_db, std::string("SELECT ") + kStepColumns + " FROM steps WHERE session = ? ORDER BY seq");
    s.bind(1, session);
    std::vector<StepRecord> out;
    while (s.step()) {
        out.push_back(readStep(s));
    }
    return out;
}

std::optional<StepRecord> Journal::step(std::int64_t stepId) {
    std::lock_guard lock(m_mutex);
    Stmt s(m_db, std::string("SELECT ") + kStepColumns + " FROM steps WHERE id = ?");
    s.bind(1, stepId);
    if (!s.step()) {
        return std::nullopt;
    }
    return readStep(s);
}

void Journal::audit(
    const std::string& event, const std::string& subject, const std::string& detail) {
    std::lock_guard lock(m_mutex);
    Stmt s(m_db, "INSERT INTO audit (at, event, subject, detail) VALUES (?,?,?,?)");
    s.bind(1, utcNow(false)).bind(2, event).bind(3, subject.substr(0, 64)).bind(4, detail);
    s.step();
}

std::vector<AuditRecord> Journal::auditTrail(const std::string& subject) {
    std::lock_guard lock(m_mutex);
    Stmt s(m_db,
        subject.empty()
            ? "SELECT id, at, event, subject, detail FROM audit ORDER BY id"
            : "SELECT id, at, event, subject, detail FROM audit WHERE subject = ? ORDER BY id");
    if (!subject.empty()) {
        s.bind(1, subject);
    }
    std::vector<AuditRecord> out;
    while (s.step()) {
        out.push_back({ s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4) });
    }
    return out;
}

int Journal::rewriteDetails(const std::string& marker,
    const std::function<std::optional<std::string>(const std::string&)>& rewrite) {
    std::lock_guard lock(m_mutex);
    std::vector<std::pair<std::int64_t, std::string>> changes;
    {
        Stmt s(m_db, "SELECT id, detail FROM steps WHERE instr(detail, ?) > 0");
        s.bind(1, marker);
        while (s.step()) {
            if (auto n = rewrite(s.text(1))) {
                changes.emplace_back(s.integer(0), std::move(*n));
            }
        }
    }
    if (changes.empty()) {
        return 0;
    }
    sql::Transaction tx(*m_db); // BEGIN IMMEDIATE; rolled back unless committed
    for (const auto& [id, detail] : changes) {
        Stmt u(m_db, "UPDATE steps SET detail = ? WHERE id = ?");
        u.bind(1, detail).bind(2, id);
        u.step();
    }
    tx.commit();
    return static_cast<int>(changes.size());
}

} // namespace hc::kiosk
