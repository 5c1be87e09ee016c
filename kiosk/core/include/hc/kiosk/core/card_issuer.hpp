// CardIssuer: on-the-spot card issuance at the kiosk (flow "issuance",
// kiosk/flows/60-issuance.json) as the engine sees it. The production implementation is
// RegisterCardIssuer (register_card_issuer.hpp, library hc_kiosk_issuer) over hc_issuance's
// register and hc_perso's PersoCardWriter on the blank-card reader; kioskd builds it from the
// config's issuance fields (docs/kiosk.md "Card issuance"). Unit tests use a fake.
//
// Threading: one thread at a time (the engine serialises its calls).
#pragma once

#include "hc/base/error.hpp"

#include <string>
#include <vector>

namespace hc::kiosk::core {

/** The resident a card is issued to (from the HIS record, confirmed on screen). */
struct IssuanceApplicant {
    std::string idNumber; ///< GB 11643, 18 characters; never logged in full
    std::string name; ///< holder name
    std::string gender; ///< "male" / "female" / "unknown" (HIS)
    std::string birthDate; ///< YYYY-MM-DD (HIS)
    int ethnicity = 0; ///< GB 3304 code chosen on screen; 0 = unknown (the issuer's default)
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

/** The blank-card side of the kiosk: the issuer's register, the card writer on the issuance
 * reader and, when fitted, the card dispenser that brings a blank card to that reader and hands
 * the written card out at the gate (drivers/dispenser, docs/dispenser.md). The engine calls, in
 * order: unavailableReason (before taking the patient's details), validate, loadBlank, issue,
 * present, then taken (polled) until true, or capture. */
class CardIssuer {
public:
    virtual ~CardIssuer() = default;
    /** Why no card can be issued now, in Chinese for the screen ("发卡机空白卡已用完…": stock
     * empty, jam, reject bin full, a card still at the gate, dispenser unreachable); "" when one
     * can. Cheap enough to ask for every idle view (implementations cache the device status for
     * about a second). Default: always available. */
    virtual std::string unavailableReason() { return {}; }
    /** The GB 3304 code preselected on the ethnicity screen (the configured default); 0 = none. */
    virtual int preselectedEthnicity() const { return 0; }
    /** Validates the applicant per the issuance rules; empty when acceptable. */
    virtual std::vector<IssuanceReject> validate(const IssuanceApplicant& who) = 0;
    /** Brings the next blank card to the issuance reader (the dispenser's move to the IC
     * position). Throws hc::Error when it cannot (stack empty, jam): nothing was written.
     * Default: nothing to do (a blank card is assumed in the reader). */
    virtual void loadBlank() { }
    /** Allocates a card number, personalizes the blank card in the issuance reader, verifies it
     * by read-back and records it in the register as verified (counted issued once taken()).
     * Throws IssuanceFailed (card spoiled, register says failed: capture it) or another hc::Error
     * (nothing written). Idempotent by `requestId` is NOT promised. */
    virtual IssuedCard issue(const IssuanceApplicant& who, const std::string& requestId) = 0;
    /** Moves the written card to the gate for the patient (the default: nothing to move). */
    virtual void present() { }
    /** True once the card `cardNo` has left the gate (the patient took it); the register then
     * counts it issued. False while it is still at the gate. Default: true at once. */
    virtual bool taken(const std::string& cardNo) {
        (void)cardNo;
        return true;
    }
    /** Captures the card in the transport (IC position or gate) into the reject bin; when
     * `cardNo` is not empty the register marks that card failed with `why` (a card not taken in
     * time is spoiled, never handed out later: docs/kiosk.md). Default: nothing to move. */
    virtual void capture(const std::string& cardNo, const std::string& why) {
        (void)cardNo;
        (void)why;
    }
};

} // namespace hc::kiosk::core
