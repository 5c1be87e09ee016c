// Emulator profile "epurse": the card side of the PBOC ED/EP electronic purse: the EP, and the
// ED (electronic deposit) when extensions.epurse.ed exists.
//
// The purse application is a DF whose name is extensions.epurse.aid (default
// A00000000386980701); its commands are answered only while that DF is selected. State lives in
// extensions.epurse and the DF's cyclic log EF (SFI 18) and is saved through CardOs::persist()
// BEFORE the answer goes out, so a card pulled after processing a DEBIT keeps the debit.
//
//   80 5C 00 kk 04            GET BALANCE                      bal4
//   80 50 00 kk 0B ...        INITIALIZE FOR LOAD              bal4 onATC2 ver1 alg1 rand4 MAC1
//   80 52 00 00 0B ...        CREDIT FOR LOAD                  TAC4            (9302 bad MAC2)
//   80 50 01 kk 0B ...        INITIALIZE FOR PURCHASE          bal4 offATC2 od3 ver1 alg1 rand4
//   80 54 01 00 0F ...        DEBIT FOR PURCHASE               TAC4 MAC2 4     (9302 bad MAC1)
//   80 5A 00 tt 02 ATC        GET TRANSACTION PROOF            MAC2 4 TAC4
//   80 50 02 01 0B ...        INITIALIZE FOR WITHDRAW (ED)     as INITIALIZE FOR PURCHASE; the
//                             DEBIT then withdraws cash (type 04)
//   80 50 04 01 07 idx term6  INITIALIZE FOR UPDATE (ED)       bal4 onATC2 od3 ver1 alg1 rand4 MAC1
//   80 58 00 00 0E ...        UPDATE OVERDRAFT LIMIT           TAC4 (key "duk"; type 07; the
//                             balance moves by new - old limit; 9401 if that goes below 0)
//   80 50 03 02 0B ...        INITIALIZE FOR CAPP PURCHASE     as INITIALIZE FOR PURCHASE
//   80 DC id (SFI<<3) Lc ..   UPDATE CAPP DATA CACHE           9000; the record of file SFI whose
//                             first byte is id (6A83 none; 6700 other length) is cached and
//                             written with the DEBIT (type 09), or dropped with the session
//
// kk = 02 EP, 01 ED; tt = the transaction type (01/05 ED, 02/06 EP). The ED keeps its own
// balance and counters in extensions.epurse.ed ({"balance", "overdraft_limit", "online_atc",
// "offline_atc"}); its GET BALANCE and INITIALIZE commands need the cardholder PIN verified
// since the last reset (6982 otherwise; VERIFY is the ISO layer's). For both purses "balance" is
// what the card reports and may spend: for an ED it includes the overdraft limit (own money =
// balance - overdraft_limit). The keys' "alg" (0 = 3DES, 4 = SM4) selects the algorithm (the
// profile switch; the card names it in its INITIALIZE answers and PSAM and issuer follow).
//
// Status words chosen where the sources are silent (see docs/epurse.md): 9401 balance too low;
// 9403 key index unknown; 6A80 a load over max_balance; 9402 counter exhausted; 6985 a commit
// without its INITIALIZE just before it, and GET TRANSACTION PROOF for a counter whose
// transaction never completed (the money did not move); 6A88 a proof older than the ones kept.
#include "hc/base/json_in.hpp"
#include "hc/card/epurse/crypto.hpp"
#include "hc/card/epurse/log_record.hpp"
#include "hc/emu/profile.hpp"

#include <boost/json.hpp>
#include <cstdint>
#include <openssl/rand.h>
#include <optional>

