// kioskd: the kiosk runtime. Builds the devices and services from its configuration, ends the
// sessions a crash left open and runs recovery over every session not yet recovered, then runs
// the engine (hc::kiosk::core::Engine) behind the web server (hc::kiosk::WebServer) on
// 127.0.0.1. Options: kioskd --help and docs/kiosk.md "kioskd options".
//
// Threads: main (waits for SIGINT/SIGTERM), the web server's, a 250 ms ticker (countdowns, QR
// polling) and, with PC/SC readers, the reader monitor (core::DeviceWatcher). The engine
// serialises them. A bad command line or configuration exits 2, a failed start 1.
#ifdef HC_KIOSKD_WITH_IPP
#include "ipp_report_printer.hpp"
#endif
#ifdef HC_KIOSKD_WITH_ISSUANCE
#include "kiosk_issuer.hpp"
#endif
#ifdef HC_KIOSKD_WITH_SETTLE
#include "settle_insurance.hpp"
#endif
#include "hc/base/program_options.hpp"
#include "hc/base/stop_signals.hpp"
#include "hc/kiosk/core/device_adapters.hpp"
#include "hc/kiosk/core/device_watcher.hpp"
#include "hc/kiosk/core/engine.hpp"
#include "hc/kiosk/core/kioskd_config.hpp"
#include "hc/kiosk/core/pcsc_patient_card.hpp"
#include "hc/kiosk/core/purse_issuer_config.hpp"
#include "hc/kiosk/core/recovery_executor.hpp"
#include "hc/kiosk/core/secret_file.hpp"
#include "hc/kiosk/his/http_his_adapter.hpp"
#include "hc/kiosk/web_server.hpp"
#include "hc/pcsc.hpp"
#include "recovery_status.hpp"

#include <atomic>
#include <boost/json/serialize.hpp>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/random.h>
#include <thread>

namespace core = hc::kiosk::core;
namespace po = boost::program_options;

