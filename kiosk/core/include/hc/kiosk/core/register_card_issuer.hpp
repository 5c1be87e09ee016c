// RegisterCardIssuer: the kiosk's CardIssuer over hc_issuance. One issuance is one batch of one
// resident in the issuer's register ("kiosk-<request id>"): validation by validateBatch (the
// same rules as hcperso, including "already holds an active card"), a card number allocated
// gap-free, claimed for the blank-card reader, personalized and read back by the CardWriter
// (PersoCardWriter over PC/SC in production), then verified and issued; a failed write or
// read-back marks the card failed (spoiled, not requeued). The PIN comes from the issuer's PIN
// policy ("fixed:DIGITS" or "id-last6"); the "generated" policy (PIN mailer) has no way to show
// the PIN at the kiosk and is refused at construction.
//
// Threading: one thread at a time (the engine serialises its calls).
#pragma once

#include "hc/issuance/card_writer.hpp"
#include "hc/issuance/register_store.hpp"
#include "hc/kiosk/core/card_issuer.hpp"

namespace hc::kiosk::core {

/** Choices of a RegisterCardIssuer. */
struct RegisterCardIssuerOptions {
    std::string reader; ///< the blank-card reader (PC/SC name)
    hc::issuance::IssuerProfile issuer; ///< issuer fields and PIN policy
    std::string operatorId = "kiosk"; ///< recorded on every register event
    /** GB 3304 ethnic group used when the applicant carries none (the HIS has no such field and
     * the flow does not ask yet); 0 = none, the resident is rejected on "民族". */
    int defaultEthnicity = 0;
    /** Today's date, YYYYMMDD (issue date); empty = the system date in UTC+8. */
    std::string today;
};

/** CardIssuer over an IssuanceRegister and a CardWriter (both outlive it). */
class RegisterCardIssuer final : public CardIssuer {
public:
    /** Throws hc::InputError on a "generated" or malformed PIN policy or an empty reader. */
    RegisterCardIssuer(hc::issuance::IssuanceRegister& reg, hc::issuance::CardWriter& writer,
        RegisterCardIssuerOptions options);
    std::vector<IssuanceReject> validate(const IssuanceApplicant& who) override;
    IssuedCard issue(const IssuanceApplicant& who, const std::string& requestId) override;

private:
    hc::issuance::ResidentRecord record(
        const IssuanceApplicant& who, std::vector<IssuanceReject>* rejects);
    hc::issuance::IssuanceRegister& m_reg;
    hc::issuance::CardWriter& m_writer;
    RegisterCardIssuerOptions m_options;
};

} // namespace hc::kiosk::core
