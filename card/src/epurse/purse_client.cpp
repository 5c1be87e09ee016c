#include "hc/card/epurse/purse_client.hpp"

#include "../health/refusals.hpp"
#include "hc/card/epurse/crypto.hpp"
#include "hc/card/health/strategy.hpp"
#include "hc/card/t0_channel.hpp"

namespace hc::card::epurse {

PurseClient::PurseClient(CardChannel& card, PurseClientOptions options)
    : m_card(card)
    , m_options(std::move(options)) {
}

ResponseApdu PurseClient::send(const CommandApdu& c) {
    return transmitT0(m_card, c);
}

bool PurseClient::bySfi() {
    if (!m_kind) {
        // The whole historical bytes: purse cards carry no per-card diversifier there.
        m_kind = "purse:" + health::cardKind(m_card.atr(), health::DiversifierSpec { 0, 0 });
        auto& cache
            = m_options.strategies ? *m_options.strategies : health::StrategyCache::shared();
        if (auto s = cache.find(*m_kind)) {
            m_strategy = *s;
        }
    }
    return !m_strategy.sfi.no();
}

void PurseClient::noSfi(std::uint16_t fid, const std::string& why) {
    m_strategy.sfi = { health::Known::No, why };
    auto& cache = m_options.strategies ? *m_options.strategies : health::StrategyCache::shared();
    cache.store(*m_kind, m_strategy);
    const auto sel = send(apdu::selectFid(fid));
    if (!sel.ok()) {
        throw PurseError("SELECT EF "
                + toHex(
                    Bytes { static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid) }),
            sel.sw());
    }
}

TransactionTime PurseClient::now() const {
    return m_options.clock ? m_options.clock() : TransactionTime::nowChina();
}

template <class Answer>
std::optional<Outcome> PurseClient::commit(const CommandApdu& c, const PendingTransaction& tx,
    const char* refused, Answer (*parse)(ByteView), Answer& answer) {
    if (m_options.beforeCommit) {
        m_options.beforeCommit(tx);
    }
    // From here on the card may have committed: a lost answer is Unknown, never a retry.
    ResponseApdu r;
    try {
        r = send(c);
    } catch (const std::exception& e) {
        return Unknown { tx, e.what() };
    }
    if (!r.ok()) {
        return Declined { r.sw(), refused };
    }
    try {
        answer = parse(r.data());
    } catch (const InputError& e) {
        return Unknown { tx, e.what() };
    }
    return std::nullopt;
}

PublicData PurseClient::open() {
    m_public.reset();
    const auto sel = send(apdu::selectName(m_options.aid));
    if (!sel.ok()) {
        throw PurseError("SELECT purse application " + toHex(m_options.aid), sel.sw());
    }
    const bool sfi = bySfi();
    if (!sfi) {
        const auto ef = send(apdu::selectFid(cmd::kPublicDataFid));
        if (!ef.ok()) {
            throw PurseError("SELECT EF 0015 (public application data)", ef.sw());
        }
    }
    auto pub = send(cmd::readPublicData(sfi));
    if (sfi && health::detail::formRefused(pub.sw())) {
        noSfi(cmd::kPublicDataFid, "READ BINARY by SFI 21 (EF 0015) answered " + pub.sw().hex());
        pub = send(cmd::readPublicData(false));
    }
    if (!pub.ok()) {
        throw PurseError("READ BINARY EF 0015 (public application data)", pub.sw());
    }
    m_public = parsePublicData(pub.data());
    return *m_public;
}

const PublicData& PurseClient::publicData() {
    if (!m_public) {
        open();
    }
    return *m_public;
}

StatusWord PurseClient::verifyPin(ByteView pin) {
    publicData();
    return send(cmd::verifyPin(pin)).sw();
}

std::int64_t PurseClient::balance() {
    publicData();
    const auto r = send(cmd::getBalance(m_options.kind));
    if (!r.ok()) {
        throw PurseError("GET BALANCE", r.sw());
    }
    return parseBalance(r.data());
}

Outcome PurseClient::purchase(std::int64_t amountFen, Psam& psam) {
    return purchaseImpl(amountFen, psam, nullptr);
}

Outcome PurseClient::withdraw(std::int64_t amountFen, Psam& psam) {
    if (m_options.kind != PurseKind::Ed) {
        throw InputError("cash withdrawal: only from the ED (PurseClientOptions::kind = Ed)");
    }
    return purchaseImpl(amountFen, psam, nullptr, true);
}

Outcome PurseClient::compositePurchase(
    std::int64_t amountFen, Psam& psam, const std::vector<CappUpdate>& updates) {
    if (m_options.kind != PurseKind::Ep) {
        throw InputError("composite purchase: only on the EP (PBOC CAPP)");
    }
    return purchaseImpl(amountFen, psam, &updates);
}