namespace hc::emu {
namespace {

namespace ep = hc::card::epurse;
namespace json = boost::json;
using hc::card::CommandApdu;
using hc::card::ResponseApdu;
using hc::card::StatusWord;
namespace sw = hc::card::sw;

constexpr std::size_t kProofsKept = 10;
/** Longest hex text read from the image (the card image's own limit). */
constexpr std::size_t kMaxHexDigits = 2 * 0x7FFF;

ResponseApdu status(StatusWord s) {
    return { {}, s };
}

/** The purse's fields are read through base's JsonIn; `path` names the object in errors. */
hc::JsonIn view(const json::object& o, std::string path = "extensions.epurse") {
    return hc::JsonIn(o, std::move(path));
}

/** An integer field of a purse object, `dflt` when absent or null. Any JSON integer up to
 * INT64_MAX is taken, as before; the narrowing casts at the call sites stay as they were. */
std::int64_t num(const hc::JsonIn& o, std::string_view k, std::int64_t dflt = 0) {
    return o.integerOr(k, dflt, INT64_MIN, INT64_MAX);
}
std::int64_t num(const json::object& o, std::string_view k, std::int64_t dflt = 0) {
    return num(view(o), k, dflt);
}

struct PurseKey {
    std::uint8_t index = 1;
    std::uint8_t version = 1;
    std::uint8_t algorithm = 0;
    ep::PurseAlgorithm alg = ep::PurseAlgorithm::Des3;
    hc::Bytes value;
};

/** Key `name` of extensions.epurse.keys. */
PurseKey keyOf(const json::object& purse, const char* name) {
    const auto o = view(purse).object("keys").object(name);
    PurseKey k;
    k.index = static_cast<std::uint8_t>(num(o, "index", 1));
    k.version = static_cast<std::uint8_t>(num(o, "version", 1));
    k.algorithm = static_cast<std::uint8_t>(num(o, "alg", 0));
    const auto alg = ep::purseAlgorithmOf(k.algorithm);
    if (!alg) {
        throw hc::JsonFieldError(o.at("alg"), "0 (3DES) or 4 (SM4)");
    }
    k.alg = *alg;
    k.value = o.hex("value", kMaxHexDigits);
    if (k.value.size() != 16) {
        throw hc::JsonFieldError(o.at("value"), "16-byte key");
    }
    return k;
}

class PurseHandler final : public CommandHandler {
public:
    explicit PurseHandler(CardOs& os) {
        const auto o = view(os.image().extensions, "extensions").object("epurse");
        m_aid = o.has("aid") ? o.hex("aid", kMaxHexDigits) : ep::kPurseAid;
        keyOf(o.raw(), "dpk"); // validate early
        keyOf(o.raw(), "dlk");
        keyOf(o.raw(), "dtk");
        o.objectOpt("ed"); // an object when present
    }

