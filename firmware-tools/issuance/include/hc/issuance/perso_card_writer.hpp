// CardWriter over the personalization engine (hc_perso) and PC/SC (hc_pcsc): the production card
// side of the batch runner and the lifecycle operations. Built when hc_perso exists.
// Threading: one PersoCardWriter per thread; the Personalizer (and its Hsm) is shared.
#pragma once

#include "hc/issuance/card_writer.hpp"
#include "hc/issuance/pin_mailer.hpp"
#include "hc/perso.hpp"

#include <optional>

namespace hc::issuance {

/** The engine's input for a register entry: the holder, phone and address from the record, the
 * issuer from the profile, the card number, dates and (unless generated) the initial PIN. */
hc::perso::PersoInput persoInputOf(const CardJob& job);

/** CardWriter that connects to the reader for each call (shared mode, inside a PC/SC
 * transaction) and runs hc::perso::Personalizer. */
class PersoCardWriter final : public CardWriter {
public:
    /** `reverify`: verify() reads the whole card back again through the engine (the engine's
     * personalize() already reads back and compares before it returns; this is a second,
     * separate read for issuers who want one). `mailer`: where the PIN and PUK the engine
     * returns are delivered (pin_mailer.hpp); without one they are wiped undelivered. */
    explicit PersoCardWriter(
        hc::perso::Personalizer& perso, bool reverify = false, PinMailer* mailer = nullptr);

    CardPresence probe(const std::string& reader) override;
    std::string probeDetail() const override { return m_probeDetail; }
    WriteResult personalize(const std::string& reader, const CardJob& job) override;
    std::string pinProblem() const override { return m_pinProblem; }
    std::vector<FieldMismatch> verify(const std::string& reader, const CardJob& job) override;
    std::string chipSerial(const std::string& reader) override;
    void blockApplication(const std::string& reader, const std::string& cardNo) override;
    void unblockApplication(const std::string& reader, const std::string& cardNo) override;
    void resetPin(
        const std::string& reader, const std::string& cardNo, const std::string& newPin) override;

private:
    hc::perso::Personalizer& m_perso;
    bool m_reverify;
    PinMailer* m_mailer;
    std::optional<hc::card::health::HealthCardData> m_written;
    std::string m_probeDetail;
    std::string m_pinProblem;
};

} // namespace hc::issuance
