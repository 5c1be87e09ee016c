// hcperso: the issuer's command line. Batches from a CSV/JSON of residents to verified cards in
// an issuance register, and the card's lifecycle afterwards. docs/issuance.md has the manual.
//
//   hcperso prepare --input residents.csv --batch B [--rejects FILE]
//   hcperso run --batch B --readers "Virtual PCD 00 00,Virtual PCD 00 01" [--card-feeder CMD]
//   hcperso status [--batch B] [--cards]
//   hcperso verify --card NO --reader R
//   hcperso block --card NO [--reader R] [--reason TEXT]     hcperso unblock --card NO [--reader R]
//   hcperso lost --card NO                                    hcperso replace --card NO [--batch B]
//   hcperso pin-reset --card NO --reader R [--new-pin-file F | --new-pin-env VAR]
//   hcperso blocklist export [--format text|json] [--out FILE]
//   hcperso blocklist check --file F --card NO
// Common: --db sqlite:PATH | postgresql://... ; --operator NAME ; the issuer (--issuer-name,
// --issuer-code, --city-code, --card-prefix, --validity-years, --pin-policy) ; the HSM as in
// hsm-tool (--hsm-backend pkcs11|software, --hsm-module, --hsm-token, --hsm-pin-file,
// --hsm-pin-env, --hsm-store, --hsm-passphrase-file, --hsm-passphrase-env, --hsm-audit) ;
// --profile (hc-perso-profile/1 JSON; default: the compiled-in WS/T 543 profile).
// Exit status: 0 done, 1 failed (message on stderr), 2 usage, 3 run ended with cards left,
// 4 blocklist check: the card is blocked.
#include "hc/base/program_options.hpp"
#include "hc/base/stop_signals.hpp"
#include "hc/hsm/audit_log.hpp"
#include "hc/hsm/pkcs11_hsm.hpp"
#include "hc/hsm/software_hsm.hpp"
#include "hc/issuance.hpp"
#include "hc/issuance/perso_card_writer.hpp"
#include "hc/pcsc.hpp"
#include "hc/perso.hpp"
#include "hc/printer/transport_spec.hpp"
#include "progress.hpp"

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace po = boost::program_options;
using namespace hc::issuance;

namespace {

const char* kUsage = R"(usage: hcperso COMMAND [options]
commands:
  prepare --input FILE --batch B [--rejects FILE]   validate residents, allocate card numbers
  run --batch B --readers R1,R2,... [--card-feeder CMD] [--card-wait S] [--max-attempts N]
      [--reverify] [--issue-date YYYYMMDD]          personalize the batch, one worker per reader
      [--pin-mailer tcp:HOST:PORT|serial:DEV[:BAUD]|file:PATH]
                                                    print each card's PIN letter (ESC/POS)
  status [--batch B] [--cards]                      counts per batch (and the cards)
  verify --card NO --reader R                       read a card back against the register
  block --card NO [--reader R] [--reason TEXT]      block (register + card when --reader)
  unblock --card NO [--reader R]                    unblock (card first, then the register)
  lost --card NO                                    report a card lost
  replace --card NO [--batch B]                     lost card -> new card number (run B after)
  pin-reset --card NO --reader R [--new-pin-file F | --new-pin-env VAR]
  blocklist export [--format text|json] [--out FILE]
  blocklist check --file F --card NO                exit 4 when the card is on the list
common: --db sqlite:PATH|postgresql://URI (default sqlite:hc-issuance.db) --operator NAME
  issuer: --issuer-name --issuer-code --city-code --card-prefix --validity-years
          --pin-policy generated|fixed:DIGITS|id-last6   --profile PERSO-PROFILE.json
  HSM (as hsm-tool): --hsm-backend pkcs11|software --hsm-module --hsm-token --hsm-pin-file
          --hsm-pin-env --hsm-store --hsm-passphrase-file --hsm-passphrase-env --hsm-audit
)";

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string str(const po::variables_map& vm, const char* key) {
    return vm.count(key) ? vm[key].as<std::string>() : std::string();
}

