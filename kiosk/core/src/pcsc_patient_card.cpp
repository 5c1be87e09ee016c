#include "hc/kiosk/core/pcsc_patient_card.hpp"

#include "hc/card/epurse.hpp"
#include "hc/card/health.hpp"
#include "hc/card/t0_channel.hpp"
#include "hc/pcsc.hpp"

#include <cstdio>

namespace hc::kiosk::core {

namespace ep = hc::card::epurse;

struct PcscPatientCard::Impl {
    std::unique_ptr<hc::pcsc::PcscCard> card;
    std::unique_ptr<hc::card::CardChannel> samChannel;
    std::unique_ptr<ep::PsamCard> psam;
    std::unique_ptr<ep::SoftwareIssuer> issuer;
    std::unique_ptr<ep::PurseClient> purse;
    std::optional<bool> hasPurse;
    ep::TerminalId terminal {};
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

} // namespace

PcscPatientCard::PcscPatientCard(const std::string& cardReader, const std::string& samReader,
    const std::string& samPin, const std::filesystem::path& issuerKeys,
    const std::string& terminalId)
    : m_impl(std::make_unique<Impl>()) {
    m_impl->card = std::make_unique<hc::pcsc::PcscCard>(cardReader);
    std::unique_ptr<hc::card::health::SamCard> healthSam;
    if (!samReader.empty()) {
        try {
            m_impl->samChannel = std::make_unique<hc::card::T0Channel>(
                std::make_unique<hc::pcsc::PcscCard>(samReader));
        } catch (const std::exception&) {
            m_impl->samChannel.reset(); // no SAM: identity from EF05 only, no purchases
        }
    }
    if (m_impl->samChannel && !samPin.empty()) {
        healthSam = std::make_unique<hc::card::health::SamCard>(*m_impl->samChannel);
        const auto r = healthSam->verifyPin(hc::Bytes(samPin.begin(), samPin.end()));
        if (r.status != hc::card::health::PinStatus::Ok) {
            throw hc::Error("SAM PIN: " + r.describe(), NextStep::CallStaff);
        }
    }
    hc::card::health::HealthCard health(
        *m_impl->card, hc::card::health::CardProfile::ws543_2017(), healthSam.get());
    if (healthSam) {
        const auto id = health.readIdentity().value;
        m_impl->who = { id.card.cardNumber, id.holder.idNumber, id.holder.name };
    } else {
        const auto card = health.readCardIdentification().value;
        m_impl->who = { card.cardNumber, card.cardNumber, "" };
    }
    if (m_impl->samChannel) {
        try {
            m_impl->psam = std::make_unique<ep::PsamCard>(*m_impl->samChannel);
            m_impl->terminal = m_impl->psam->terminalId();
        } catch (const std::exception&) {
            m_impl->psam.reset(); // purchases refused until a PSAM is fitted
        }
    }
    if (!m_impl->psam) {
        // No PSAM: loads still need a terminal id; take the last bytes of the kiosk's id.
        for (std::size_t i = 0; i < terminalId.size() && i < m_impl->terminal.size(); ++i) {
            m_impl->terminal[m_impl->terminal.size() - 1 - i]
                = static_cast<std::uint8_t>(terminalId[terminalId.size() - 1 - i]);
        }
    }
    if (!issuerKeys.empty()) {
        m_impl->issuer = std::make_unique<ep::SoftwareIssuer>(ep::loadIssuerKeys(issuerKeys));
    }
    m_impl->purse = std::make_unique<ep::PurseClient>(*m_impl->card);
}

PcscPatientCard::~PcscPatientCard() = default;

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
    if (!m_impl->psam) {
        throw hc::Error("no PSAM in the SAM reader: purchases are refused", NextStep::CallStaff);
    }
    m_impl->purse->open();
    return toResult(m_impl->purse->purchase(fen, *m_impl->psam));
}

PurseResult PcscPatientCard::load(std::int64_t fen) {
    if (!m_impl->issuer) {
        throw hc::Error(
            "no issuer keys configured: loads are refused", NextStep::CheckConfiguration);
    }
    m_impl->purse->open();
    return toResult(m_impl->purse->load(fen, m_impl->terminal, *m_impl->issuer));
}

PurseResult PcscPatientCard::settle(const std::string& pendingJson) {
    m_impl->purse->open();
    return toResult(
        m_impl->purse->settle(ep::PendingTransaction::fromJson(pendingJson), m_impl->issuer.get()));
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
