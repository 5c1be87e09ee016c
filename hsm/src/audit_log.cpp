#include "hc/hsm/audit_log.hpp"

#include "hc/base/crypto/digest.hpp"
#include "hc/hsm/bytes.hpp"
#include "hc/hsm/error.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hc::hsm {

namespace {

const std::string kZeroHash(64, '0');
constexpr std::size_t kMaxLine = 4096;

/** Percent-encodes everything outside a safe set so fields never contain spaces or '='. */
std::string encode(std::string_view s) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        bool safe = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9')
            || c == '.' || c == '_' || c == '-' || c == '/' || c == '+' || c == ':';
        if (safe) {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(digits[u >> 4]);
            out.push_back(digits[u & 0x0F]);
        }
    }
    return out;
}

int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

std::string decode(std::string_view s, std::string_view field) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out.push_back(s[i]);
            continue;
        }
        if (i + 2 >= s.size()) {
            throw InvalidArgumentError("field " + std::string(field) + " ends inside an escape");
        }
        int h = hexDigit(s[i + 1]);
        int l = hexDigit(s[i + 2]);
        if (h < 0 || l < 0) {
            throw InvalidArgumentError("field " + std::string(field) + " has a bad escape");
        }
        out.push_back(static_cast<char>((h << 4) | l));
        i += 2;
    }
    return out;
}