std::string need(const po::variables_map& vm, const char* key) {
    if (!vm.count(key) || vm[key].as<std::string>().empty()) {
        throw UsageError(std::string("--") + key + " is required");
    }
    return vm[key].as<std::string>();
}

bool stdoutIsTty() {
    return ::isatty(STDOUT_FILENO) == 1;
}

void emit(const boost::json::object& o) {
    std::cout << boost::json::serialize(o) << std::endl;
}

IssuerProfile issuerFrom(const po::variables_map& vm) {
    IssuerProfile p;
    if (vm.count("issuer-name")) {
        p.issuerName = str(vm, "issuer-name");
    }
    if (vm.count("issuer-code")) {
        p.issuerCode = str(vm, "issuer-code");
    }
    if (vm.count("city-code")) {
        p.cityCode = str(vm, "city-code");
    }
    p.cardNumberPrefix = vm.count("card-prefix") ? str(vm, "card-prefix") : p.cityCode;
    p.validityYears = vm["validity-years"].as<int>();
    p.pinPolicy = str(vm, "pin-policy");
    p.initialPin({}); // checks the policy's syntax (id-last6 needs a record: checked per card)
    return p;
}

std::unique_ptr<IssuanceRegister> openReg(const po::variables_map& vm) {
    return openRegister(str(vm, "db"), issuerFrom(vm).cardNumberPrefix);
}

hc::hsm::SecretSource secretFrom(
    const po::variables_map& vm, const char* fileOpt, const char* envOpt, const char* defaultEnv) {
    if (vm.count(fileOpt)) {
        return hc::hsm::SecretSource::fromFile(str(vm, fileOpt));
    }
    if (vm.count(envOpt)) {
        return hc::hsm::SecretSource::fromEnvironment(str(vm, envOpt));
    }
    return hc::hsm::SecretSource::fromEnvironment(defaultEnv);
}

std::unique_ptr<hc::hsm::Hsm> openHsm(const po::variables_map& vm) {
    const std::string backend = str(vm, "hsm-backend");
    std::unique_ptr<hc::hsm::Hsm> hsm;
    if (backend == "software") {
        hc::hsm::SoftwareHsmOptions o;
        o.storePath = need(vm, "hsm-store");
        o.passphrase
            = secretFrom(vm, "hsm-passphrase-file", "hsm-passphrase-env", "HC_HSM_PASSPHRASE");
        hsm = std::make_unique<hc::hsm::SoftwareHsm>(o);
    } else if (backend == "pkcs11") {
        hc::hsm::Pkcs11Options o;
        o.modulePath = str(vm, "hsm-module");
        o.tokenLabel = str(vm, "hsm-token");
        o.userPin = secretFrom(vm, "hsm-pin-file", "hsm-pin-env", "HC_HSM_PIN");
        hsm = std::make_unique<hc::hsm::Pkcs11Hsm>(o);
    } else {
        throw UsageError("--hsm-backend is pkcs11 or software");
    }
    if (vm.count("hsm-audit")) {
        hsm->setAuditLog(
            std::make_shared<hc::hsm::AuditLog>(str(vm, "hsm-audit"), str(vm, "operator")));
    }
    return hsm;
}

hc::perso::PersoProfile persoProfile(const po::variables_map& vm) {
    return vm.count("profile") ? hc::perso::PersoProfile::load(str(vm, "profile"))
                               : hc::perso::PersoProfile::defaultProfile();
}

/** The HSM, the engine and a card writer, for the commands that touch a card. */
struct CardSide {
    std::unique_ptr<hc::hsm::Hsm> hsm;
    std::unique_ptr<hc::perso::Personalizer> perso;
    explicit CardSide(const po::variables_map& vm)
        : hsm(openHsm(vm))
        , perso(std::make_unique<hc::perso::Personalizer>(*hsm, persoProfile(vm))) { }
};