    std::optional<ResponseApdu> handle(CardOs& os, const CommandApdu& c) override {
        const bool purseIns = c.cla() == 0x80
            && (c.ins() == 0x50 || c.ins() == 0x52 || c.ins() == 0x54 || c.ins() == 0x5C
                || c.ins() == 0x5A || c.ins() == 0xDC || c.ins() == 0x58);
        const bool isCommit
            = c.cla() == 0x80 && (c.ins() == 0x52 || c.ins() == 0x54 || c.ins() == 0x58);
        const bool isCappUpdate
            = c.cla() == 0x80 && c.ins() == 0xDC && m_purchase && m_purchase->composite;
        if (!isCommit && !isCappUpdate && !(c.cla() == 0x80 && c.ins() == 0x50)) {
            // Anything between INITIALIZE and its commit ends the transaction.
            m_load.reset();
            m_purchase.reset();
            m_update.reset();
        }
        if (!purseIns) {
            return std::nullopt;
        }
        FileNode* df = os.currentDf();
        if (!df || df->dfName != m_aid) {
            return status(sw::ConditionsNotSatisfied);
        }
        auto& purse = os.image().extensions["epurse"].as_object();
        switch (c.ins()) {
        case 0x5C:
            if (c.p2() == static_cast<std::uint8_t>(ep::PurseKind::Ed) && !os.security().pinVerified
                && stateOf(purse, c.p2())) {
                return status(sw::SecurityStatusNotSatisfied); // the ED's balance needs the PIN
            }
            return getBalance(purse, c);
        case 0x50: {
            m_load.reset();
            m_purchase.reset();
            m_update.reset();
            if (c.p1() == 0x04 && c.p2() == static_cast<std::uint8_t>(ep::PurseKind::Ed)) {
                json::object* ed = stateOf(purse, c.p2());
                if (!ed) {
                    return status(sw::IncorrectP1P2);
                }
                if (!os.security().pinVerified) {
                    return status(sw::SecurityStatusNotSatisfied);
                }
                return initUpdate(purse, *ed, c);
            }
            if (c.p1() != 0x00 && c.p1() != 0x01
                && !(c.p1() == 0x02 && c.p2() == static_cast<std::uint8_t>(ep::PurseKind::Ed))
                && !(c.p1() == 0x03 && c.p2() == static_cast<std::uint8_t>(ep::PurseKind::Ep))) {
                return status(sw::IncorrectP1P2);
            }
            json::object* state = stateOf(purse, c.p2());
            if (!state) {
                return status(sw::IncorrectP1P2); // no such purse on this card
            }
            if (c.p2() == static_cast<std::uint8_t>(ep::PurseKind::Ed)
                && !os.security().pinVerified) {
                return status(sw::SecurityStatusNotSatisfied);
            }
            const auto kind = static_cast<ep::PurseKind>(c.p2());
            if (c.p1() == 0x00) {
                return initLoad(purse, *state, kind, c);
            }
            auto r = initPurchase(purse, *state, kind, c);
            if (m_purchase) {
                m_purchase->composite = c.p1() == 0x03;
                m_purchase->withdrawal = c.p1() == 0x02;
            }
            return r;
        }
        case 0xDC:
            return cacheCappUpdate(os, c);
        case 0x58:
            return updateLimit(os, purse, c);
        case 0x52:
            return credit(os, purse, c);
        case 0x54:
            return debit(os, purse, c);
        default:
            return proof(purse, c);
        }
    }

    void onReset(CardOs&) override {
        m_load.reset();
        m_purchase.reset();
        m_update.reset();
    }

private:
    struct CappWrite {
        FileNode* ef = nullptr;
        std::size_t index = 0;
        hc::Bytes data;
    };
    struct Pending {
        ep::PurseKind kind = ep::PurseKind::Ep;
        bool composite = false;
        bool withdrawal = false;
        std::vector<CappWrite> capp; // composite purchase: written with the DEBIT
        ep::PurseAlgorithm alg = ep::PurseAlgorithm::Des3;
        std::uint32_t amount = 0;
        ep::TerminalId terminal {};
        std::array<std::uint8_t, 4> random {};
        std::uint16_t atc = 0;
        std::uint32_t balance = 0;
        hc::Bytes sessionKey; // SESLK for a load; empty for a purchase (needs the TTSN)
    };

    /** The state object of purse P2 (01 ED, 02 EP), nullptr when the card has no such purse. */
    static json::object* stateOf(json::object& purse, std::uint8_t p2) {
        if (p2 == static_cast<std::uint8_t>(ep::PurseKind::Ep)) {
            return &purse;
        }
        if (p2 == static_cast<std::uint8_t>(ep::PurseKind::Ed)) {
            auto* ed = purse.if_contains("ed");
            return ed && ed->is_object() ? &ed->as_object() : nullptr;
        }
        return nullptr;
    }

