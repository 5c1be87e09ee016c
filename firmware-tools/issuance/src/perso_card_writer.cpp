// CardWriter over hc_perso and PC/SC.
#include "hc/issuance/perso_card_writer.hpp"

#include "hc/issuance/error.hpp"
#include "hc/pcsc.hpp"

namespace hc::issuance {

namespace h = hc::card::health;

hc::perso::PersoInput persoInputOf(const CardJob& job) {
    hc::perso::PersoInput in;
    in.cardNumber = job.cardNo;
    auto& holder = in.resident.identity.holder;
    holder.name = job.resident.name;
    holder.sex = static_cast<h::Sex>(job.resident.sex);
    holder.ethnicity = job.resident.ethnicity;
    holder.birthDate = job.resident.birthDate;
    holder.idNumber = job.resident.idNumber;
    in.resident.validity.phone1 = job.resident.phone;
    if (!job.resident.address.empty()) {
        in.resident.addresses.entries[0] = { "1", job.resident.address };
    }
    in.issueDate = job.issueDate;
    in.expiryDate = job.expiryDate;
    const std::string pin = job.issuer.initialPin(job.resident);
    if (!pin.empty()) {
        in.pin = pin;
    }
    in.issuer.name = job.issuer.issuerName;
    in.issuer.code = job.issuer.issuerCode;
    in.issuer.cityCode = job.issuer.cityCode;
    return in;
}

PersoCardWriter::PersoCardWriter(hc::perso::Personalizer& perso, bool reverify, PinMailer* mailer)
    : m_perso(perso)
    , m_reverify(reverify)
    , m_mailer(mailer) {
}

CardPresence PersoCardWriter::probe(const std::string& reader) {
    try {
        hc::pcsc::PcscCard card(reader);
        hc::pcsc::PcscCard::Transaction tx(card);
        const auto info = m_perso.probe(card);
        m_probeDetail = "card state " + std::string(hc::perso::describe(info.state));
        return info.state == hc::perso::CardState::Blank ? CardPresence::Blank
                                                         : CardPresence::Personalized;
    } catch (const hc::pcsc::NoCard&) {
        m_probeDetail = "no card";
        return CardPresence::None;
    } catch (const hc::Error& e) {
        // A card being inserted, removed or swapped (PC/SC errors, wrapped by the engine as a
        // PersoError of stage open): not ready yet.
        m_probeDetail = e.what();
        return CardPresence::None;
    }
}

WriteResult PersoCardWriter::personalize(const std::string& reader, const CardJob& job) {
    m_written.reset();
    m_pinProblem.clear();
    hc::pcsc::PcscCard card(reader);
    hc::pcsc::PcscCard::Transaction tx(card);
    auto r = m_perso.personalize(card, persoInputOf(job));
    if (m_mailer != nullptr) {
        PinLetter letter;
        letter.cardNo = job.cardNo;
        letter.name = job.resident.name;
        letter.address = job.resident.address;
        letter.issuerName = job.issuer.issuerName;
        letter.batch = job.batch;
        letter.pin = r.pin;
        letter.puk = r.puk;
        try {
            m_mailer->deliver(letter);
        } catch (const hc::Error& e) {
            m_pinProblem = e.what();
        }
    }
    // The PIN/PUK leave the engine only through the mailer: wipe them here.
    std::fill(r.pin.begin(), r.pin.end(), '\0');
    std::fill(r.puk.begin(), r.puk.end(), '\0');
    m_written = std::move(r.written);
    return { r.chipSerial, r.apdus };
}

std::vector<FieldMismatch> PersoCardWriter::verify(const std::string& reader, const CardJob&) {
    if (!m_written) {
        throw CardSideError("verify", "nothing was personalized on this worker");
    }
    if (!m_reverify) {
        return {}; // personalize() read the card back and compared it before returning
    }
    hc::pcsc::PcscCard card(reader);
    hc::pcsc::PcscCard::Transaction tx(card);
    std::vector<FieldMismatch> out;
    for (const auto& m : m_perso.verify(card, *m_written)) {
        out.push_back({ m.field, m.expected, m.actual });
    }
    return out;
}

std::string PersoCardWriter::chipSerial(const std::string& reader) {
    hc::pcsc::PcscCard card(reader);
    hc::pcsc::PcscCard::Transaction tx(card);
    return m_perso.probe(card).chipSerial;
}

void PersoCardWriter::blockApplication(const std::string& reader, const std::string&) {
    hc::pcsc::PcscCard card(reader);
    hc::pcsc::PcscCard::Transaction tx(card);
    m_perso.blockApplication(card);
}

void PersoCardWriter::unblockApplication(const std::string& reader, const std::string&) {
    hc::pcsc::PcscCard card(reader);
    hc::pcsc::PcscCard::Transaction tx(card);
    m_perso.unblockApplication(card);
}

void PersoCardWriter::resetPin(
    const std::string& reader, const std::string&, const std::string& newPin) {
    hc::pcsc::PcscCard card(reader);
    hc::pcsc::PcscCard::Transaction tx(card);
    auto pin = m_perso.resetPin(card, newPin.empty() ? std::nullopt : std::optional(newPin));
    std::fill(pin.begin(), pin.end(), '\0');
}

} // namespace hc::issuance
