// The audit log: one line per key operation (who, operation, key label/version/KCV, result),
// hash-chained with SHA-256 so that an edited, reordered or deleted entry is detected. Key
// material and card data are never written. Thread-safe; several processes may append to the
// same file (appends are serialised with flock).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hc::hsm {

/** One audit entry. */
struct AuditEntry {
    std::uint64_t sequence = 0; ///< 1, 2, 3 ... without gaps
    std::string time;           ///< UTC, ISO 8601 with milliseconds
    std::string actor;          ///< operating-system user or ceremony custodian name
    std::string operation;      ///< "generate", "import-components", "mac", ...
    std::string key;            ///< KeySpec::describe() of the key used
    std::string kcv;            ///< KCV of the stored base key ("" when unknown)
    std::string result;         ///< "ok" or "error: <class>"
    std::string previousHash;   ///< hash of the previous entry (64 zeros for the first)
    std::string hash;           ///< SHA-256 of this line up to " hash="
};

/** Formats an entry as its log line (without newline), computing nothing: fields as given. */
std::string formatAuditLine(const AuditEntry& entry);
/** Parses one line. Throws InvalidArgumentError naming the problem on malformed input. */
AuditEntry parseAuditLine(std::string_view line);
/** SHA-256 hex of the part of `line` that the hash covers. */
std::string auditLineHash(std::string_view lineWithoutHash);

/** Result of checking a log. */
struct AuditVerification {
    bool ok = true;              ///< true when every entry checks
    std::uint64_t entries = 0;   ///< entries read
    std::string headHash;        ///< hash of the last entry: keep it elsewhere to detect truncation
    std::vector<std::string> problems; ///< "line 7: hash does not match (entry edited)", ...
};

/** Checks a log file: line format, sequence numbers, chain links, hashes. If `expectedHead` is
 *  given, also checks that the last entry's hash equals it (detects deleted tail entries). */
AuditVerification verifyAuditLog(const std::string& path,
                                 const std::optional<std::string>& expectedHead = {});

/** Appends entries to a file. */
class AuditLog {
public:
    /** Opens (creating if needed) the log at `path`; `actor` goes into every entry. Throws
     *  AuditError when the file cannot be opened or its last line is unreadable. */
    AuditLog(std::string path, std::string actor);
    AuditLog(const AuditLog&) = delete;
    AuditLog& operator=(const AuditLog&) = delete;
    ~AuditLog();

    /** Appends one entry; `durable` fsyncs (used for key management, not for every MAC).
     *  Throws AuditError. */
    void append(std::string_view operation, std::string_view key, std::string_view kcv,
                std::string_view result, bool durable);
    /** The file path. */
    const std::string& path() const noexcept { return m_path; }
    /** Replaces the actor name (e.g. per custodian during a ceremony). */
    void setActor(std::string actor);

private:
    std::string m_path;
    std::string m_actor;
    int m_fd = -1;
    std::mutex m_mutex;
    long long m_knownSize = -1;  // file size after our last append; -1 = re-read the tail
    std::uint64_t m_lastSequence = 0;
    std::string m_lastHash;
    void refreshTail(long long size);
};

} // namespace hc::hsm