Outcome PurseClient::purchaseImpl(
    std::int64_t amountFen, Psam& psam, const std::vector<CappUpdate>* updates, bool withdrawal) {
    const std::uint32_t amount = checkedFen(amountFen, "purchase amount");
    const CardSerial card = publicData().diversifier();
    const TerminalId terminal = psam.terminalId();
    const auto initR = send(updates
            ? cmd::initializeForCappPurchase(m_options.purchaseKeyIndex, amount, terminal)
            : withdrawal ? cmd::initializeForWithdraw(m_options.purchaseKeyIndex, amount, terminal)
                         : cmd::initializeForPurchase(
                             m_options.purchaseKeyIndex, amount, terminal, m_options.kind));
    if (!initR.ok()) {
        return Declined { initR.sw(), "INITIALIZE FOR PURCHASE refused by the card" };
    }
    const auto init = parseInitPurchase(initR.data());
    if (updates) {
        for (const auto& u : *updates) {
            const auto r = send(cmd::updateCappDataCache(u));
            if (!r.ok()) {
                return Declined { r.sw(), "UPDATE CAPP DATA CACHE refused by the card" };
            }
        }
    }
    const std::uint8_t type = updates ? txtype::CompositePurchase
        : withdrawal                  ? txtype::EdWithdraw
                                      : purchaseType(m_options.kind);
    PendingTransaction tx { .kind = TxKind::Purchase,
        .type = type,
        .atc = init.offlineAtc,
        .amount = amount,
        .balanceBefore = init.balance,
        .terminal = terminal,
        .when = now(),
        .card = card,
        .keyVersion = init.keyVersion };

    PsamMac1Request req { init.random, init.offlineAtc, amount, type, tx.when, init.keyVersion,
        init.algorithm, card };
    PsamMac1Response m1;
    try {
        m1 = psam.mac1(req);
    } catch (const PsamRefused& e) {
        return Declined { e.sw(), e.what() };
    }
    tx.ttsn = m1.ttsn;

    DebitResponse dr;
    if (auto failed = commit(cmd::debitForPurchase(m1.ttsn, tx.when, m1.mac1), tx,
            "DEBIT FOR PURCHASE refused by the card", parseDebit, dr)) {
        return *failed;
    }
    bool verified = false;
    try {
        verified = psam.verifyMac2(dr.mac2);
    } catch (const std::exception&) {
        verified = false; // the card has debited: report Done, unverified
    }
    return Done { tx, tx.balanceBefore - tx.amount, dr.tac, verified, false };
}

Outcome PurseClient::load(std::int64_t amountFen, const TerminalId& terminal, PurseIssuer& issuer) {
    const std::uint32_t amount = checkedFen(amountFen, "load amount");
    const CardSerial card = publicData().diversifier();
    const auto initR
        = send(cmd::initializeForLoad(m_options.loadKeyIndex, amount, terminal, m_options.kind));
    if (!initR.ok()) {
        return Declined { initR.sw(), "INITIALIZE FOR LOAD refused by the card" };
    }
    const auto init = parseInitLoad(initR.data());
    PendingTransaction tx { .kind = TxKind::Load,
        .type = loadType(m_options.kind),
        .atc = init.onlineAtc,
        .amount = amount,
        .balanceBefore = init.balance,
        .terminal = terminal,
        .when = now(),
        .card = card,
        .keyVersion = init.keyVersion };
    const PurseFields fields { amount, loadType(m_options.kind), terminal, tx.when };
    const auto auth = issuer.authorizeLoad({ card, init, fields });
    if (!auth.approved) {
        return Declined { StatusWord(), "issuer refused the load: " + auth.reason };
    }
    Mac4 tac;
    if (auto failed = commit(cmd::creditForLoad(tx.when, auth.mac2), tx,
            "CREDIT FOR LOAD refused by the card", parseCredit, tac)) {
        return *failed;
    }
    const auto after = static_cast<std::uint32_t>(tx.balanceBefore + tx.amount);
    const bool verified = issuer.verifyLoadTac(card, after, init.onlineAtc, fields, tac);
    return Done { tx, after, tac, verified, false };
}

