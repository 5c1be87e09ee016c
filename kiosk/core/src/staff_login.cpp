// Cashier mode's staff login and the supervisor's approval PIN: the screens, the guard against
// guessing (staff_auth.hpp: per-account backoff and lockout, refused tries never hashed), the
// audit trail (Journal::audit: every failure, success, wait and lock, never the PIN) and the
// rewrite of legacy SM3 hashes as PBKDF2 at a successful login (kept in the staff PIN file).
#include "engine_impl.hpp"
#include "hc/kiosk/core/secret_file.hpp"

#include <openssl/crypto.h>

namespace hc::kiosk::core {

namespace {

/** A hash checked for an unknown staff number, so that a wrong number costs as much as a wrong
 * PIN (no timing difference between "no such staff" and "wrong PIN"). */
const std::string& dummyHash() {
    static const std::string h = hashStaffPin("not-a-pin");
    return h;
}

bool pinMatches(const StaffAccount& a, const std::string& pin) {
    if (!a.pinHash.empty()) {
        return checkStaffPin(a.pinHash, pin);
    }
    if (a.pinSm3.size() != 64) {
        return false;
    }
    const auto h = staffPinHash(a.salt, pin);
    return CRYPTO_memcmp(h.data(), a.pinSm3.data(), 64) == 0;
}

void writeStaffPins(const std::string& file, const std::vector<StaffAccount>& staff) {
    json::object o;
    for (const auto& a : staff) {
        if (!a.pinHash.empty()) {
            o[a.id] = a.pinHash;
        }
    }
    writeSecretFile(file, json::serialize(o) + "\n");
}

} // namespace

void Engine::Impl::showLogin(const std::string& why, bool password) {
    flow = nullptr;
    screen = password ? "staff_password" : "staff_login";
    history.clear();
    title = "收费员登录";
    message = why.empty() ? (password ? "请输入密码" : "请输入工号") : why;
    items = {};
    data = {};
    input = json::object { { "kind", password ? "password" : "text" },
        { "label", password ? "密码" : "工号" }, { "min", password ? 4 : 1 },
        { "max", password ? 32 : 16 } };
    error = nullptr;
    baseCountdown = password ? 60 : 0;
    if (baseCountdown != 0) {
        resetCountdown();
    }
}

void Engine::Impl::loadStaffPins() {
    if (config.staffPinFile.empty() || !std::filesystem::exists(config.staffPinFile)) {
        // Restore the guard from the audit trail below anyway.
    } else {
        const auto pins = parseStaffPinFile(
            readSecretFile(config.staffPinFile, "staff PIN file"), config.staffPinFile);
        for (auto& a : config.staff) {
            if (const auto h = pins.find(a.id); h != pins.end()) {
                a.pinHash = h->second;
                a.pinSm3.clear();
            }
        }
    }
    if (!cashier()) {
        return;
    }
    // Failures in a row survive a restart: count them back from the audit trail.
    std::map<std::string, int> inARow;
    for (const auto& r : parts.journal->auditTrail()) {
        if (r.event == "login_failed" || r.event == "approval_failed") {
            ++inARow[r.subject];
        } else if (r.event == "login_ok" || r.event == "approval_ok") {
            inARow[r.subject] = 0;
        }
    }
    for (const auto& [id, n] : inARow) {
        staffGuard.restore(id, n, parts.clock->now());
    }
}

const StaffAccount* Engine::Impl::authenticate(
    const std::string& id, const std::string& pin, const char* what) {
    const auto now = parts.clock->now();
    const std::string kind = what;
    if (const auto wait = staffGuard.waitFor(id, now)) {
        const bool locked = staffGuard.locked(id, now);
        if (staffGuard.refused(id)) {
            parts.journal->audit(kind + "_refused", id,
                std::string(locked ? "locked" : "waiting") + ";seconds=" + std::to_string(*wait)
                    + ";terminal=" + config.terminalId);
        }
        throw KioskError("staff_wait",
            locked ? "该工号密码错误次数过多，已锁定 " + std::to_string((*wait + 59) / 60)
                    + " 分钟，请联系主管"
                   : "密码错误次数过多，请 " + std::to_string(*wait) + " 秒后再试",
            NextStep::FixInput);
    }
    StaffAccount* account = nullptr;
    for (auto& a : config.staff) {
        if (a.id == id) {
            account = &a;
        }
    }
    const bool right
        = account != nullptr ? pinMatches(*account, pin) : (checkStaffPin(dummyHash(), pin), false);
    if (!right) {
        const int n = staffGuard.failed(id, now);
        parts.journal->audit(kind + "_failed", id,
            "failures=" + std::to_string(n) + (staffGuard.locked(id, now) ? ";locked" : "")
                + ";terminal=" + config.terminalId);
        return nullptr;
    }
    staffGuard.succeeded(id);
    parts.journal->audit(kind + "_ok", id, "terminal=" + config.terminalId);
    if (account->pinHash.empty()) {
        // A legacy SM3 hash: rewritten as PBKDF2 now that the PIN is known.
        account->pinHash = hashStaffPin(pin);
        account->pinSm3.clear();
        account->salt.clear();
        if (!config.staffPinFile.empty()) {
            try {
                writeStaffPins(config.staffPinFile, config.staff);
                parts.journal->audit("pin_migrated", id, "sm3 -> pbkdf2-sha256");
            } catch (const std::exception& e) {
                parts.journal->audit("pin_migration_failed", id, e.what());
            }
        }
    }
    return account;
}

void Engine::Impl::login(const std::string& value) {
    if (screen == "staff_login") {
        pendingStaffId = value;
        showLogin({}, true);
        return;
    }
    const StaffAccount* a = nullptr;
    try {
        a = authenticate(pendingStaffId, value, "login");
    } catch (const KioskError&) {
        showLogin({}, false); // waiting: back to the staff number
        throw;
    }
    if (a != nullptr) {
        staffUser = *a;
        errorCount = 0;
        showMenu();
        return;
    }
    showLogin({}, false);
    throw KioskError("login_failed", "工号或密码错误，请重新输入", NextStep::FixInput);
}

} // namespace hc::kiosk::core