std::vector<std::string> splitReaders(const std::string& s) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        if (c == ',') {
            if (!cur.empty()) {
                out.push_back(cur);
            }
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    if (!cur.empty()) {
        out.push_back(cur);
    }
    return out;
}

int cmdPrepare(const po::variables_map& vm) {
    const std::string input = need(vm, "input");
    const std::string batch = need(vm, "batch");
    const std::string rejectsPath
        = vm.count("rejects") ? str(vm, "rejects") : input + ".rejects.csv";
    auto reg = openReg(vm);
    const auto prepared = validateBatch(
        readResidentFile(input), [&](const std::string& id) { return reg->activeCardOf(id); });
    writeRejectFile(rejectsPath, prepared.rejects);
    std::vector<std::pair<std::size_t, ResidentRecord>> records;
    for (const auto& a : prepared.accepted) {
        records.emplace_back(a.row, a.record);
    }
    std::size_t allocated = 0;
    if (!records.empty()) {
        allocated = reg->createBatch(batch, records, str(vm, "operator"), input).size();
    }
    boost::json::object o;
    o["event"] = "prepared";
    o["batch"] = batch;
    o["rows"] = prepared.rowsRead;
    o["accepted"] = prepared.accepted.size();
    o["rejected"] = prepared.rowsRejected;
    o["cards_allocated"] = allocated;
    o["rejects_file"] = rejectsPath;
    emit(o);
    return records.empty() ? 1 : 0;
}

int cmdRun(const po::variables_map& vm) {
    // Before anything that may start a thread (an HSM module, the register): every thread
    // inherits the blocked SIGINT/SIGTERM, which only the watcher below then takes. The card
    // feeder gets a clean signal state from the runner (BatchRunner::feed).
    hc::StopSignals signals;
    RunOptions o;
    o.batch = need(vm, "batch");
    o.readers = splitReaders(need(vm, "readers"));
    o.operatorId = str(vm, "operator");
    o.issuer = issuerFrom(vm);
    o.cardFeeder = str(vm, "card-feeder");
    o.cardWait = std::chrono::milliseconds(static_cast<long>(vm["card-wait"].as<double>() * 1000));
    o.maxAttempts = vm["max-attempts"].as<int>();
    o.issueDate = str(vm, "issue-date");
    auto reg = openReg(vm);
    if (reg->batchStatus(o.batch).residents == 0) {
        throw LifecycleError("batch '" + o.batch + "' has no cards (hcperso prepare first)");
    }
    CardSide side(vm);
    const bool reverify = vm.count("reverify") > 0;
    hc::perso::Personalizer& perso = *side.perso;
    std::unique_ptr<PinMailer> mailer;
    if (!str(vm, "pin-mailer").empty()) {
        mailer
            = std::make_unique<EscPosPinMailer>(hc::printer::makeTransport(str(vm, "pin-mailer")));
        o.pinMailer = mailer.get();
    }
    BatchRunner runner(
        *reg, [&] { return std::make_unique<PersoCardWriter>(perso, reverify, mailer.get()); }, o);

    // SIGINT/SIGTERM: no new card starts; the cards on the readers finish (the runner's stop).
    // Declared after the runner, so it ends (stop, join) before the runner goes.
    std::jthread stopper([&](std::stop_token stop) {
        while (!stop.stop_requested()) {
            if (signals.waitFor(std::chrono::milliseconds(100))) {
                runner.requestStop();
            }
        }
    });
    const auto st = reg->batchStatus(o.batch);
    hcperso::Progress progress(std::cout, stdoutIsTty(), st.prepared);
    const RunSummary summary = runner.run([&](const RunEvent& e) { progress.onEvent(e); });
    progress.finish(summary, o.batch);
    return summary.remaining == 0 ? 0 : 3;
}

