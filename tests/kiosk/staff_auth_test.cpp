// Staff PINs at the cashier window: PBKDF2 hashes (checked against the openssl tool), the guard
// against guessing (backoff from the 3rd failure, a 15-minute lock from the 10th, refused tries
// never hashed, the count kept across a restart), every try in the audit trail, the login and
// supervisor countdowns not restarted by a failure, and legacy SM3 hashes rewritten at login.
#include "hc/card/bytes.hpp"
#include "hc/kiosk/core/staff_auth.hpp"
#include "kiosk_rig.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

using namespace hc::kiosk;
using namespace hc::kiosk::core;
using namespace hc::kiosk::testing;

namespace {

constexpr std::uint32_t kFastIterations = 1000; // tests only; kioskd uses kStaffPinIterations

EngineConfig cashier(const std::string& pinFile = {}) {
    EngineConfig c;
    c.mode = "cashier";
    StaffAccount cashier { "S001", "王芳", "cashier", "", "",
        hashStaffPin("24681357", kFastIterations) };
    StaffAccount boss { "M001", "陈主管", "supervisor", "", "",
        hashStaffPin("99990000", kFastIterations) };
    c.staff = { cashier, boss };
    c.staffPinFile = pinFile;
    return c;
}

int countEvents(Journal& j, const std::string& event, const std::string& subject) {
    int n = 0;
    for (const auto& r : j.auditTrail(subject)) {
        n += r.event == event ? 1 : 0;
    }
    return n;
}

} // namespace

TEST_CASE("the staff PIN file: hashes by staff number; other members left out; not an object "
          "refused naming the file") {
    const auto h = hashStaffPin("24681357", kFastIterations);
    const auto pins = parseStaffPinFile(
        R"({"S001":")" + h + R"(","M001":"sm3$x","X1":5,"X2":null,"X3":[")" + h + R"("]})",
        "/etc/kiosk/pins.json");
    CHECK(pins.size() == 1);
    CHECK(pins.at("S001") == h);
    for (const char* text : { "[]", "{", "", "{\"S001\":1}x" }) {
        try {
            parseStaffPinFile(text, "/etc/kiosk/pins.json");
            FAIL("accepted: " << text);
        } catch (const hc::Error& e) {
            CHECK(e.nextStep() == hc::NextStep::CheckConfiguration);
            CHECK(std::string(e.what()).rfind("staff PIN file /etc/kiosk/pins.json: ", 0) == 0);
        }
    }
}