    ResponseApdu initUpdate(json::object& purse, json::object& ed, const CommandApdu& c) {
        if (!view(purse).object("keys").has("duk")) {
            return status(sw::KeyNotFound);
        }
        const auto key = keyOf(purse, "duk");
        if (c.data().size() != 7) {
            return status(sw::WrongLength);
        }
        if (c.data()[0] != key.index) {
            return status(sw::KeyNotFound);
        }
        const auto atc = num(ed, "online_atc");
        if (atc >= 0xFFFF) {
            return status(sw::CounterLimit);
        }
        Pending p;
        p.kind = ep::PurseKind::Ed;
        p.alg = key.alg;
        std::copy_n(c.data().begin() + 1, 6, p.terminal.begin());
        p.random = random4();
        p.atc = static_cast<std::uint16_t>(atc);
        p.balance = static_cast<std::uint32_t>(num(ed, "balance"));
        p.amount = static_cast<std::uint32_t>(num(ed, "overdraft_limit")); // the old limit
        p.sessionKey = ep::loadSessionKey(key.value, p.random, p.atc, p.alg);
        const auto mac1 = ep::overdraftMac1(p.sessionKey, p.balance, p.amount, p.terminal, p.alg);
        hc::Bytes d;
        hc::appendBigEndian(d, p.balance, 4);
        hc::appendBigEndian(d, p.atc, 2);
        hc::appendBigEndian(d, p.amount, 3);
        d.push_back(key.version);
        d.push_back(key.algorithm);
        d.insert(d.end(), p.random.begin(), p.random.end());
        d.insert(d.end(), mac1.begin(), mac1.end());
        m_update = std::move(p);
        return { d, sw::Ok };
    }

    ResponseApdu updateLimit(CardOs& os, json::object& purse, const CommandApdu& c) {
        if (!m_update || c.p1() != 0x00 || c.p2() != 0x00) {
            m_update.reset();
            return status(sw::ConditionsNotSatisfied);
        }
        const Pending p = std::move(*m_update);
        m_update.reset();
        if (c.data().size() != 14) {
            return status(sw::WrongLength);
        }
        const hc::ByteView d(c.data());
        const auto newLimit = static_cast<std::uint32_t>(hc::readBigEndian(d.subspan(0, 3)));
        const auto when = timeOf(d.subspan(3, 7));
        const auto mac2 = ep::overdraftMac2(p.sessionKey, newLimit, p.terminal, when, p.alg);
        if (!ep::sameMac(mac2, d.subspan(10, 4))) {
            return status(sw::MacInvalid);
        }
        const std::int64_t after
            = static_cast<std::int64_t>(p.balance) - p.amount + static_cast<std::int64_t>(newLimit);
        if (after < 0) {
            return status(sw::InsufficientBalance);
        }
        const auto dtk = keyOf(purse, "dtk");
        const auto tac = ep::overdraftTac(
            dtk.value, static_cast<std::uint32_t>(after), p.atc, newLimit, p.terminal, when, p.alg);
        auto& ed = *stateOf(purse, static_cast<std::uint8_t>(ep::PurseKind::Ed));
        ed["balance"] = after;
        ed["overdraft_limit"] = newLimit;
        ed["online_atc"] = p.atc + 1;
        keepProof(purse, ep::txtype::OverdraftUpdate, p.atc, mac2, tac);
        appendLog(os, { p.atc, newLimit, newLimit, ep::txtype::OverdraftUpdate, p.terminal, when });
        os.persist(); // on disk before the answer
        return { hc::Bytes(tac.begin(), tac.end()), sw::Ok };
    }

    ResponseApdu cacheCappUpdate(CardOs& os, const CommandApdu& c) {
        if (!m_purchase || !m_purchase->composite) {
            m_purchase.reset();
            return status(sw::ConditionsNotSatisfied);
        }
        const auto sfi = static_cast<std::uint8_t>(c.p2() >> 3);
        if ((c.p2() & 0x07) != 0 || sfi == 0) {
            m_purchase.reset();
            return status(sw::IncorrectP1P2);
        }
        for (auto& child : os.currentDf()->children) {
            if (child->isDf() || child->sfi != sfi || child->records.empty()) {
                continue;
            }
            for (std::size_t i = 0; i < child->records.size(); ++i) {
                const auto& rec = child->records[i];
                if (rec.empty() || rec[0] != c.p1()) {
                    continue;
                }
                const bool fixed = child->type != FileType::LinearVariable;
                if (c.data().empty() || (fixed && c.data().size() != rec.size())
                    || c.data().size() > child->recordSize || c.data()[0] != c.p1()) {
                    m_purchase.reset();
                    return status(sw::WrongLength);
                }
                m_purchase->capp.push_back({ child.get(), i, c.data() });
                return status(sw::Ok);
            }
        }
        m_purchase.reset();
        return status(sw::RecordNotFound);
    }