boost::json::object entryJson(const CardEntry& e) {
    boost::json::object o;
    o["card_no"] = e.cardNo;
    o["seq"] = e.seq;
    o["batch"] = e.batch;
    o["row"] = e.inputRow;
    o["status"] = std::string(describe(e.status));
    o["resident"] = hc::card::health::maskIdentifier(e.resident.idNumber);
    o["chip_serial"] = e.chipSerial;
    o["attempt"] = e.attempt;
    o["apdus"] = e.apdus;
    if (!e.replaces.empty()) {
        o["replaces"] = e.replaces;
    }
    if (!e.detail.empty()) {
        o["detail"] = e.detail;
    }
    o["updated_at"] = e.updatedAt;
    o["operator"] = e.operatorId;
    return o;
}

int cmdStatus(const po::variables_map& vm) {
    auto reg = openReg(vm);
    std::vector<std::string> batches
        = vm.count("batch") ? std::vector { str(vm, "batch") } : reg->batches();
    for (const auto& b : batches) {
        const auto s = reg->batchStatus(b);
        boost::json::object o;
        o["batch"] = b;
        o["residents"] = s.residents;
        o["prepared"] = s.prepared;
        o["claimed"] = s.claimed;
        o["personalized"] = s.personalized;
        o["verified"] = s.verified;
        o["issued"] = s.issued;
        o["failed"] = s.failed;
        o["lost"] = s.lost;
        o["blocked"] = s.blocked;
        o["replaced"] = s.replaced;
        emit(o);
        if (vm.count("cards")) {
            for (const auto& e : reg->list(b)) {
                emit(entryJson(e));
            }
        }
    }
    return 0;
}

CardEntry mustFind(IssuanceRegister& reg, const std::string& cardNo) {
    auto e = reg.find(cardNo);
    if (!e) {
        throw LifecycleError(
            "card " + hc::card::health::maskIdentifier(cardNo) + " is not in the register");
    }
    return *e;
}

int cmdVerify(const po::variables_map& vm) {
    const std::string cardNo = need(vm, "card");
    const std::string reader = need(vm, "reader");
    auto reg = openReg(vm);
    const auto e = mustFind(*reg, cardNo);
    CardSide side(vm);
    hc::pcsc::PcscCard card(reader);
    hc::pcsc::PcscCard::Transaction tx(card);
    const auto chip = side.perso->probe(card);
    CardJob job;
    job.cardNo = e.cardNo;
    job.resident = e.resident;
    job.issuer = issuerFrom(vm);
    auto expected = persoInputOf(job).resident;
    expected.identity.card.cardNumber = e.cardNo;
    expected.identity.card.chipSerial = e.chipSerial;
    // The register holds the holder, phone, address, card number and chip; other fields on the
    // card (dates, security code, issuer) are not compared here.
    std::vector<std::string> diffs;
    if (chip.chipSerial != e.chipSerial) {
        diffs.push_back("chip_serial");
    }
    if (diffs.empty()) {
        for (const auto& m : side.perso->verify(card, expected)) {
            const bool tracked = m.field.rfind("holder.", 0) == 0 || m.field == "validity.phone1"
                || m.field.rfind("address.", 0) == 0 || m.field == "card.card_number";
            if (tracked) {
                diffs.push_back(m.field);
            }
        }
    }
    boost::json::object o;
    o["event"] = "verify";
    o["card_no"] = cardNo;
    o["status"] = std::string(describe(e.status));
    o["card_state"] = std::string(hc::perso::describe(chip.state));
    o["equal"] = diffs.empty();
    boost::json::array a;
    for (const auto& d : diffs) {
        a.push_back(boost::json::string(d));
    }
    o["mismatches"] = std::move(a);
    emit(o);
    return diffs.empty() ? 0 : 1;
}