TEST_CASE("PBKDF2 PIN hashes: format, check, PIN lengths, and the same key as the openssl tool") {
    const auto h = hashStaffPin("1234567890123456", kFastIterations);
    CHECK(h.rfind("pbkdf2-sha256$1000$", 0) == 0);
    CHECK(isStaffPinHash(h));
    CHECK(checkStaffPin(h, "1234567890123456"));
    CHECK(!checkStaffPin(h, "1234567890123457"));
    CHECK(!checkStaffPin("pbkdf2-sha256$1000$zz$00", "1234"));
    CHECK(!isStaffPinHash("sm3$x"));
    CHECK(hashStaffPin("12345678901234567890123456789012", kFastIterations).size() > 100);
    CHECK_THROWS_AS(hashStaffPin("123"), hc::InputError);
    CHECK_THROWS_AS(hashStaffPin(std::string(33, '1')), hc::InputError);
    CHECK(hashStaffPin("2468") != hashStaffPin("2468")); // a fresh salt each time

    // Independent check: `openssl kdf` derives the same key from the salt in the hash.
    const auto p1 = h.find('$', h.find('$') + 1);
    const auto p2 = h.find('$', p1 + 1);
    const auto salt = h.substr(p1 + 1, p2 - p1 - 1);
    const auto key = h.substr(p2 + 1);
    const auto r = hc::testing::runCommand({ "openssl", "kdf", "-keylen", "32", "-kdfopt",
        "digest:SHA256", "-kdfopt", "pass:1234567890123456", "-kdfopt", "hexsalt:" + salt,
        "-kdfopt", "iter:1000", "PBKDF2" });
    REQUIRE(r.status == 0);
    std::string out;
    for (const char c : r.out) {
        if (std::isxdigit(static_cast<unsigned char>(c))) {
            out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
    }
    CHECK(out == key);
}

TEST_CASE("brute force at the login: backoff from the 3rd failure, locked at the 10th, audited, "
          "the right PIN refused while locked; a day of guessing is about a hundred tries") {
    Kiosk k(cashier());
    const auto tryPin = [&](const std::string& pin) {
        k.type("S001");
        REQUIRE(k.screen() == "staff_password");
        k.type(pin);
        return k.errorCode();
    };
    CHECK(tryPin("00000001") == "login_failed");
    CHECK(tryPin("00000002") == "login_failed");
    CHECK(tryPin("00000003") == "login_failed");
    // From now on each try waits: at once -> refused before any hash, even the right PIN.
    CHECK(tryPin("24681357") == "staff_wait");
    CHECK(k.errorText() == "密码错误次数过多，请 1 秒后再试");
    CHECK(k.screen() == "staff_login");
    k.clock.advance(1);
    CHECK(tryPin("00000004") == "login_failed");
    CHECK(tryPin("00000005") == "staff_wait");
    CHECK(countEvents(k.journal, "login_failed", "S001") == 4);
    CHECK(countEvents(k.journal, "login_refused", "S001") == 2); // one per wait

    // An attacker who always waits just long enough: how many guesses in 24 hours?
    int guesses = 4;
    const auto start = k.clock.t;
    int rounds = 0; // bounded: without the guard the clock would never move
    while (k.clock.t - start < std::chrono::hours(24) && ++rounds < 5000) {
        k.type("S001");
        k.type(std::to_string(10000000 + guesses));
        if (k.errorCode() == "staff_wait") {
            k.clock.advance(k.errorText().find("秒") != std::string::npos ? 1 : 60);
        } else {
            ++guesses;
        }
    }
    MESSAGE("guesses in 24 h with the guard: " << guesses << " (675/s before)");
    CHECK(guesses <= 10 + 24 * 4 + 1);
    // Locked: the right PIN is refused, and the text says so.
    CHECK(tryPin("24681357") == "staff_wait");
    CHECK(k.errorText().find("已锁定") != std::string::npos);
    CHECK(countEvents(k.journal, "login_failed", "S001") == guesses);
    for (const auto& r : k.journal.auditTrail()) {
        CHECK(r.detail.find("24681357") == std::string::npos); // never the PIN
    }
    // Another account is not affected.
    k.type("M001");
    k.type("99990000");
    CHECK(k.screen() == "menu");
}

TEST_CASE("the lock survives a restart; after the lock the right PIN logs in and clears the "
          "count") {
    hc::testing::TempDir dir("hc-kstaff-");
    {
        Journal j(dir / "j.db");
        for (int i = 0; i < 10; ++i) {
            j.audit("login_failed", "S001", "failures=" + std::to_string(i + 1));
        }
    }
    struct Restarted : EngineDriver {
        Journal journal;
        FakeHis his;
        FakeClock clock;
        explicit Restarted(const std::filesystem::path& p)
            : journal(p) {
            EngineParts parts;
            parts.journal = &journal;
            parts.his = &his;
            parts.clock = &clock;
            attach(std::make_unique<Engine>(
                loadFlows(hc::testing::sourcePath("kiosk/flows"), engineHandlers()), parts,
                cashier()));
        }
        ~Restarted() { detach(); }
    } k(dir / "j.db");
    k.type("S001");
    k.type("24681357");
    CHECK(k.errorCode() == "staff_wait");
    k.clock.advance(15 * 60);
    k.type("S001");
    k.type("24681357");
    CHECK(k.screen() == "menu");
    CHECK(countEvents(k.journal, "login_ok", "S001") == 1);
}

TEST_CASE("a wrong PIN does not restart the login's or the supervisor's countdown") {
    Kiosk k(cashier());
    k.type("S001");
    REQUIRE(k.view().at("countdown").as_int64() == 60);
    k.type("24681357");
    REQUIRE(k.screen() == "menu");
    // Cash payment -> an invoice to refund.
    k.choose("cash_payment");
    k.type("110101199003077777");
    k.action("confirm");
    k.action("confirm");
    REQUIRE(k.screen() == "done");
    const auto invoice = k.his.invoices.begin()->second.id;
    k.action("done");
    k.choose("refund");
    k.type(invoice);
    REQUIRE(k.screen() == "refund_confirm");
    k.action("confirm");
    k.type("M001");
    REQUIRE(k.screen() == "supervisor_pin");
    CHECK(k.view().at("countdown").as_int64() == 60);
    k.clock.advance(30);
    k.type("12345678");
    CHECK(k.errorCode() == "approval_refused");
    CHECK(k.view().at("countdown").as_int64() == 30); // not 60 again
    k.clock.advance(10);
    k.type("12345679");
    CHECK(k.view().at("countdown").as_int64() == 20);
    CHECK(countEvents(k.journal, "approval_failed", "M001") == 2);
    k.type("99990000");
    CHECK(k.screen() == "done");
    CHECK(countEvents(k.journal, "approval_ok", "M001") == 1);
}

TEST_CASE("a legacy SM3 hash logs in once and is rewritten as PBKDF2 in a 0600 file; the next "
          "start uses it") {
    hc::testing::TempDir dir("hc-kstaffmig-");
    const auto pinFile = (dir / "staff-pins").string();
    auto config = cashier(pinFile);
    config.staff[0].pinHash.clear();
    config.staff[0].salt = "x9";
    config.staff[0].pinSm3 = staffPinHash("x9", "2468");
    {
        Kiosk k(config);
        k.type("S001");
        k.type("2468");
        REQUIRE(k.screen() == "menu");
        CHECK(countEvents(k.journal, "pin_migrated", "S001") == 1);
    }
    const auto text = hc::testing::readFile(pinFile);
    CHECK(text.find("\"S001\":\"pbkdf2-sha256$") != std::string::npos);
    CHECK(text.find(staffPinHash("x9", "2468")) == std::string::npos);
    struct stat st { };
    REQUIRE(::stat(pinFile.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    // The next start: the config still has the legacy hash, the file wins.
    Kiosk k(config);
    k.type("S001");
    k.type("2468");
    CHECK(k.screen() == "menu");
    CHECK(countEvents(k.journal, "pin_migrated", "S001") == 0);
}
