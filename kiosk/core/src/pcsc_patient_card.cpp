#include "hc/kiosk/core/pcsc_patient_card.hpp"

#include "hc/card/epurse.hpp"
#include "hc/card/health.hpp"
#include "hc/card/t0_channel.hpp"
#include "hc/pcsc.hpp"

#include <cstdio>

namespace hc::kiosk::core {

namespace ep = hc::card::epurse;

struct KioskSam::Impl {
    std::string reader;
    std::string pin;
    std::string terminalId;
    hc::pcsc::PcscCard* samPcsc = nullptr; ///< inside samChannel
    std::unique_ptr<hc::card::CardChannel> samChannel;
    std::unique_ptr<hc::card::health::SamCard> healthSam; ///< unlocked, when a PIN is given
    std::unique_ptr<ep::PsamCard> psam;
    std::unique_ptr<ep::PurseIssuer> issuer; ///< loads (nullptr: refused)
    ep::TerminalId terminal {};
    bool open = false;
    std::string pinRefused; ///< the SAM refused the PIN: never verified again

    /** Connects to the SAM reader and unlocks what it can; false when no SAM answers. */
    bool reopen() {
        healthSam.reset();
        psam.reset();
        samChannel.reset();
        samPcsc = nullptr;
        open = false;
        if (reader.empty()) {
            return false;
        }
        try {
            auto card = std::make_unique<hc::pcsc::PcscCard>(reader);
            samPcsc = card.get();
            samChannel = std::make_unique<hc::card::T0Channel>(std::move(card));
        } catch (const std::exception&) {
            samPcsc = nullptr;
            return false; // no SAM now: identity from EF05 only, no purchases; retried later
        }
        if (!pin.empty()) {
            healthSam = std::make_unique<hc::card::health::SamCard>(*samChannel);
            const auto r = healthSam->verifyPin(hc::Bytes(pin.begin(), pin.end()));
            if (r.status != hc::card::health::PinStatus::Ok) {
                // Never tried again by itself: each wrong try brings the SAM nearer its block.
                healthSam.reset();
                pinRefused = "SAM PIN: " + r.describe()
                    + " (not tried again: fix samPin / HC_SAM_PIN and restart kioskd)";
                throw hc::Error(pinRefused, NextStep::CheckConfiguration);
            }
        }
        try {
            psam = std::make_unique<ep::PsamCard>(*samChannel);
            terminal = psam->terminalId();
        } catch (const std::exception&) {
            psam.reset(); // purchases refused until a PSAM is fitted
        }
        open = true;
        return true;
    }
};

KioskSam::KioskSam(std::string samReader, std::string samPin,
    const std::filesystem::path& issuerKeys, std::string terminalId)
    : KioskSam(std::move(samReader), std::move(samPin),
        issuerKeys.empty() ? nullptr
                           : std::make_unique<ep::SoftwareIssuer>(ep::loadIssuerKeys(issuerKeys)),
        std::move(terminalId)) {
}

KioskSam::KioskSam(std::string samReader, std::string samPin,
    std::unique_ptr<ep::PurseIssuer> issuer, std::string terminalId)
    : m_impl(std::make_unique<Impl>()) {
    m_impl->reader = std::move(samReader);
    m_impl->pin = std::move(samPin);
    m_impl->terminalId = std::move(terminalId);
    m_impl->issuer = std::move(issuer);
    if (m_impl->reopen()) {
        ++m_opens;
    }
}

KioskSam::~KioskSam() = default;

KioskSam::Impl& KioskSam::use(std::unique_lock<std::mutex>& lock) {
    lock = std::unique_lock(m_mutex);
    auto& s = *m_impl;
    if (!s.pinRefused.empty()) {
        throw hc::Error(s.pinRefused, NextStep::CheckConfiguration);
    }
    if (!s.open && s.reopen()) {
        ++m_opens;
    }
    if (!s.psam) {
        // No PSAM: loads still need a terminal id; take the last bytes of the kiosk's id.
        s.terminal = {};
        for (std::size_t i = 0; i < s.terminalId.size() && i < s.terminal.size(); ++i) {
            s.terminal[s.terminal.size() - 1 - i]
                = static_cast<std::uint8_t>(s.terminalId[s.terminalId.size() - 1 - i]);
        }
    }
    return s;
}

void KioskSam::invalidate() {
    std::lock_guard lock(m_mutex);
    m_impl->open = false;
}

struct PcscPatientCard::Impl {
    std::unique_ptr<hc::pcsc::PcscCard> card;
    std::unique_ptr<ep::PurseClient> purse;
    std::optional<bool> hasPurse;
    CardIdentity who;
};

namespace {

PurseResult toResult(const ep::Outcome& o) {
    PurseResult r;
    if (const auto* d = std::get_if<ep::Done>(&o)) {
        r.status = PurseStatus::Done;
        r.balanceAfter = d->balanceAfter;
        r.tac = hc::toHex(hc::ByteView(d->tac.data(), d->tac.size()));
        r.pending = d->tx.toJson();
        r.verified = d->verified; // MAC2 accepted by the PSAM / TAC checked by the issuer
        if (!d->verified) {
            r.reason = d->tx.kind == ep::TxKind::Purchase
                ? "the card answered the debit but the PSAM did not accept its MAC2"
                : "the card's TAC could not be verified with the issuer keys";
        }
    } else if (const auto* n = std::get_if<ep::Declined>(&o)) {
        r.status = PurseStatus::Declined;
        r.reason = n->reason;
        r.insufficientFunds = n->sw.value() == 0x9401;
    } else if (const auto* u = std::get_if<ep::Unknown>(&o)) {
        r.status = PurseStatus::Unknown;
        r.reason = u->cause;
        r.pending = u->tx.toJson();
    }
    return r;
}

std::string bcd(const std::uint8_t* p, std::size_t n) {
    std::string s;
    char b[4];
    for (std::size_t i = 0; i < n; ++i) {
        std::snprintf(b, sizeof b, "%02X", p[i]);
        s += b;
    }
    return s;
}

/** Runs `f` (the SAM's lock held) and marks the SAM for reopening when its connection failed
 * under it (pulled, reset, pcscd restarted); a patient card pulled leaves the SAM alone. */
template <class F> auto withSam(KioskSam::Impl& sam, F&& f) {
    try {
        return f();
    } catch (const hc::pcsc::PcscError&) {
        bool alive = false;
        try {
            alive = sam.samPcsc != nullptr && sam.samPcsc->present();
        } catch (const std::exception&) { }
        if (!alive) {
            sam.open = false;
        }
        throw;
    }
}

} // namespace

PcscPatientCard::PcscPatientCard(const std::string& cardReader, KioskSam& sam)
    : m_sam(sam)
    , m_impl(std::make_unique<Impl>()) {
    m_impl->card = std::make_unique<hc::pcsc::PcscCard>(cardReader);
    readIdentity();
    m_impl->purse = std::make_unique<ep::PurseClient>(*m_impl->card);
}

PcscPatientCard::PcscPatientCard(const std::string& cardReader, const std::string& samReader,
    const std::string& samPin, const std::filesystem::path& issuerKeys,
    const std::string& terminalId)
    : m_ownSam(std::make_unique<KioskSam>(samReader, samPin, issuerKeys, terminalId))
    , m_sam(*m_ownSam)
    , m_impl(std::make_unique<Impl>()) {
    m_impl->card = std::make_unique<hc::pcsc::PcscCard>(cardReader);
    readIdentity();
    m_impl->purse = std::make_unique<ep::PurseClient>(*m_impl->card);
}

PcscPatientCard::~PcscPatientCard() = default;

void PcscPatientCard::readIdentity() {
    std::unique_lock<std::mutex> lock;
    auto& sam = m_sam.use(lock);
    withSam(sam, [&] {
        hc::card::health::HealthCard health(
            *m_impl->card, hc::card::health::CardProfile::ws543_2017(), sam.healthSam.get());
        if (sam.healthSam) {
            const auto id = health.readIdentity().value;
            m_impl->who = { id.card.cardNumber, id.holder.idNumber, id.holder.name };
        } else {
            const auto card = health.readCardIdentification().value;
            m_impl->who = { card.cardNumber, card.cardNumber, "" };
        }
        return 0;
    });
}

CardIdentity PcscPatientCard::identity() {
    return m_impl->who;
}

bool PcscPatientCard::hasPurse() {
    if (!m_impl->hasPurse) {
        try {
            m_impl->purse->open();
            m_impl->hasPurse = true;
        } catch (const ep::PurseError&) {
            m_impl->hasPurse = false;
        }
    }
    return *m_impl->hasPurse;
}

std::int64_t PcscPatientCard::balance() {
    m_impl->purse->open();
    return m_impl->purse->balance();
}

PurseResult PcscPatientCard::purchase(std::int64_t fen) {
    std::unique_lock<std::mutex> lock;
    auto& sam = m_sam.use(lock);
    if (!sam.psam) {
        throw hc::Error("no PSAM in the SAM reader: purchases are refused", NextStep::CallStaff);
    }
    return withSam(sam, [&] {
        // INITIALIZE, PSAM MAC1, DEBIT, PSAM MAC2: nothing else on either card in between.
        hc::pcsc::PcscCard::Transaction cardTx(*m_impl->card);
        hc::pcsc::PcscCard::Transaction samTx(*sam.samPcsc);
        m_impl->purse->open();
        return toResult(m_impl->purse->purchase(fen, *sam.psam));
    });
}

PurseResult PcscPatientCard::load(std::int64_t fen) {
    std::unique_lock<std::mutex> lock;
    auto& sam = m_sam.use(lock);
    if (!sam.issuer) {
        throw hc::Error("no issuer keys configured (issuerKeys or purseHsm): loads are refused",
            NextStep::CheckConfiguration);
    }
    m_impl->purse->open();
    return toResult(m_impl->purse->load(fen, sam.terminal, *sam.issuer));
}

PurseResult PcscPatientCard::settle(const std::string& pendingJson) {
    std::unique_lock<std::mutex> lock;
    auto& sam = m_sam.use(lock);
    // No PC/SC transaction around a load or a settle (see the header).
    m_impl->purse->open();
    return toResult(
        m_impl->purse->settle(ep::PendingTransaction::fromJson(pendingJson), sam.issuer.get()));
}

std::vector<PurseLogEntry> PcscPatientCard::log(std::size_t max) {
    m_impl->purse->open();
    std::vector<PurseLogEntry> out;
    for (const auto& r : m_impl->purse->readLog(max)) {
        const auto t = r.when.text(); // YYYYMMDDhhmmss
        PurseLogEntry e;
        e.when = t.substr(0, 4) + "-" + t.substr(4, 2) + "-" + t.substr(6, 2) + " " + t.substr(8, 2)
            + ":" + t.substr(10, 2) + ":" + t.substr(12, 2);
        e.amountFen = r.amount;
        e.load = r.type == ep::txtype::EpLoad || r.type == ep::txtype::EdLoad;
        e.terminal = bcd(r.terminal.data(), r.terminal.size());
        out.push_back(e);
    }
    return out;
}

} // namespace hc::kiosk::core