int cmdLifecycle(const std::string& cmd, const po::variables_map& vm) {
    const std::string cardNo = need(vm, "card");
    const std::string op = str(vm, "operator");
    auto reg = openReg(vm);
    std::unique_ptr<CardSide> side;
    std::unique_ptr<PersoCardWriter> writer;
    CardAccess access;
    if (vm.count("reader") && cmd != "lost" && cmd != "replace") {
        side = std::make_unique<CardSide>(vm);
        writer = std::make_unique<PersoCardWriter>(*side->perso);
        access = { writer.get(), str(vm, "reader") };
    }
    boost::json::object o;
    o["event"] = cmd;
    o["card_no"] = cardNo;
    if (cmd == "block") {
        blockCard(*reg, cardNo, vm.count("reason") ? str(vm, "reason") : "blocked by the issuer",
            op, access);
    } else if (cmd == "unblock") {
        unblockCard(*reg, cardNo, op, access);
    } else if (cmd == "lost") {
        reportLost(*reg, cardNo, op);
    } else if (cmd == "replace") {
        const auto e = mustFind(*reg, cardNo);
        if (e.status == CardStatus::Issued || e.status == CardStatus::Blocked) {
            reportLost(*reg, cardNo, op);
        }
        const std::string batch = vm.count("batch") ? str(vm, "batch") : "replace-" + todayYmd();
        const auto fresh = replaceCard(*reg, cardNo, batch, op);
        o["replacement"] = fresh.cardNo;
        o["batch"] = batch;
    } else if (cmd == "pin-reset") {
        if (!access.writer) {
            throw UsageError("pin-reset needs --reader");
        }
        std::string pin;
        if (vm.count("new-pin-file") || vm.count("new-pin-env")) {
            pin = secretFrom(vm, "new-pin-file", "new-pin-env", "HC_NEW_PIN").read();
        } else if (side->perso->profile().pin.source == hc::perso::PinSource::Given) {
            throw UsageError("the PIN policy gives PINs: pass --new-pin-file or --new-pin-env");
        }
        resetPin(*reg, cardNo, pin, op, access);
        std::fill(pin.begin(), pin.end(), '\0');
    }
    o["status"] = std::string(describe(mustFind(*reg, cardNo).status));
    emit(o);
    return 0;
}

int cmdBlocklist(const std::string& sub, const po::variables_map& vm) {
    if (sub == "export") {
        auto reg = openReg(vm);
        const auto bl = exportBlocklist(*reg);
        const std::string fmt = vm.count("format") ? str(vm, "format") : "text";
        if (fmt != "text" && fmt != "json") {
            throw UsageError("--format is text or json");
        }
        const std::string body = fmt == "json" ? bl.toJson() : bl.toText();
        if (vm.count("out")) {
            const std::string path = str(vm, "out");
            const std::string tmp = path + ".tmp";
            {
                std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
                f << body;
                if (!f.flush()) {
                    throw hc::Error("cannot write " + tmp, hc::NextStep::CheckConfiguration);
                }
            }
            std::filesystem::rename(tmp, path);
            boost::json::object o;
            o["event"] = "blocklist";
            o["version"] = bl.version;
            o["entries"] = bl.entries.size();
            o["sm3"] = bl.digest();
            o["file"] = path;
            emit(o);
        } else {
            std::cout << body;
        }
        return 0;
    }
    if (sub == "check") {
        std::ifstream f(need(vm, "file"), std::ios::binary);
        if (!f) {
            throw hc::InputError("cannot read " + str(vm, "file"));
        }
        std::stringstream ss;
        ss << f.rdbuf();
        const auto bl = Blocklist::parse(ss.str());
        const bool blocked = bl.isBlocked(need(vm, "card"));
        boost::json::object o;
        o["card_no"] = str(vm, "card");
        o["blocked"] = blocked;
        o["version"] = bl.version;
        emit(o);
        return blocked ? 4 : 0;
    }
    throw UsageError("blocklist export | blocklist check");
}