namespace {

void declare(hc::ProgramOptions& opts) {
    opts.add()("config", po::value<std::string>(),
        "JSON configuration file (fields: docs/kiosk.md)")("port", po::value<int>(),
        "web server port on 127.0.0.1 (0 = any; printed)")("terminal", po::value<std::string>(),
        "terminal id")("mode", po::value<std::string>(), "patient | cashier")(
        "journal", po::value<std::string>(), "SQLite journal file")("his", po::value<std::string>(),
        "HIS base URL http://HOST:PORT")("receipt", po::value<std::string>(),
        "receipt printer tcp:HOST:PORT | serial:DEVICE[:BAUD] | file:PATH | none")("report",
        po::value<std::string>(), "report printer ipp://HOST:PORT/ipp/print | dir:PATH | none")(
        "paygw", po::value<std::string>(), "QR gateway http://HOST:PORT | none")("settlementd",
        po::value<std::string>(), "settlementd tcp://HOST:PORT (insurance); empty = none")(
        "settlementd-server-key", po::value<std::string>(), "settlementd CURVE public key (Z85)")(
        "settlementd-public-key", po::value<std::string>(), "this terminal's CURVE public key")(
        "settlementd-secret-key", po::value<std::string>(), "this terminal's CURVE secret key")(
        "card-reader", po::value<std::string>(), "PC/SC reader of the patient card")("sam-reader",
        po::value<std::string>(), "PC/SC reader of the PSAM ('' = none)")("issuer-keys",
        po::value<std::string>(), "purse issuer development key file (loads)")("fake-card",
        po::value<std::string>(), "use a file-backed card instead of PC/SC (demo, tests)")("flows",
        po::value<std::string>(), "flow folder")("docroot", po::value<std::string>(), "UI folder")(
        "report-fee", po::value<std::int64_t>(), "fee per printed report, fen")(
        "allow-ui-card-events", "accept {\"type\":\"card\"} messages from the UI (tests, demo)")(
        "card-issuance", "offer card issuance")(
        "hash-pin", "print a staff account's pinHash (PBKDF2-SHA256) for the PIN read from stdin")(
        "hash-pin-sm3", po::value<std::string>(),
        "legacy: print SM3(SALT || PIN) for the PIN read from stdin (tests of the migration)")(
        "status",
        "print what recovery has not finished in the journal (JSON) and exit: 0 none, 3 some")(
        "failpoint", po::value<std::string>(),
        "TEST ONLY: SIGKILL itself after this journaled step (kill -9 tests)");
}

/** --hash-pin / --hash-pin-sm3: the PIN from stdin (never from the command line, never logged). */
void printPinHash(const po::variables_map& vm) {
    std::string pin;
    std::getline(std::cin, pin);
    std::cout << (vm.count("hash-pin-sm3")
            ? core::staffPinHash(vm["hash-pin-sm3"].as<std::string>(), pin)
            : core::hashStaffPin(pin))
              << std::endl;
}

/** The configuration: the --config file, then the options over it. Throws ConfigError. */
core::KioskdConfig readConfig(const po::variables_map& vm) {
    core::KioskdConfig c;
    if (vm.count("config")) {
        std::ifstream in(vm["config"].as<std::string>(), std::ios::binary);
        if (!in) {
            throw core::ConfigError("--config: cannot read " + vm["config"].as<std::string>());
        }
        std::ostringstream ss;
        ss << in.rdbuf();
        c = core::parseKioskdConfig(ss.str());
        if (!c.samPin.empty() || !c.settlementdSecretKey.empty() || !c.staff.empty()) {
            // The SAM PIN, the CURVE secret key, the staff PIN hashes: owner only.
            core::requireOwnerOnly(vm["config"].as<std::string>(), "--config");
        }
    }
    const auto s = [&](const char* name, std::string& field) {
        if (vm.count(name)) {
            field = vm[name].as<std::string>();
        }
    };
    s("terminal", c.terminal);
    s("mode", c.mode);
    s("journal", c.journal);
    s("his", c.his);
    s("receipt", c.receipt);
    s("report", c.report);
    s("paygw", c.paygw);
    s("settlementd", c.settlementd);
    s("settlementd-server-key", c.settlementdServerKey);
    s("settlementd-public-key", c.settlementdPublicKey);
    s("settlementd-secret-key", c.settlementdSecretKey);
    s("card-reader", c.cardReader);
    s("sam-reader", c.samReader);
    s("issuer-keys", c.issuerKeys);
    if (const char* pin = std::getenv("HC_SAM_PIN"); pin != nullptr && c.samPin.empty()) {
        c.samPin = pin;
    }
    s("fake-card", c.fakeCard);
    s("flows", c.flows);
    s("docroot", c.docroot);
    if (vm.count("port")) {
        c.port = vm["port"].as<int>();
    }
    if (vm.count("report-fee")) {
        c.reportFeeFen = vm["report-fee"].as<std::int64_t>();
    }
    if (vm.count("allow-ui-card-events")) {
        c.allowUiCardEvents = true;
    }
    if (vm.count("failpoint")) {
        c.failpoint = vm["failpoint"].as<std::string>();
    }
    if (vm.count("card-issuance")) {
        c.cardIssuance = true;
    }
    if (c.mode != "patient" && c.mode != "cashier") {
        throw core::ConfigError("--mode: expected patient or cashier");
    }
    if (c.siteKeyFile.empty()) {
        c.siteKeyFile = c.journal + ".site-key";
    }
    if (c.tokenFile.empty()) {
        c.tokenFile = c.journal + ".token";
    }
    if (!c.issuerKeys.empty()) {
        core::requireOwnerOnly(c.issuerKeys, "issuer key file");
    }
    if (c.mode == "cashier" && c.staff.empty()) {
        throw core::ConfigError("--mode cashier: the config file needs \"staff\" accounts");
    }
    return c;
}

/** --status: what recovery has not finished (exit 0 none, 3 some, 2 no journal). */
int printRecoveryStatus(const core::KioskdConfig& cfg) {
    try {
        if (!std::filesystem::exists(cfg.journal)) {
            throw std::runtime_error(
                "no journal at " + cfg.journal + " (give --journal or the --config of the kiosk)");
        }
        hc::kiosk::Journal journal(cfg.journal);
        const auto status = hc::kiosk::kioskd::recoveryStatus(journal);
        std::cout << boost::json::serialize(status) << std::endl;
        return status.at("pending").as_int64() == 0 ? 0 : 3;
    } catch (const std::exception& e) {
        std::cerr << "kioskd --status: " << e.what() << std::endl;
        return 2;
    }
}

/** A fresh per-boot access token: 32 random bytes, hex. */
std::string newAccessToken() {
    unsigned char b[32];
    if (::getrandom(b, sizeof b, 0) != static_cast<ssize_t>(sizeof b)) {
        throw std::runtime_error("no random bytes for the access token (getrandom)");
    }
    std::string out;
    char h[3];
    for (const auto c : b) {
        std::snprintf(h, sizeof h, "%02x", c);
        out += h;
    }
    return out;
}

void logRecovery(const std::vector<core::RecoveryReport>& reports) {
    for (const auto& r : reports) {
        std::cout << "kioskd: recovery " << r.session << ": " << (r.recovered ? "done" : "waiting")
                  << " (" << r.queries << " queries, " << r.compensations << " compensations)"
                  << std::endl;
        for (const auto& n : r.notes) {
            std::cout << "kioskd:   " << n << std::endl;
        }
    }
}

std::unique_ptr<core::ReportPrinter> openReportPrinter(const core::KioskdConfig& cfg) {
    if (cfg.report.rfind("dir:", 0) == 0) {
        return std::make_unique<core::DirReportPrinter>(cfg.report.substr(4));
    }
    if (cfg.report.rfind("ipp://", 0) == 0 || cfg.report.rfind("ipps://", 0) == 0) {
#ifdef HC_KIOSKD_WITH_IPP
        return std::make_unique<hc::kiosk::kioskd::IppReportPrinter>(
            cfg.report, hc::kiosk::report::Hospital { cfg.hospital, "检验科", "" }, cfg.terminal);
#else
        throw core::ConfigError("report: this build has no IPP report printing");
#endif
    }
    if (cfg.report != "none" && !cfg.report.empty()) {
        throw core::ConfigError("report: expected ipp://…, dir:PATH or none, got " + cfg.report);
    }
    return nullptr;
}

std::unique_ptr<core::InsuranceService> openInsurance(const core::KioskdConfig& cfg) {
    if (cfg.settlementd.empty()) {
        return nullptr;
    }
#ifndef HC_KIOSKD_WITH_SETTLE
    throw core::ConfigError("settlementd: this build has no settlement client");
#else
    hc::settle::TerminalClientConfig tc;
    tc.endpoint = cfg.settlementd;
    tc.serverPublicKey = cfg.settlementdServerKey;
    tc.publicKey = cfg.settlementdPublicKey;
    tc.secretKey = cfg.settlementdSecretKey;
    tc.insecureTerminal = cfg.terminal;
    hc::settle::VisitRegistration visit;
    visit.insutype = cfg.insutype;
    visit.hospLv = cfg.hospLv;
    visit.medType = cfg.medType;
    visit.year = static_cast<int>(cfg.policyYear);
    visit.region = cfg.region;
    return std::make_unique<hc::kiosk::kioskd::SettleInsurance>(tc, visit);
#endif
}

/** The services and devices the engine uses, opened from the configuration. */
struct Services {
    std::unique_ptr<hc::kiosk::his::HttpHisAdapter> his;
    std::unique_ptr<core::PaymentGateway> gateway;
    std::unique_ptr<core::ReceiptPrinter> receipt;
    std::unique_ptr<core::ReportPrinter> report;
    std::unique_ptr<core::InsuranceService> insurance;
    std::shared_ptr<core::MemoryCard> fakeCard;