bool isHash(std::string_view s) {
    if (s.size() != 64) {
        return false;
    }
    for (char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

std::string nowIso() {
    auto now = std::chrono::system_clock::now();
    auto t = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count()
        % 1000;
    std::tm tm {};
    gmtime_r(&t, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    return buf;
}

std::string withoutHash(const AuditEntry& e) {
    return "v1 seq=" + std::to_string(e.sequence) + " time=" + encode(e.time)
        + " actor=" + encode(e.actor) + " op=" + encode(e.operation) + " key=" + encode(e.key)
        + " kcv=" + encode(e.kcv) + " result=" + encode(e.result) + " prev=" + e.previousHash;
}

} // namespace

std::string auditLineHash(std::string_view lineWithoutHash) {
    Bytes md;
    try {
        md = crypto::sha256(lineWithoutHash);
    } catch (const hc::Error&) {
        throw AuditError("SHA-256 failed while writing the audit log");
    }
    return crypto::toLowerHex(md);
}

std::string formatAuditLine(const AuditEntry& entry) {
    return withoutHash(entry) + " hash=" + entry.hash;
}

AuditEntry parseAuditLine(std::string_view line) {
    if (line.size() > kMaxLine) {
        throw InvalidArgumentError("audit line is longer than 4096 characters");
    }
    static constexpr std::string_view names[]
        = { "seq", "time", "actor", "op", "key", "kcv", "result", "prev", "hash" };
    if (line.substr(0, 3) != "v1 ") {
        throw InvalidArgumentError("audit line does not start with 'v1 '");
    }
    AuditEntry e;
    std::size_t pos = 3;
    for (std::size_t i = 0; i < std::size(names); ++i) {
        std::size_t end = line.find(' ', pos);
        bool last = i + 1 == std::size(names);
        if (last ? end != std::string_view::npos : end == std::string_view::npos) {
            throw InvalidArgumentError("audit line has the wrong number of fields");
        }
        std::string_view field = line.substr(pos, (last ? line.size() : end) - pos);
        std::size_t eq = field.find('=');
        if (eq == std::string_view::npos || field.substr(0, eq) != names[i]) {
            throw InvalidArgumentError(
                "audit line: expected field '" + std::string(names[i]) + "'");
        }
        std::string_view value = field.substr(eq + 1);
        switch (i) {
        case 0: {
            if (value.empty() || value.size() > 19) {
                throw InvalidArgumentError("audit line: bad sequence number");
            }
            std::uint64_t v = 0;
            for (char c : value) {
                if (c < '0' || c > '9') {
                    throw InvalidArgumentError("audit line: bad sequence number");
                }
                v = v * 10 + static_cast<std::uint64_t>(c - '0');
            }
            e.sequence = v;
            break;
        }
        case 1:
            e.time = decode(value, names[i]);
            break;
        case 2:
            e.actor = decode(value, names[i]);
            break;
        case 3:
            e.operation = decode(value, names[i]);
            break;
        case 4:
            e.key = decode(value, names[i]);
            break;
        case 5:
            e.kcv = decode(value, names[i]);
            break;
        case 6:
            e.result = decode(value, names[i]);
            break;
        case 7:
        case 8:
            if (!isHash(value)) {
                throw InvalidArgumentError(
                    "audit line: " + std::string(names[i]) + " is not a SHA-256 hex value");
            }
            (i == 7 ? e.previousHash : e.hash) = std::string(value);
            break;
        default:
            break;
        }
        pos = end + 1;
    }
    return e;
}

AuditVerification verifyAuditLog(
    const std::string& path, const std::optional<std::string>& expectedHead) {
    AuditVerification v;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        v.ok = false;
        v.problems.push_back("cannot open " + path);
        return v;
    }
    std::string line;
    std::string previous = kZeroHash;
    std::uint64_t lineNo = 0;
    while (std::getline(in, line)) {
        ++lineNo;
        std::string where = "line " + std::to_string(lineNo) + ": ";
        AuditEntry e;
        try {
            e = parseAuditLine(line);
        } catch (const Error& err) {
            v.ok = false;
            v.problems.push_back(where + err.what() + " (entry edited or damaged)");
            continue;
        }
        ++v.entries;
        if (e.sequence != lineNo) {
            v.ok = false;
            v.problems.push_back(where + "sequence " + std::to_string(e.sequence) + ", expected "
                + std::to_string(lineNo) + " (entry deleted, inserted or moved)");
        }
        std::size_t cut = line.rfind(" hash=");
        if (auditLineHash(std::string_view(line).substr(0, cut)) != e.hash) {
            v.ok = false;
            v.problems.push_back(where + "hash does not match the entry (entry edited)");
        }
        if (e.previousHash != previous) {
            v.ok = false;
            v.problems.push_back(where
                + "does not link to the previous entry (entry deleted, "
                  "inserted or reordered)");
        }
        previous = e.hash;
    }
    v.headHash = lineNo == 0 ? std::string() : previous;
    if (expectedHead && *expectedHead != v.headHash) {
        v.ok = false;
        v.problems.push_back("the last entry's hash is not the expected head " + *expectedHead
            + " (entries deleted at the end, or the log replaced)");
    }
    return v;
}

AuditLog::AuditLog(std::string path, std::string actor)
    : m_path(std::move(path))
    , m_actor(std::move(actor)) {
    m_fd = ::open(m_path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (m_fd < 0) {
        throw AuditError("cannot open the audit log " + m_path + ": " + std::strerror(errno)
            + "; check the directory exists and is writable");
    }
}

AuditLog::~AuditLog() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

void AuditLog::setActor(std::string actor) {
    std::lock_guard lock(m_mutex);
    m_actor = std::move(actor);
}

void AuditLog::refreshTail(long long size) {
    m_lastSequence = 0;
    m_lastHash = kZeroHash;
    if (size <= 0) {
        return;
    }
    // Read the last line (at most kMaxLine + 1 bytes from the end).
    long long start = size > static_cast<long long>(kMaxLine + 1)
        ? size - static_cast<long long>(kMaxLine + 1)
        : 0;
    std::string buf(static_cast<std::size_t>(size - start), '\0');
    ssize_t n = ::pread(m_fd, buf.data(), buf.size(), static_cast<off_t>(start));
    if (n != static_cast<ssize_t>(buf.size()) || buf.back() != '\n') {
        throw AuditError("the audit log " + m_path
            + " does not end with a complete line: run "
              "`hsm-tool audit verify` and have the security officer repair it");
    }
    buf.pop_back();
    std::size_t nl = buf.rfind('\n');
    std::string last = nl == std::string::npos ? buf : buf.substr(nl + 1);
    try {
        AuditEntry e = parseAuditLine(last);
        m_lastSequence = e.sequence;
        m_lastHash = e.hash;
    } catch (const InvalidArgumentError& err) {
        throw AuditError("the last audit entry in " + m_path + " is unreadable (" + err.what()
            + "): run `hsm-tool audit verify`");
    }
}

void AuditLog::append(std::string_view operation, std::string_view key, std::string_view kcv,
    std::string_view result, bool durable) {
    std::lock_guard lock(m_mutex);
    if (::flock(m_fd, LOCK_EX) != 0) {
        throw AuditError("cannot lock the audit log " + m_path + ": " + std::strerror(errno));
    }
    struct Unlock {
        int fd;
        ~Unlock() { ::flock(fd, LOCK_UN); }
    } unlock { m_fd };
    struct stat st { };
    if (::fstat(m_fd, &st) != 0) {
        throw AuditError("cannot stat the audit log " + m_path);
    }
    long long size = static_cast<long long>(st.st_size);
    if (size != m_knownSize) {
        refreshTail(size);
    }
    AuditEntry e;
    e.sequence = m_lastSequence + 1;
    e.time = nowIso();
    e.actor = m_actor;
    e.operation = std::string(operation);
    e.key = std::string(key);
    e.kcv = std::string(kcv);
    e.result = std::string(result);
    e.previousHash = m_lastHash;
    std::string body = withoutHash(e);
    e.hash = auditLineHash(body);
    std::string line = body + " hash=" + e.hash + "\n";
    if (line.size() > kMaxLine) {
        throw AuditError("audit entry too long");
    }
    ssize_t n = ::write(m_fd, line.data(), line.size());
    if (n != static_cast<ssize_t>(line.size())) {
        throw AuditError("cannot write the audit log " + m_path + ": " + std::strerror(errno)
            + "; the operation was refused. Free disk space or fix permissions");
    }
    if (durable && ::fdatasync(m_fd) != 0) {
        throw AuditError("cannot sync the audit log " + m_path + ": " + std::strerror(errno));
    }
    m_lastSequence = e.sequence;
    m_lastHash = e.hash;
    m_knownSize = size + static_cast<long long>(line.size());
}

} // namespace hc::hsm
