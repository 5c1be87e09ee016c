// Staff authentication for cashier mode: PIN hashes and the guard against guessing.
//
// PIN hashes are PBKDF2-HMAC-SHA256 through OpenSSL 3's EVP_KDF, stored as one string
//   "pbkdf2-sha256$<iterations>$<salt, 32 hex>$<key, 64 hex>"
// (kioskd --hash-pin prints one for a PIN read from stdin). Accounts written before this keep
// SM3(salt || PIN) in `pinSm3`; such an account still logs in, and the successful login rewrites
// its hash as PBKDF2 (the engine keeps it in its staff PIN file, EngineConfig::staffPinFile).
// PINs of 4 to 32 characters.
//
// StaffGuard: per account (the staff number typed, known or not), consecutive failures are
// counted; from the 3rd on each further try waits 2^(n-3) s (at most 60 s), and from the 10th the
// account is locked for 15 minutes (each further failure locks it again). A try refused by the
// guard never reaches the hash. A success clears the account's count. "Now" is the engine's
// Clock (tests use a manual one).
//
// Threading: StaffGuard is used under the engine's mutex; the free functions are thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace hc::kiosk::core {

/** Iterations of a new PBKDF2 hash (about 0.1 s on a kiosk's CPU). */
constexpr std::uint32_t kStaffPinIterations = 200000;

/** A new PBKDF2-HMAC-SHA256 hash of `pin` with a random salt. Throws hc::InputError for a PIN
 * outside 4..32 characters; hc::Error when OpenSSL fails. */
std::string hashStaffPin(const std::string& pin, std::uint32_t iterations = kStaffPinIterations);

/** True when `pin` matches `pinHash` (the format above); false for a malformed hash. Constant
 * time in the comparison. */
bool checkStaffPin(const std::string& pinHash, const std::string& pin);

/** True when `pinHash` is in the PBKDF2 format above (a config check). */
bool isStaffPinHash(const std::string& pinHash);

/** The staff PIN file's text, {"<staff number>": "<hash in the format above>", ...}, as staff
 * number -> hash. A member whose value is not such a hash (another type, null, a malformed
 * hash) is left out, as if absent: that account keeps its configured hash. Throws hc::Error
 * (CheckConfiguration) naming `file` when the text is not a JSON object. */
std::map<std::string, std::string> parseStaffPinFile(
    std::string_view text, const std::string& file);

/** Legacy: SM3(salt || pin) as 64 upper-case hex digits (StaffAccount::pinSm3). */
std::string staffPinHash(const std::string& salt, const std::string& pin);

/** Brute-force guard over staff numbers. */
class StaffGuard {
public:
    using Clock = std::chrono::steady_clock;

    /** Failures after which each try waits (2^(n-3) s). */
    static constexpr int kFreeTries = 3;
    /** Failures after which the account is locked. */
    static constexpr int kLockAfter = 10;
    /** Longest wait between tries before the lock. */
    static constexpr std::chrono::seconds kMaxWait { 60 };
    /** How long a lock lasts. */
    static constexpr std::chrono::minutes kLockFor { 15 };

    /** Seconds the account must still wait before a try, or nullopt when it may try now. */
    std::optional<std::int64_t> waitFor(const std::string& account, Clock::time_point now) const;
    /** Records a failed try; returns the failures in a row now. */
    int failed(const std::string& account, Clock::time_point now);
    /** Notes a try refused while waiting; true for the first since the last failure (so only
     * that one is written to the audit trail: refused tries cost no disk write each). */
    bool refused(const std::string& account);
    /** Records a success: the count starts again. */
    void succeeded(const std::string& account);
    /** Failures in a row of an account (0 when none). */
    int failures(const std::string& account) const;
    /** True when the account is locked (not just waiting) at `now`. */
    bool locked(const std::string& account, Clock::time_point now) const;
    /** Restores a count read back from the audit log at boot (locked from `now` when at the lock
     * threshold). */
    void restore(const std::string& account, int failures, Clock::time_point now);

private:
    struct Entry {
        int failures = 0;
        Clock::time_point notBefore {};
        bool refusalNoted = false;
    };
    std::map<std::string, Entry> m_entries;
};

} // namespace hc::kiosk::core