    explicit Services(const core::KioskdConfig& cfg) {
        const auto [hisHost, hisPort] = core::hostPort(cfg.his, "his");
        his = std::make_unique<hc::kiosk::his::HttpHisAdapter>(
            hisHost, hisPort, std::chrono::milliseconds(cfg.hisTimeoutMs));
        if (cfg.paygw != "none" && !cfg.paygw.empty()) {
            const auto [h, p] = core::hostPort(cfg.paygw, "paygw");
            gateway = std::make_unique<core::HttpPaymentGateway>(h, p);
        }
        if (cfg.receipt != "none" && !cfg.receipt.empty()) {
            receipt = std::make_unique<core::EscPosReceiptPrinter>(cfg.receipt);
        }
        report = openReportPrinter(cfg);
        insurance = openInsurance(cfg);
        if (!cfg.fakeCard.empty()) {
            fakeCard = std::make_shared<core::MemoryCard>(cfg.fakeCard,
                core::CardIdentity { cfg.fakeCardId, cfg.fakeCardId, cfg.fakeCardName },
                cfg.fakeCardBalanceFen);
        }
    }
};

core::EngineConfig engineConfig(const core::KioskdConfig& cfg) {
    core::EngineConfig ec;
    ec.terminalId = cfg.terminal;
    ec.mode = cfg.mode;
    ec.cardIssuance = cfg.cardIssuance;
    ec.reportFeeFen = cfg.reportFeeFen;
    ec.failpoint = cfg.failpoint;
    ec.staff = cfg.staff;
    ec.printedReportsFile = cfg.journal + ".printed-reports";
    ec.shiftFile = cfg.journal + ".shift";
    ec.staffPinFile = cfg.journal + ".staff-pins";
    return ec;
}

/** The reader monitor's callbacks: a card in the patient reader goes to the engine. */
core::DeviceWatcherEvents cardEvents(
    core::Engine& engine, const std::function<std::shared_ptr<core::PatientCard>()>& pcscCard) {
    core::DeviceWatcherEvents ev;
    ev.cardInserted = [&engine, pcscCard] {
        try {
            engine.cardInserted(pcscCard());
        } catch (const std::exception& e) {
            std::cerr << "kioskd: card: " << e.what() << std::endl;
            engine.cardUnreadable(e);
        }
    };
    ev.cardRemoved = [&engine] { engine.cardRemoved(); };
    ev.readerLost = [](core::ReaderLoss loss, const std::string& why) {
        std::cerr << "kioskd: reader monitor: " << why
                  << (loss == core::ReaderLoss::MonitorFailed ? " (retrying every second)" : "")
                  << std::endl;
    };
    ev.readerBack = [] { std::cerr << "kioskd: reader monitor: working again" << std::endl; };
    return ev;
}

/** Boot (journal, recovery, devices, engine), serve until SIGINT/SIGTERM. */
int runKiosk(const core::KioskdConfig& cfg, hc::StopSignals& signals) {
    hc::kiosk::Journal journal(cfg.journal);
    const auto cardKeys = core::CardKeys::loadOrCreate(cfg.siteKeyFile);
    if (const int n = cardKeys.migrateJournal(journal); n > 0) {
        std::cout << "kioskd: " << n << " journal step(s): unkeyed card key rewritten as HMAC"
                  << std::endl;
    }
    const int crashed = journal.endOpenSessionsAfterCrash();
    if (crashed > 0) {
        std::cout << "kioskd: " << crashed << " session(s) left open by a crash" << std::endl;
    }
    Services sv(cfg);
    core::RecoveryExecutor recovery(
        journal, sv.his.get(), sv.insurance.get(), sv.gateway.get(), &cardKeys);
    logRecovery(recovery.recoverAll(sv.fakeCard.get()));

    core::SystemClock clock;
    core::EngineParts parts;
    parts.journal = &journal;
    parts.his = sv.his.get();
    parts.clock = &clock;
    parts.insurance = sv.insurance.get();
    parts.gateway = sv.gateway.get();
    parts.receipt = sv.receipt.get();
    parts.report = sv.report.get();
    parts.recovery = &recovery;
    parts.cardKeys = &cardKeys;
#ifdef HC_KIOSKD_WITH_ISSUANCE
    std::unique_ptr<hc::kiosk::kioskd::KioskIssuer> blankCards;
    if (cfg.cardIssuance && !cfg.issuanceReader.empty()) {
        blankCards = std::make_unique<hc::kiosk::kioskd::KioskIssuer>(cfg, journal);
        parts.issuer = &blankCards->issuer();
    }
#else
    if (cfg.cardIssuance && !cfg.issuanceReader.empty()) {
        throw core::ConfigError("issuanceReader: this build has no card issuance");
    }
#endif
    const std::string flowDir = cfg.flows.empty() ? std::string(HC_KIOSK_FLOWS_DIR) : cfg.flows;
    core::Engine engine(core::loadFlows(flowDir, core::engineHandlers()), parts, engineConfig(cfg));

    // The SAM (health SAM unlocked, PSAM terminal id) and the purse issuer (the HSM, or the key
    // file read once) live as long as the kiosk: opened once here, reopened by KioskSam after a
    // failure, not per card.
    std::unique_ptr<core::KioskSam> sam;
    if (!sv.fakeCard) {
#ifdef HC_KIOSKD_WITH_PURSE_HSM
        auto purseIssuer = core::openHsmPurseIssuer(cfg);
#else
        auto purseIssuer = core::openPurseIssuer(cfg);
#endif
        sam = std::make_unique<core::KioskSam>(
            cfg.samReader, cfg.samPin, std::move(purseIssuer), cfg.terminal);
    }
    const auto pcscCard = [&cfg, &sam]() -> std::shared_ptr<core::PatientCard> {
        return std::make_shared<core::PcscPatientCard>(cfg.cardReader, *sam);
    };
    if (cfg.allowUiCardEvents) {
        if (sv.fakeCard) {
            engine.setUiCardSource([fakeCard = sv.fakeCard] { return fakeCard; });
        } else {
            engine.setUiCardSource(pcscCard);
        }
    }

    std::atomic<bool> stopping { false };
    std::thread ticker([&] {
        while (!stopping) {
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
            engine.tick();
        }
    });
    std::unique_ptr<core::DeviceWatcher> watcher;
    if (!sv.fakeCard) {
        watcher
            = std::make_unique<core::DeviceWatcher>(cfg.cardReader, cardEvents(engine, pcscCard));
        watcher->start();
    }

    hc::kiosk::WebServerOptions wo;
    wo.address = cfg.listen;
    wo.port = static_cast<unsigned short>(cfg.port);
    if (!cfg.docroot.empty()) {
        wo.docroot = cfg.docroot;
    }
    // A new secret every boot: the screen's launcher and local tools read it from the
    // token file (owner only); any other local process is refused.
    wo.accessToken = newAccessToken();
    core::writeSecretFile(cfg.tokenFile, wo.accessToken + "\n");
    hc::kiosk::WebServer server(engine, wo);
    server.start();
    std::cout << "kioskd: terminal " << cfg.terminal << " listening on " << server.url()
              << " (the screen opens " << server.url() << "launch?token=<" << cfg.tokenFile << ">)"
              << std::endl;
    const int sig = signals.wait();
    std::cout << "kioskd: stopping (signal " << sig << ")" << std::endl;
    stopping = true;
    server.stop();
    watcher.reset();
    ticker.join();
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    hc::ProgramOptions opts("kioskd", "kioskd options");
    declare(opts);
    if (const auto exit = opts.withVersion().quietUsageOnError().parse(argc, argv)) {
        return *exit;
    }
    core::KioskdConfig cfg;
    try {
        if (opts.has("hash-pin") || opts.has("hash-pin-sm3")) {
            printPinHash(opts.values());
            return 0;
        }
        cfg = readConfig(opts.values());
    } catch (const std::exception& e) {
        std::cerr << "kioskd: " << e.what() << std::endl;
        return 2;
    }
    if (opts.has("status")) {
        return printRecoveryStatus(cfg);
    }
    hc::StopSignals signals; // before any thread starts
    try {
        return runKiosk(cfg, signals);
    } catch (const std::exception& e) {
        std::cerr << "kioskd: " << e.what() << std::endl;
        return 1;
    }
}
