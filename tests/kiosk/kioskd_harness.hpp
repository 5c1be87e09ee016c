// Test harness for kioskd as a real process (kioskd_process_test, kioskd_pcsc_process_test):
// his-sim, paygw-sim and escpos-sim started on free ports, kioskd started (and restarted) on one
// journal with an optional --failpoint (kioskd SIGKILLs itself right after that journaled step),
// driven through the web server's /api/input, and read from the outside (his-sim's charge items
// and slots over HTTP, paygw-sim's orders, the journal once kioskd is gone). Optionally center-sim
// + settlementd (--insecure) for the insurance share. The card is the caller's: `cardArgs` holds
// kioskd's card options (--fake-card FILE, or the PC/SC readers).
//
// Threading: everything runs on the test's thread; kioskd is a child process.
#pragma once

#include "hc/kiosk/journal.hpp"
#include "hc/testing/process.hpp"
#include "sim_client.hpp"

#include <boost/json.hpp>
#include <csignal>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace hc::kiosk::test {

namespace json = boost::json;

/** The JSON body of a whole HTTP response text. */
inline json::value bodyOf(const std::string& http) {
    const auto p = http.find("\r\n\r\n");
    REQUIRE(p != std::string::npos);
    return json::parse(http.substr(p + 4));
}

