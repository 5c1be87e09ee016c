// CardIssuer: on-the-spot card issuance at the kiosk (flow "issuance",
// kiosk/flows/60-issuance.json) as the engine sees it. The production implementation is
// RegisterCardIssuer (register_card_issuer.hpp, library hc_kiosk_issuer) over hc_issuance's
// register and hc_perso's PersoCardWriter on the blank-card reader; kioskd builds it from the
// config's issuance fields (docs/kiosk.md "Card issuance"). Unit tests use a fake.
//
// Threading: one thread at a time (the engine serialises its calls).
#pragma once

#include "hc/card/error.hpp"

#include <string>
#include <vector>

namespace hc::kiosk::core {

/** The resident a card is issued to (from the HIS record, confirmed on screen). */
struct IssuanceApplicant {
    std::string idNumber; ///< GB 11643, 18 characters; never logged in full
    std::string name; ///< holder name
    std::string gender; ///< "male" / "female" / "unknown" (HIS)
    std::string birthDate; ///< YYYY-MM-DD (HIS)
    int ethnicity = 0; ///< GB 3304 code; 0 = unknown (the HIS has none; the issuer's default)
};

/** One validation reject: the field and the rule, both in Chinese for the screen. */
struct IssuanceReject {
    std::string field; ///< "身份证号"
    std::string rule; ///< "校验位错误"
};

/** What a successful issuance hands back. */
struct IssuedCard {
    std::string cardNo; ///< the register's card number
    std::string chipSerial; ///< the chip's serial
    std::string pin; ///< initial PIN per policy: shown once on screen, never logged or journaled
};

/** Personalization or read-back failed: the register marks the card spoiled. */
class IssuanceFailed : public hc::Error {
public:
    using hc::Error::Error;
};

/** The blank-card side of the kiosk. */
class CardIssuer {
public:
    virtual ~CardIssuer() = default;
    /** Validates the applicant per the issuance rules; empty when acceptable. */
    virtual std::vector<IssuanceReject> validate(const IssuanceApplicant& who) = 0;
    /** Allocates a card number, personalizes the blank card in the blank-card reader, verifies it
     * by read-back and records it in the register. Throws IssuanceFailed (card spoiled) or
     * another hc::Error (nothing written). Idempotent by `requestId` is NOT promised. */
    virtual IssuedCard issue(const IssuanceApplicant& who, const std::string& requestId) = 0;
    /** Pushes the card out of the dispenser (the default: nothing to do). */
    virtual void dispense() { }
};

} // namespace hc::kiosk::core