Outcome PurseClient::updateOverdraftLimit(
    std::uint32_t newLimit, const TerminalId& terminal, PurseIssuer& issuer) {
    if (m_options.kind != PurseKind::Ed) {
        throw InputError("overdraft limit: only on the ED (PurseClientOptions::kind = Ed)");
    }
    if (newLimit > 0xFFFFFFu) {
        throw InputError("overdraft limit: at most 3 bytes (167772.15 yuan)");
    }
    const CardSerial card = publicData().diversifier();
    const auto initR = send(cmd::initializeForUpdate(m_options.loadKeyIndex, terminal));
    if (!initR.ok()) {
        return Declined { initR.sw(), "INITIALIZE FOR UPDATE refused by the card" };
    }
    const auto init = parseInitUpdate(initR.data());
    PendingTransaction tx { .kind = TxKind::Load,
        .type = txtype::OverdraftUpdate,
        .atc = init.onlineAtc,
        .amount = newLimit,
        .balanceBefore = static_cast<std::int64_t>(init.balance) - init.overdraftLimit,
        .terminal = terminal,
        .when = now(),
        .card = card,
        .keyVersion = init.keyVersion };
    const auto auth = issuer.authorizeOverdraftUpdate({ card, init, newLimit, terminal, tx.when });
    if (!auth.approved) {
        return Declined { StatusWord(), "issuer refused the overdraft limit: " + auth.reason };
    }
    Mac4 tac;
    if (auto failed = commit(cmd::updateOverdraftLimit(newLimit, tx.when, auth.mac2), tx,
            "UPDATE OVERDRAFT LIMIT refused by the card", parseCredit, tac)) {
        return *failed;
    }
    const auto after = static_cast<std::uint32_t>(tx.balanceBefore + newLimit);
    const bool verified
        = issuer.verifyOverdraftTac(card, after, init.onlineAtc, newLimit, terminal, tx.when, tac);
    return Done { tx, after, tac, verified, false };
}

Outcome PurseClient::settle(const PendingTransaction& p, PurseIssuer* issuer) {
    ResponseApdu r;
    try {
        if (!m_public) {
            open();
        }
        if (m_public->diversifier() != p.card) {
            return Unknown { p, "another card is in the reader (serial differs)" };
        }
        r = send(cmd::getTransactionProof(p.type, p.atc));
    } catch (const std::exception& e) {
        return Unknown { p, e.what() };
    }
    if (r.sw() == sw::ConditionsNotSatisfied) {
        return Declined { r.sw(),
            "the card has no completed transaction with this counter: the money did not move" };
    }
    if (!r.ok()) {
        return Unknown { p, "GET TRANSACTION PROOF answered " + r.sw().hex() };
    }
    TransactionProof proof;
    try {
        proof = parseProof(r.data());
    } catch (const InputError& e) {
        return Unknown { p, e.what() };
    }
    const bool load = p.kind == TxKind::Load;
    const std::int64_t after = load ? p.balanceBefore + p.amount : p.balanceBefore - p.amount;
    bool verified = false;
    if (issuer) {
        const PurseFields f { static_cast<std::uint32_t>(p.amount), p.type, p.terminal, p.when };
        verified = p.type == txtype::OverdraftUpdate
            ? issuer->verifyOverdraftTac(p.card, static_cast<std::uint32_t>(after), p.atc,
                static_cast<std::uint32_t>(p.amount), p.terminal, p.when, proof.tac)
            : load
            ? issuer->verifyLoadTac(p.card, static_cast<std::uint32_t>(after), p.atc, f, proof.tac)
            : issuer->verifyPurchaseTac(p.card, f, p.ttsn, proof.tac);
        if (!verified) {
            return Unknown { p,
                "the card's proof for this counter does not match this transaction (TAC)" };
        }
    }
    return Done { p, after, proof.tac, verified, true };
}

std::vector<LogRecord> PurseClient::readLog(std::size_t max) {
    publicData();
    std::vector<LogRecord> out;
    bool selected = false;
    for (std::size_t n = 1; n <= max && n <= 255; ++n) {
        if (!bySfi() && !selected) {
            const auto sel = send(apdu::selectFid(cmd::kLogFid));
            if (!sel.ok()) {
                throw PurseError("SELECT EF 0018 (transaction log)", sel.sw());
            }
            selected = true;
        }
        auto r = send(cmd::readLogRecord(static_cast<std::uint8_t>(n), !selected));
        if (!selected && health::detail::formRefused(r.sw())) {
            noSfi(cmd::kLogFid, "READ RECORD by SFI 24 (EF 0018) answered " + r.sw().hex());
            selected = true;
            r = send(cmd::readLogRecord(static_cast<std::uint8_t>(n), false));
        }
        if (r.sw() == sw::RecordNotFound) {
            break;
        }
        if (!r.ok()) {
            throw PurseError("READ RECORD of the transaction log", r.sw());
        }
        out.push_back(parseLogRecord(r.data()));
    }
    return out;
}

} // namespace hc::card::epurse