/** Waits for a "<port>\n" file written by center-sim / settlementd (--port-file). */
inline unsigned short portFromFile(const std::filesystem::path& p) {
    for (int i = 0; i < 200; ++i) {
        const auto t = hc::testing::readFile(p);
        if (!t.empty() && t.back() == '\n') {
            return static_cast<unsigned short>(std::stoi(t));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("no port in " + p.string());
}

/** center-sim and settlementd on SQLite (--insecure: the terminal id is taken as sent). */
struct Settlement {
    std::unique_ptr<hc::testing::Process> center;
    std::unique_ptr<hc::testing::Process> settled;
    std::string endpoint;
    explicit Settlement(const std::filesystem::path& dir) {
        const auto policies = hc::testing::sourcePath("settlement/policies").string();
        center = std::make_unique<hc::testing::Process>(
            std::vector<std::string> { hc::testing::binaryPath("center-sim").string(), "--policies",
                policies, "--port-file", (dir / "center.port").string() },
            dir / "center.log");
        const auto cport = portFromFile(dir / "center.port");
        settled = std::make_unique<hc::testing::Process>(
            std::vector<std::string> { hc::testing::binaryPath("settlementd").string(), "--db",
                (dir / "ledger.db").string(), "--policies", policies, "--center-port",
                std::to_string(cport), "--insecure", "--port-file", (dir / "sd.port").string() },
            dir / "settlementd.log");
        endpoint = "tcp://127.0.0.1:" + std::to_string(portFromFile(dir / "sd.port"));
    }
};

/** Writes a config file that holds secrets (staff PIN hashes, the SAM PIN): owner only, as
 * kioskd requires. */
inline void writeSecretConfig(const std::filesystem::path& file, const std::string& text) {
    std::ofstream(file) << text;
    std::filesystem::permissions(file,
        std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
        std::filesystem::perm_options::replace);
}

/** "Cookie: hc_kiosk=<token>\r\n" with the token kioskd wrote to `tokenFile`. */
inline std::string kioskdScreenCookie(const std::filesystem::path& tokenFile) {
    auto t = hc::testing::readFile(tokenFile);
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) {
        t.pop_back();
    }
    return "Cookie: hc_kiosk=" + t + "\r\n";
}

/** The simulators and kioskd. */
struct KioskdRig {
    hc::testing::TempDir dir { "hc-kioskd-" };
    unsigned short hisPort = hc::testing::freeTcpPort();
    unsigned short payPort = hc::testing::freeTcpPort();
    unsigned short escPort = hc::testing::freeTcpPort();
    unsigned short escCtl = hc::testing::freeTcpPort();
    unsigned short port = hc::testing::freeTcpPort();
    std::unique_ptr<hc::testing::Process> his;
    std::unique_ptr<hc::testing::Process> pay;
    std::unique_ptr<hc::testing::Process> esc;
    std::unique_ptr<hc::testing::Process> kioskd;
    std::vector<std::string> cardArgs; ///< kioskd's card options
    std::vector<std::string> extra; ///< further kioskd options
    std::vector<std::string>
        wrapper; ///< runs kioskd under it ({"prlimit", "--nofile=64:64", "--"})
    std::string patient = "P0001"; ///< his-sim patient of the card

    /** `hisArgs`: further his-sim options (its clock: --today, --now). */
    explicit KioskdRig(const std::vector<std::string>& hisArgs = {}) {
        std::filesystem::create_directories(dir / "receipts");
        std::vector<std::string> hisArgv { hc::testing::binaryPath("his-sim").string(), "--port",
            std::to_string(hisPort) };
        hisArgv.insert(hisArgv.end(), hisArgs.begin(), hisArgs.end());
        his = std::make_unique<hc::testing::Process>(hisArgv, dir / "his.log");
        pay = std::make_unique<hc::testing::Process>(
            std::vector<std::string> {
                hc::testing::binaryPath("paygw-sim").string(), "--port", std::to_string(payPort) },
            dir / "pay.log");
        esc = std::make_unique<hc::testing::Process>(
            std::vector<std::string> { hc::testing::binaryPath("escpos-sim").string(), "--port",
                std::to_string(escPort), "--control-port", std::to_string(escCtl), "--out",
                (dir / "receipts").string() },
            dir / "esc.log");
        waitForPort(hisPort);
        waitForPort(payPort);
        waitForPort(escPort);
    }

    /** Starts kioskd (the previous one must be gone) and waits for its web server. */
    void start(const std::string& failpoint = {}) {
        std::vector<std::string> argv { hc::testing::binaryPath("kioskd/kioskd").string(), "--port",
            std::to_string(port), "--his", "http://127.0.0.1:" + std::to_string(hisPort), "--paygw",
            "http://127.0.0.1:" + std::to_string(payPort), "--receipt",
            "tcp:127.0.0.1:" + std::to_string(escPort), "--report",
            "dir:" + (dir / "reports").string(), "--journal", (dir / "journal.db").string() };
        argv.insert(argv.end(), cardArgs.begin(), cardArgs.end());
        if (!failpoint.empty()) {
            argv.push_back("--failpoint");
            argv.push_back(failpoint);
        }
        argv.insert(argv.end(), extra.begin(), extra.end());
        argv.insert(argv.begin(), wrapper.begin(), wrapper.end());
        kioskd = std::make_unique<hc::testing::Process>(argv, dir / "kioskd.log");
        waitForPort(port);
    }
    /** kill -9 from the outside (the hook for a step without a failpoint: the kiosk waits for the
     * patient after it). */
    void kill9() {
        kioskd->signal(SIGKILL);
        CHECK(kioskd->wait(std::chrono::milliseconds(5000)) != -1);
    }
    /** The header line that makes a request the kiosk's own screen (the per-boot token kioskd
     * wrote beside its journal, sent as the cookie /launch sets). */
    std::string screenCookie() const { return kioskdScreenCookie(dir / "journal.db.token"); }
    json::object input(const std::string& msg) {
        return bodyOf(httpPost(port, "/api/input", msg, screenCookie())).as_object();
    }
    json::object view() { return bodyOf(httpGet(port, "/api/view", screenCookie())).as_object(); }
    json::object choose(const std::string& id) {
        return input(R"({"type":"choose","item":")" + id + "\"}");
    }
    json::object action(const std::string& id) {
        return input(R"({"type":"action","action":")" + id + "\"}");
    }
    /** Waits (up to `ms`) until the view shows `screen`; the last view. */
    json::object waitScreen(const std::string& screen, int ms = 8000) {
        auto v = view();
        for (int i = 0; i < ms / 50 && v.at("screen").as_string() != screen; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            v = view();
        }
        return v;
    }
    /** Sends a message that makes kioskd kill itself at its failpoint; waits for it to die. */
    void inputUntilDeath(const std::string& msg) {
        try {
            (void)httpPost(port, "/api/input", msg, screenCookie());
        } catch (const std::exception&) { }
        CHECK(kioskd->wait(std::chrono::milliseconds(5000)) != -1);
    }
    /** his-sim: the patient's charge items still to pay. */
    std::size_t unpaidItems() {
        const auto b
            = bodyOf(httpGet(hisPort, "/fhir/ChargeItem?patient=" + patient + "&status=billable"));
        const auto* e = b.as_object().if_contains("entry");
        return e == nullptr ? 0 : e->as_array().size();
    }
    /** his-sim: the patient's appointments. */
    std::size_t appointments() {
        const auto b = bodyOf(httpGet(hisPort, "/fhir/Appointment?patient=" + patient));
        const auto* e = b.as_object().if_contains("entry");
        return e == nullptr ? 0 : e->as_array().size();
    }
    /** his-sim: a slot's status (free, busy, busy-tentative while held). */
    std::string slotStatus(const std::string& doctor, const std::string& slot) {
        const auto b = bodyOf(httpGet(hisPort, "/fhir/Slot?practitioner=" + doctor));
        for (const auto& e : b.at("entry").as_array()) {
            if (e.at("resource").at("id").as_string() == slot) {
                return std::string(e.at("resource").at("status").as_string());
            }
        }
        return "missing";
    }
    /** paygw-sim: every order. */
    json::array orders() { return bodyOf(httpGet(payPort, "/orders")).at("orders").as_array(); }
    std::string log() const { return hc::testing::readFile(dir / "kioskd.log"); }
    /** `kioskd --status` on this rig's journal: {exit status, the JSON it printed}. */
    std::pair<int, json::object> recoveryStatus() const {
        const auto r = hc::testing::runCommand({ hc::testing::binaryPath("kioskd/kioskd").string(),
            "--status", "--journal", (dir / "journal.db").string() });
        INFO(r.err);
        return { r.status, json::parse(r.out).as_object() };
    }
    /** The journal after kioskd is gone: sessions whose recovery is not finished. */
    std::vector<std::string> unrecovered() {
        hc::kiosk::Journal j(dir / "journal.db");
        return j.sessionsToRecover();
    }
    /** The journal after kioskd is gone: the steps of one session. */
    std::vector<hc::kiosk::StepRecord> steps(const std::string& session) {
        hc::kiosk::Journal j(dir / "journal.db");
        return j.steps(session);
    }
    /** Counts steps of a type (and status) in a session. */
    int count(const std::string& session, hc::kiosk::StepType type,
        hc::kiosk::StepStatus status = hc::kiosk::StepStatus::Ok) {
        int n = 0;
        for (const auto& s : steps(session)) {
            n += s.type == type && s.status == status ? 1 : 0;
        }
        return n;
    }
};

} // namespace hc::kiosk::test
