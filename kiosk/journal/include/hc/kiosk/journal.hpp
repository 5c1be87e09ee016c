// Journal: the kiosk's session journal on SQLite (WAL, synchronous=FULL so every write is on disk
// before the call returns). One session per card; every external step is written before it
// starts (PENDING) and after it ends (OK / FAILED / UNKNOWN). Recovery reads it back after a
// session ends and at boot (RecoveryPlanner).
//
// Threading: a Journal may be shared by threads (calls are serialised by a mutex). Several
// processes may open the same file (SQLite locking); kioskd uses one.
#pragma once

#include "hc/kiosk/step_type.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace hc::sql {
class Connection;
}

namespace hc::kiosk {

/** What is known about a step before it starts. */
struct StepRequest {
    /** An empty request (type HisConfirm). */
    StepRequest() = default;
    /** A request with its fields in order (lets call sites write {type, id, amount}). */
    StepRequest(StepType aType, std::string aRequestId, std::int64_t aAmountFen = 0,
        std::string aDetail = {}, std::int64_t aCompensates = 0)
        : type(aType)
        , requestId(std::move(aRequestId))
        , amountFen(aAmountFen)
        , detail(std::move(aDetail))
        , compensates(aCompensates) { }

    /** The step. */
    StepType type = StepType::HisConfirm;
    /** Idempotency key sent with the call (also what a later query uses). */
    std::string requestId;
    /** Money the step moves, in fen (0 when none). */
    std::int64_t amountFen = 0;
    /** Free text (no full ID numbers, no PINs): order number, slot, item list. */
    std::string detail;
    /** For a compensation: the id of the step it undoes (0 otherwise). */
    std::int64_t compensates = 0;
};

/** One journaled step. */
struct StepRecord {
    std::int64_t id = 0; ///< row id, unique in the journal
    std::string session; ///< session serial
    int seq = 0; ///< order within the session, from 1
    StepType type = StepType::HisConfirm; ///< the step
    StepStatus status = StepStatus::Pending; ///< current status
    std::string requestId; ///< idempotency key
    std::int64_t amountFen = 0; ///< money in fen
    std::string detail; ///< free text from the request
    std::string result; ///< what an OK call returned (invoice no., transaction id)
    std::string reason; ///< why FAILED / UNKNOWN
    std::int64_t compensates = 0; ///< step undone by this compensation, 0 if none
    bool resolvedByQuery = false; ///< the status was set by a query after UNKNOWN/PENDING
    std::string startedAt; ///< UTC, ISO 8601 with milliseconds
    std::string endedAt; ///< UTC; empty while PENDING
};

/** One session (one card, one business). */
struct SessionRecord {
    std::string id; ///< serial: terminal + business + UTC time + counter
    std::string terminal; ///< terminal id
    std::string business; ///< business code ("register", "pay", "topup")
    bool open = true; ///< not ended yet
    std::string endReason; ///< sessionEndName() once ended
    bool recovered = false; ///< recovery finished (nothing left to do)
    std::string startedAt; ///< UTC
};

/** One line of the audit trail (staff logins and approvals, lockouts, migrations). */
struct AuditRecord {
    std::int64_t id = 0; ///< row id, increasing
    std::string at; ///< UTC, ISO 8601 with milliseconds
    std::string event; ///< "login_failed", "login_ok", "approval_failed", "locked", ...
    std::string subject; ///< who it is about (a staff number); never a PIN
    std::string detail; ///< free text (terminal, screen, failures in a row)
};

/** The SQLite session journal. */
class Journal {
public:
    /** Opens (creating if needed) the journal at `path`. A new file is created mode 0600 (its
     * -wal and -shm files take the same mode); an existing one readable by group or others is
     * narrowed to 0600. Throws JournalError. */
    explicit Journal(const std::filesystem::path& path);
    ~Journal();
    Journal(const Journal&) = delete;
    Journal& operator=(const Journal&) = delete;

    /** Starts a session and returns its serial (terminal + business + time + counter). */
    std::string openSession(const std::string& terminal, const std::string& business);
    /** Ends a session (the card was pulled, a timeout, done). Its steps are then recovered. */
    void endSession(const std::string& session, SessionEnd reason);
    /** At boot: ends every session still open with SessionEnd::Crash; returns how many. */
    int endOpenSessionsAfterCrash();
    /** Sessions ended but not yet marked recovered, oldest first. */
    std::vector<std::string> sessionsToRecover();
    /** Marks a session's recovery finished. */
    void markRecovered(const std::string& session);
    /** A session; nullopt when unknown. */
    std::optional<SessionRecord> session(const std::string& session);

    /** Writes a step PENDING (durably) and returns its id; JournalError for an unknown session.
     * Compensations are added to the ended session they repair. Prefer JournalStep. */
    std::int64_t beginStep(const std::string& session, const StepRequest& request);
    /** Records a step's outcome (OK with `text` as result; FAILED/UNKNOWN with it as reason). A
     * step already ended keeps its first outcome (throws JournalError). */
    void finishStep(std::int64_t stepId, StepStatus outcome, const std::string& text);
    /** Records what a query found for a PENDING/UNKNOWN step (OK or FAILED only). */
    void resolveStep(std::int64_t stepId, StepStatus outcome, const std::string& note);
    /** The steps of a session, in order. */
    std::vector<StepRecord> steps(const std::string& session);
    /** One step; nullopt when unknown. */
    std::optional<StepRecord> step(std::int64_t stepId);

    /** Appends to the audit trail (durably). `subject` and `detail` must hold no PIN. */
    void audit(const std::string& event, const std::string& subject, const std::string& detail);
    /** The audit trail, oldest first; only `subject`'s lines when it is not empty. */
    std::vector<AuditRecord> auditTrail(const std::string& subject = {});
    /** Rewrites step details in one transaction: `rewrite` gets each detail that contains
     * `marker` and returns the new text, or nullopt to keep it. Returns how many changed. For
     * migrations at boot (the card key's format). */
    int rewriteDetails(const std::string& marker,
        const std::function<std::optional<std::string>(const std::string&)>& rewrite);

private:
    void exec(const char* sql);
    std::unique_ptr<sql::Connection> m_db;
    std::mutex m_mutex;
    std::uint32_t m_counter = 0;
};

} // namespace hc::kiosk