/** The options of every command (hcperso's usage text lists which command reads which). */
void addOptions(po::options_description_easy_init add) {
    const char* user = std::getenv("USER");
    // clang-format off
    add("db", po::value<std::string>()->default_value("sqlite:hc-issuance.db"), "register")
        ("operator", po::value<std::string>()->default_value(user ? user : "hcperso"), "operator")
        ("issuer-name", po::value<std::string>(), "")
        ("issuer-code", po::value<std::string>(), "")
        ("city-code", po::value<std::string>(), "")
        ("card-prefix", po::value<std::string>(), "")
        ("validity-years", po::value<int>()->default_value(10), "")
        ("pin-policy", po::value<std::string>()->default_value("generated"), "")
        ("profile", po::value<std::string>(), "")
        ("hsm-backend", po::value<std::string>()->default_value("pkcs11"), "")
        ("hsm-module", po::value<std::string>()->default_value(hc::hsm::defaultSoftHsmModule()), "")
        ("hsm-token", po::value<std::string>()->default_value("hc-dev"), "")
        ("hsm-pin-file", po::value<std::string>(), "")
        ("hsm-pin-env", po::value<std::string>(), "")
        ("hsm-store", po::value<std::string>(), "")
        ("hsm-passphrase-file", po::value<std::string>(), "")
        ("hsm-passphrase-env", po::value<std::string>(), "")
        ("hsm-audit", po::value<std::string>(), "")
        ("input", po::value<std::string>(), "")
        ("batch", po::value<std::string>(), "")
        ("rejects", po::value<std::string>(), "")
        ("readers", po::value<std::string>(), "")
        ("card-feeder", po::value<std::string>(), "")
        ("card-wait", po::value<double>()->default_value(30.0), "")
        ("max-attempts", po::value<int>()->default_value(3), "")
        ("reverify", "")
        ("pin-mailer", po::value<std::string>(), "")
        ("issue-date", po::value<std::string>(), "")
        ("cards", "")
        ("card", po::value<std::string>(), "")
        ("reader", po::value<std::string>(), "")
        ("reason", po::value<std::string>(), "")
        ("new-pin-file", po::value<std::string>(), "")
        ("new-pin-env", po::value<std::string>(), "")
        ("format", po::value<std::string>(), "")
        ("out", po::value<std::string>(), "")
        ("file", po::value<std::string>(), "");
    // clang-format on
}

int dispatch(const std::string& cmd, const std::string& sub, const hc::ProgramOptions& program) {
    const po::variables_map& vm = program.values();
    if (cmd == "prepare") {
        return cmdPrepare(vm);
    }
    if (cmd == "run") {
        return cmdRun(vm);
    }
    if (cmd == "status") {
        return cmdStatus(vm);
    }
    if (cmd == "verify") {
        return cmdVerify(vm);
    }
    if (cmd == "block" || cmd == "unblock" || cmd == "lost" || cmd == "replace"
        || cmd == "pin-reset") {
        return cmdLifecycle(cmd, vm);
    }
    if (cmd == "blocklist") {
        return cmdBlocklist(sub, vm);
    }
    return program.usageError("unknown command '" + cmd + "'");
}

} // namespace

int main(int argc, char** argv) {
    // The command comes first, then its options (hcperso COMMAND [options]); --help prints the
    // usage text alone (it lists every command's options).
    hc::ProgramOptions program("hcperso", "options", { "help,h", "help" });
    program.usage(kUsage, false);
    addOptions(program.add());
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
        program.printHelp(std::cout);
        return argc < 2 ? 2 : 0;
    }
    const std::string cmd = argv[1];
    int first = 2;
    std::string sub;
    if (cmd == "blocklist") {
        if (argc < 3) {
            std::cerr << "hcperso: blocklist export | blocklist check\n";
            return 2;
        }
        sub = argv[2];
        first = 3;
    }
    if (const auto exit = program.parse(argc, argv, first)) {
        return *exit;
    }
    try {
        return dispatch(cmd, sub, program);
    } catch (const UsageError& e) {
        std::cerr << "hcperso: " << e.what() << "\n";
        return 2;
    } catch (const hc::hsm::Error& e) {
        // Before hc::Error (hsm errors derive from it): they print as they always have.
        std::cerr << "hcperso: " << e.what() << "\n";
        return 1;
    } catch (const hc::Error& e) {
        std::cerr << "hcperso: " << e.what() << " (next: " << hc::describe(e.nextStep()) << ")\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "hcperso: " << e.what() << "\n";
        return 1;
    }
}