    static ResponseApdu getBalance(json::object& purse, const CommandApdu& c) {
        json::object* state = c.p1() == 0x00 ? stateOf(purse, c.p2()) : nullptr;
        if (!state) {
            return status(sw::IncorrectP1P2);
        }
        hc::Bytes d;
        hc::appendBigEndian(d, static_cast<std::uint64_t>(num(*state, "balance")), 4);
        return { d, sw::Ok };
    }

    static std::array<std::uint8_t, 4> random4() {
        std::array<std::uint8_t, 4> r {};
        if (RAND_bytes(r.data(), 4) != 1) {
            throw std::runtime_error("RAND_bytes failed");
        }
        return r;
    }

    std::optional<Pending> parseInit(const CommandApdu& c, const PurseKey& key, StatusWord& err) {
        if (c.data().size() != 11) {
            err = sw::WrongLength;
            return std::nullopt;
        }
        if (c.data()[0] != key.index) {
            err = sw::KeyNotFound;
            return std::nullopt;
        }
        Pending p;
        p.alg = key.alg;
        p.amount
            = static_cast<std::uint32_t>(hc::readBigEndian(hc::ByteView(c.data()).subspan(1, 4)));
        std::copy_n(c.data().begin() + 5, 6, p.terminal.begin());
        p.random = random4();
        return p;
    }

    ResponseApdu initLoad(
        json::object& purse, json::object& state, ep::PurseKind kind, const CommandApdu& c) {
        const auto key = keyOf(purse, "dlk");
        StatusWord err;
        auto p = parseInit(c, key, err);
        if (!p) {
            return status(err);
        }
        p->kind = kind;
        const auto balance = num(state, "balance");
        const auto atc = num(state, "online_atc");
        if (atc >= 0xFFFF) {
            return status(sw::CounterLimit);
        }
        // The limit is on own money: the reported balance includes the overdraft limit.
        if (balance - num(state, "overdraft_limit") + p->amount
            > num(purse, "max_balance", ep::kDefaultMaxBalanceFen)) {
            return status(sw::IncorrectData);
        }
        p->atc = static_cast<std::uint16_t>(atc);
        p->balance = static_cast<std::uint32_t>(balance);
        p->sessionKey = ep::loadSessionKey(key.value, p->random, p->atc, p->alg);
        const auto mac1 = ep::loadMac1(
            p->sessionKey, p->balance, { p->amount, ep::loadType(kind), p->terminal, {} }, p->alg);
        hc::Bytes d;
        hc::appendBigEndian(d, p->balance, 4);
        hc::appendBigEndian(d, p->atc, 2);
        d.push_back(key.version);
        d.push_back(key.algorithm);
        d.insert(d.end(), p->random.begin(), p->random.end());
        d.insert(d.end(), mac1.begin(), mac1.end());
        m_load = std::move(p);
        return { d, sw::Ok };
    }

    ResponseApdu initPurchase(
        json::object& purse, json::object& state, ep::PurseKind kind, const CommandApdu& c) {
        const auto key = keyOf(purse, "dpk");
        StatusWord err;
        auto p = parseInit(c, key, err);
        if (!p) {
            return status(err);
        }
        p->kind = kind;
        const auto balance = num(state, "balance");
        const auto atc = num(state, "offline_atc");
        const auto overdraft = num(state, "overdraft_limit");
        if (atc >= 0xFFFF) {
            return status(sw::CounterLimit);
        }
        if (p->amount > balance) {
            return status(sw::InsufficientBalance);
        }
        p->atc = static_cast<std::uint16_t>(atc);
        p->balance = static_cast<std::uint32_t>(balance);
        hc::Bytes d;
        hc::appendBigEndian(d, p->balance, 4);
        hc::appendBigEndian(d, p->atc, 2);
        hc::appendBigEndian(d, static_cast<std::uint64_t>(overdraft), 3);
        d.push_back(key.version);
        d.push_back(key.algorithm);
        d.insert(d.end(), p->random.begin(), p->random.end());
        m_purchase = std::move(p);
        return { d, sw::Ok };
    }

