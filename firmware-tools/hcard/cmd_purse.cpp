// hcard balance | purchase --amount FEN | load --amount FEN | log: the PBOC ED/EP e-purse.
//
//   --psam R            reader of the PSAM card (name or index); default: the first other
//                       reader with a card
//   --issuer-keys FILE  (load) development issuer key file (hc-purse-issuer-keys/1), or
//   --purse-hsm pkcs11|software [--purse-hsm-token LABEL ...]  (load) the issuer's HSM, as
//                       kioskd's purseHsm: see purse_issuer.hpp for its options
//   --terminal HEX      (load) 6-byte terminal id; default: the PSAM's
//   --journal FILE      the pending transaction is written here before the commit and removed
//                       after a clear outcome; a pending one found there is settled first
//   --ed                the electronic deposit (ED) instead of the purse (EP); needs --pin
//   --pin PIN           cardholder PIN, verified before the ED command ("-" reads stdin, so the
//                       PIN need not appear in the process list); a wrong PIN exits 1
//
// Exit codes: 0 done, 1 declined or card error, 2 bad input, 3 outcome unknown (settle with the
// same --journal on the next contact).
#include "hc/base/file_replace.hpp"
#include "hc/card/epurse/purse_client.hpp"
#include "hc/card/error.hpp"
#include "hc/pcsc.hpp"
#include "hcard.hpp"
#include "purse_issuer.hpp"

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace hc::tool {

namespace {

namespace ep = hc::card::epurse;

struct PurseArgs {
    std::int64_t amount = 0;
    std::string psam;
    PurseIssuerOptions issuer;
    std::string terminal;
    std::string journal;
    std::size_t max = 10;
    bool ed = false;
    std::string pin;
};

PurseArgs parseArgs(const std::vector<std::string>& args, bool needAmount) {
    PurseArgs a;
    bool haveAmount = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        auto value = [&]() -> std::string {
            if (i + 1 >= args.size()) {
                throw hc::InputError(args[i] + " needs a value");
            }
            return args[++i];
        };
        const auto& k = args[i];
        if (k == "--amount") {
            const auto v = value();
            if (v.empty() || v.size() > 10
                || v.find_first_not_of("0123456789") != std::string::npos) {
                throw hc::InputError(
                    "--amount: a whole number of fen (1 yuan = 100 fen), got \"" + v + "\"");
            }
            a.amount = std::stoll(v);
            haveAmount = true;
        } else if (k == "--psam") {
            a.psam = value();
        } else if (isPurseIssuerOption(k)) {
            takePurseIssuerOption(a.issuer, k, value());
        } else if (k == "--terminal") {
            a.terminal = value();
        } else if (k == "--journal") {
            a.journal = value();
        } else if (k == "--ed") {
            a.ed = true;
        } else if (k == "--pin") {
            a.pin = value();
            if (a.pin == "-") {
                std::getline(std::cin, a.pin);
            }
        } else if (k == "--max") {
            a.max = static_cast<std::size_t>(std::stoul(value()));
        } else {
            throw hc::InputError("unknown argument \"" + k + "\"");
        }
    }
    if (needAmount && !haveAmount) {
        throw hc::InputError("--amount FEN is required");
    }
    if (a.ed && a.pin.empty()) {
        throw hc::InputError("--ed needs the cardholder PIN: --pin PIN (or --pin - for stdin)");
    }
    return a;
}

std::string psamReader(const std::string& spec, const std::string& cardReader) {
    if (!spec.empty()) {
        return resolveReader(spec);
    }
    hc::pcsc::Context ctx;
    for (const auto& r : ctx.listReaders()) {
        if (r == cardReader) {
            continue;
        }
        try {
            hc::pcsc::PcscCard probe(r);
            return r;
        } catch (const hc::pcsc::NoCard&) {
        } catch (const hc::pcsc::CardRemoved&) { }
    }
    throw hc::Error("no PSAM: no other reader holds a card (give --psam READER)",
        hc::NextStep::CheckConfiguration);
}

hc::card::CardChannelPtr openPsam(
    const std::string& spec, const std::string& cardReader, const CommonOptions& o) {
    CommonOptions p = o;
    p.reader = psamReader(spec, cardReader);
    p.traceFile.clear();
    return openCard(p);
}

std::optional<ep::PendingTransaction> readJournal(const std::string& path) {
    if (path.empty() || !std::filesystem::exists(path)) {
        return std::nullopt;
    }
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    if (ss.str().find_first_not_of(" \n\r\t") == std::string::npos) {
        return std::nullopt;
    }
    return ep::PendingTransaction::fromJson(ss.str());
}

void writeJournal(const std::string& path, const ep::PendingTransaction& p) {
    // On disk before the commit leaves (fsync'ed): after a power cut the next run settles it.
    try {
        hc::replaceFile(path, p.toJson() + "\n", 0644);
    } catch (const hc::FileReplaceError& e) {
        throw hc::Error(
            "cannot write journal " + path + ": " + e.what(), hc::NextStep::CheckConfiguration);
    }
}

std::string kindName(const ep::PendingTransaction& t) {
    return t.kind == ep::TxKind::Purchase ? "purchase" : "load";
}

/** What `verified` says for this outcome: a purchase's MAC2 is checked by the PSAM (the TAC can
 * only be checked by the issuer, who holds the TAC key); a load's TAC, and a TAC from a proof,
 * by the issuer keys given. */
std::string whatWasVerified(const ep::Done& d) {
    const bool purchase = d.tx.kind == ep::TxKind::Purchase && !d.byProof;
    if (purchase) {
        return d.verified ? "MAC2 verified by the PSAM; the TAC is for the issuer to verify"
                          : "MAC2 NOT verified by the PSAM (the card debited): report it";
    }
    if (d.verified) {
        return "TAC verified with the issuer keys";
    }
    return d.byProof ? "TAC not verified (no issuer keys given)"
                     : "TAC NOT verified with the issuer keys: report it";
}

int report(const CommonOptions& o, const ep::Outcome& out, const std::string& journal) {
    boost::json::object j { { "outcome", ep::outcomeName(out) } };
    int code = 0;
    if (const auto* d = std::get_if<ep::Done>(&out)) {
        j["kind"] = kindName(d->tx);
        j["amount"] = d->tx.amount;
        j["balance_before"] = d->tx.balanceBefore;
        j["balance_after"] = d->balanceAfter;
        j["atc"] = d->tx.atc;
        j["ttsn"] = d->tx.ttsn;
        j["terminal"] = hc::toHex(d->tx.terminal);
        j["tac"] = hc::toHex(d->tac);
        j["verified"] = d->verified;
        j["verified_what"] = d->tx.kind == ep::TxKind::Purchase && !d->byProof
            ? "mac2 by the psam"
            : "tac by the issuer";
        j["check"] = whatWasVerified(*d);
        j["by_proof"] = d->byProof;
    } else if (const auto* n = std::get_if<ep::Declined>(&out)) {
        j["sw"] = n->sw.hex();
        j["reason"] = n->reason;
        code = 1;
    } else {
        const auto& u = std::get<ep::Unknown>(out);
        j["cause"] = u.cause;
        j["pending"] = boost::json::parse(u.tx.toJson());
        code = 3;
    }
    if (!journal.empty() && code != 3) {
        std::filesystem::remove(journal);
    }
    if (o.json) {
        printJson(j);
        return code;
    }
    if (const auto* d = std::get_if<ep::Done>(&out)) {
        std::cout << kindName(d->tx) << (d->byProof ? " (settled by the card's proof)" : "")
                  << ": done\n"
                  << "  amount   " << ep::formatYuan(d->tx.amount) << " yuan\n"
                  << "  balance  " << ep::formatYuan(d->tx.balanceBefore) << " -> "
                  << ep::formatYuan(d->balanceAfter) << " yuan\n"
                  << "  ATC " << d->tx.atc << "  TTSN " << d->tx.ttsn << "  TAC "
                  << hc::toHex(d->tac) << "\n"
                  << "  " << whatWasVerified(*d) << "\n";
    } else if (const auto* n = std::get_if<ep::Declined>(&out)) {
        std::cout << "declined, no money moved: " << n->reason << " (SW " << n->sw.hex() << ")\n";
    } else {
        const auto& u = std::get<ep::Unknown>(out);
        std::cout << "OUTCOME UNKNOWN: " << u.cause << "\n"
                  << "  do not repeat the transaction; present the card again"
                  << (journal.empty() ? "" : " with the same --journal") << " to settle it\n"
                  << "  pending: " << u.tx.toJson() << "\n";
    }
    return code;
}

/** Settles a journaled transaction first; returns an exit code when the caller must stop. */
std::optional<int> settleJournal(
    const CommonOptions& o, ep::PurseClient& client, const PurseArgs& a, ep::PurseIssuer* issuer) {
    const auto pending = readJournal(a.journal);
    if (!pending) {
        return std::nullopt;
    }
    const auto out = client.settle(*pending, issuer);
    const int code = report(o, out, a.journal);
    if (code == 3) {
        return 3;
    }
    return std::nullopt;
}

ep::PurseClientOptions clientOptions(const CommonOptions& o, const PurseArgs& a) {
    ep::PurseClientOptions opt;
    opt.strategies = &strategyCache(o);
    opt.kind = a.ed ? ep::PurseKind::Ed : ep::PurseKind::Ep;
    if (!a.journal.empty()) {
        const auto path = a.journal;
        opt.beforeCommit = [path](const ep::PendingTransaction& p) { writeJournal(path, p); };
    }
    return opt;
}

/** Verifies the PIN for the ED; throws a card error naming the outcome (never the PIN). */
void verifyEdPin(ep::PurseClient& client, const PurseArgs& a) {
    if (!a.ed) {
        return;
    }
    const auto r = client.verifyPin(hc::Bytes(reinterpret_cast<const std::uint8_t*>(a.pin.data()),
        reinterpret_cast<const std::uint8_t*>(a.pin.data()) + a.pin.size()));
    if (r == hc::card::sw::Ok) {
        return;
    }
    const auto left = r.triesLeft();
    const std::string what = r == hc::card::sw::AuthenticationBlocked ? "PIN blocked"
        : left ? "wrong PIN, " + std::to_string(*left) + " tries left"
               : "PIN refused (SW " + r.hex() + ")";
    throw ep::PurseError("VERIFY for the electronic deposit: " + what, r);
}

int cmdBalance(const CommonOptions& o, const std::vector<std::string>& args) {
    const auto a = parseArgs(args, false);
    auto ch = openCard(o);
    ep::PurseClient client(*ch, clientOptions(o, a));
    const auto pub = client.open();
    verifyEdPin(client, a);
    const auto bal = client.balance();
    if (o.json) {
        printJson(boost::json::object { { "balance", bal }, { "serial", hc::toHex(pub.serial) } });
    } else {
        std::cout << (a.ed ? "ED balance: " : "balance: ") << ep::formatYuan(bal) << " yuan ("
                  << bal << " fen)\n";
    }
    return 0;
}

int cmdPurchase(const CommonOptions& o, const std::vector<std::string>& args) {
    const auto a = parseArgs(args, true);
    ep::checkedFen(a.amount, "--amount");
    auto ch = openCard(o);
    auto psamCh = openPsam(a.psam, ch->readerName(), o);
    ep::PsamCard psam(*psamCh);
    ep::PurseClient client(*ch, clientOptions(o, a));
    client.open();
    if (auto stop = settleJournal(o, client, a, nullptr)) {
        return *stop;
    }
    verifyEdPin(client, a);
    return report(o, client.purchase(a.amount, psam), a.journal);
}

int cmdLoad(const CommonOptions& o, const std::vector<std::string>& args) {
    const auto a = parseArgs(args, true);
    ep::checkedFen(a.amount, "--amount");
    const auto issuer = openPurseIssuer(a.issuer);
    auto ch = openCard(o);
    ep::TerminalId terminal {};
    if (!a.terminal.empty()) {
        terminal = ep::toArray<6>(hc::fromHex(a.terminal), "--terminal");
    } else {
        auto psamCh = openPsam(a.psam, ch->readerName(), o);
        terminal = ep::PsamCard(*psamCh).terminalId();
    }
    ep::PurseClient client(*ch, clientOptions(o, a));
    client.open();
    if (auto stop = settleJournal(o, client, a, issuer.get())) {
        return *stop;
    }
    verifyEdPin(client, a);
    return report(o, client.load(a.amount, terminal, *issuer), a.journal);
}

int cmdLog(const CommonOptions& o, const std::vector<std::string>& args) {
    const auto a = parseArgs(args, false);
    auto ch = openCard(o);
    ep::PurseClient client(*ch, clientOptions(o, a));
    const auto log = client.readLog(a.max);
    boost::json::array arr;
    for (const auto& r : log) {
        if (o.json) {
            arr.push_back(boost::json::object { { "atc", r.atc }, { "type", r.type },
                { "kind", r.isLoad() ? "load" : "purchase" }, { "amount", r.amount },
                { "terminal", hc::toHex(r.terminal) }, { "when", r.when.text() },
                { "purse",
                    r.type == ep::txtype::EdLoad || r.type == ep::txtype::EdPurchase
                            || r.type == ep::txtype::EdWithdraw
                            || r.type == ep::txtype::OverdraftUpdate
                        ? "ED"
                        : "EP" } });
        } else {
            std::cout << r.when.text() << "  " << (r.isLoad() ? "load    " : "purchase") << "  "
                      << ep::formatYuan(r.amount) << " yuan  ATC " << r.atc << "  terminal "
                      << hc::toHex(r.terminal) << "\n";
        }
    }
    if (o.json) {
        printJson(boost::json::object { { "log", arr } });
    } else if (log.empty()) {
        std::cout << "(no transactions)\n";
    }
    return 0;
}

const CommandRegistrar r1(
    "balance", { "balance [--ed --pin PIN]", "e-purse balance (PBOC ED/EP)", cmdBalance });
const CommandRegistrar r2("purchase",
    { "purchase --amount FEN [--psam R] [--journal F] [--ed --pin PIN]",
        "e-purse purchase with the PSAM card", cmdPurchase });
const CommandRegistrar r3("load",
    { "load --amount FEN (--issuer-keys F | --purse-hsm pkcs11|software ...) [--terminal HEX] "
      "[--journal F] [--ed --pin PIN]",
        "e-purse load (top-up), authorised by the issuer's keys or HSM", cmdLoad });
const CommandRegistrar r4(
    "log", { "log [--max N]", "e-purse transaction log, newest first", cmdLog });

} // namespace
} // namespace hc::tool