    static void appendLog(CardOs& os, const ep::LogRecord& rec) {
        for (auto& child : os.currentDf()->children) {
            if (!child->isDf() && child->sfi == 0x18) {
                child->records.insert(child->records.begin(), rec.encode());
                if (child->maxRecords && child->records.size() > child->maxRecords) {
                    child->records.resize(child->maxRecords);
                }
                return;
            }
        }
    }

    static void keepProof(json::object& purse, std::uint8_t type, std::uint16_t atc,
        const ep::Mac4& mac2, const ep::Mac4& tac) {
        auto& proofs = purse["proofs"];
        if (!proofs.is_array()) {
            proofs = json::array();
        }
        auto& a = proofs.as_array();
        a.insert(a.begin(),
            json::object { { "type", type }, { "atc", atc }, { "mac2", hc::toHex(mac2) },
                { "tac", hc::toHex(tac) } });
        if (a.size() > kProofsKept) {
            a.resize(kProofsKept);
        }
    }

    static ep::TransactionTime timeOf(hc::ByteView d) {
        ep::TransactionTime t;
        std::copy_n(d.begin(), 4, t.date.begin());
        std::copy_n(d.begin() + 4, 3, t.time.begin());
        return t;
    }

    ResponseApdu credit(CardOs& os, json::object& purse, const CommandApdu& c) {
        if (!m_load) {
            return status(sw::ConditionsNotSatisfied);
        }
        const Pending p = std::move(*m_load);
        m_load.reset();
        if (c.data().size() != 11) {
            return status(sw::WrongLength);
        }
        const hc::ByteView d(c.data());
        const auto type = ep::loadType(p.kind);
        const ep::PurseFields f { p.amount, type, p.terminal, timeOf(d) };
        const auto mac2 = ep::loadMac2(p.sessionKey, f, p.alg);
        if (!ep::sameMac(mac2, d.subspan(7, 4))) {
            return status(sw::MacInvalid);
        }
        const auto dtk = keyOf(purse, "dtk");
        const std::uint32_t after = p.balance + p.amount;
        const auto tac = ep::loadTac(dtk.value, after, p.atc, f, p.alg);
        auto& state = *stateOf(purse, static_cast<std::uint8_t>(p.kind));
        state["balance"] = after;
        state["online_atc"] = p.atc + 1;
        keepProof(purse, type, p.atc, mac2, tac);
        appendLog(os,
            { p.atc, static_cast<std::uint32_t>(num(state, "overdraft_limit")), p.amount, type,
                p.terminal, f.when });
        os.persist(); // on disk before the answer
        return { hc::Bytes(tac.begin(), tac.end()), sw::Ok };
    }

    ResponseApdu debit(CardOs& os, json::object& purse, const CommandApdu& c) {
        if (!m_purchase || c.p1() != 0x01 || c.p2() != 0x00) {
            m_purchase.reset();
            return status(sw::ConditionsNotSatisfied);
        }
        const Pending p = std::move(*m_purchase);
        m_purchase.reset();
        if (c.data().size() != 15) {
            return status(sw::WrongLength);
        }
        const hc::ByteView d(c.data());
        const auto ttsn = static_cast<std::uint32_t>(hc::readBigEndian(d.subspan(0, 4)));
        const auto type = p.composite ? ep::txtype::CompositePurchase
            : p.withdrawal            ? ep::txtype::EdWithdraw
                                      : ep::purchaseType(p.kind);
        const ep::PurseFields f { p.amount, type, p.terminal, timeOf(d.subspan(4, 7)) };
        const auto dpk = keyOf(purse, "dpk");
        const auto sespk = ep::purchaseSessionKey(dpk.value, p.random, p.atc, ttsn, p.alg);
        if (!ep::sameMac(ep::purchaseMac1(sespk, f, p.alg), d.subspan(11, 4))) {
            return status(sw::MacInvalid);
        }
        auto& state = *stateOf(purse, static_cast<std::uint8_t>(p.kind));
        const auto balance = num(state, "balance");
        if (p.amount > balance) {
            return status(sw::InsufficientBalance);
        }
        const auto mac2 = ep::purchaseMac2(sespk, p.amount, p.alg);
        const auto dtk = keyOf(purse, "dtk");
        const auto tac = ep::purchaseTac(dtk.value, f, ttsn, p.alg);
        state["balance"] = balance - p.amount;
        state["offline_atc"] = p.atc + 1;
        for (const auto& w : p.capp) {
            w.ef->records[w.index] = w.data; // with the debit, in the same save
        }
        keepProof(purse, type, p.atc, mac2, tac);
        appendLog(os,
            { p.atc, static_cast<std::uint32_t>(num(state, "overdraft_limit")), p.amount, type,
                p.terminal, f.when });
        os.persist(); // on disk before the answer: "tear after 54" keeps the debit
        hc::Bytes out(tac.begin(), tac.end());
        out.insert(out.end(), mac2.begin(), mac2.end());
        return { out, sw::Ok };
    }

    static ResponseApdu proof(json::object& purse, const CommandApdu& c) {
        const bool ed = c.p2() == ep::txtype::EdLoad || c.p2() == ep::txtype::EdPurchase
            || c.p2() == ep::txtype::EdWithdraw || c.p2() == ep::txtype::OverdraftUpdate;
        const bool capp = c.p2() == ep::txtype::CompositePurchase;
        const bool load = c.p2() == ep::txtype::EdLoad || c.p2() == ep::txtype::EpLoad
            || c.p2() == ep::txtype::OverdraftUpdate;
        json::object* state
            = stateOf(purse, static_cast<std::uint8_t>(ed ? ep::PurseKind::Ed : ep::PurseKind::Ep));
        if (c.p1() != 0x00 || !state
            || (!ed && !capp && c.p2() != ep::txtype::EpLoad && c.p2() != ep::txtype::EpPurchase)) {
            return status(sw::IncorrectP1P2);
        }
        if (c.data().size() != 2) {
            return status(sw::WrongLength);
        }
        const auto atc = static_cast<std::int64_t>(hc::readBigEndian(c.data()));
        if (const auto* proofs = purse.if_contains("proofs"); proofs && proofs->is_array()) {
            for (std::size_t i = 0; i < proofs->as_array().size(); ++i) {
                const hc::JsonIn o(
                    proofs->as_array()[i], "extensions.epurse.proofs[" + std::to_string(i) + "]");
                if (num(o, "type") == c.p2() && num(o, "atc") == atc) {
                    hc::Bytes d = o.hex("mac2", kMaxHexDigits);
                    const auto t = o.hex("tac", kMaxHexDigits);
                    d.insert(d.end(), t.begin(), t.end());
                    return { d, sw::Ok };
                }
            }
        }
        const auto counter = num(*state, load ? "online_atc" : "offline_atc");
        return status(atc < counter ? sw::ReferencedDataNotFound : sw::ConditionsNotSatisfied);
    }

    hc::Bytes m_aid;
    std::optional<Pending> m_load;
    std::optional<Pending> m_purchase;
    std::optional<Pending> m_update; // INITIALIZE FOR UPDATE (ED overdraft limit) until 80 58
};

const ProfileRegistrar registrar(
    "epurse", [](CardOs& os) { return std::make_shared<PurseHandler>(os); });

} // namespace
} // namespace hc::emu
