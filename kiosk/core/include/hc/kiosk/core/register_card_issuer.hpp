// RegisterCardIssuer: the kiosk's CardIssuer over hc_issuance. One issuance is one batch of one
// resident in the issuer's register ("kiosk-<request id>"): validation by validateBatch (the
// same rules as hcperso, including "already holds an active card"), a card number allocated
// gap-free, claimed for the blank-card reader, personalized and read back by the CardWriter
// (PersoCardWriter over PC/SC in production), then verified; it is counted issued only once the
// patient has taken it from the dispenser's gate (taken()). A failed write or read-back, or a
// card captured into the reject bin (not taken in time, not ejected), marks the card failed
// (spoiled, not requeued). With a CardDispenser (drivers/dispenser) the blank card is brought to
// the reader (loadBlank), ejected (present), watched (taken) and captured (capture); without
// one a blank card is assumed in the reader and the card counts issued when written. The PIN comes
// from the issuer's PIN policy ("fixed:DIGITS" or "id-last6"); the "generated" policy (PIN mailer)
// has no way to show the PIN at the kiosk and is refused at construction.
//
// Threading: one thread at a time (the engine serialises its calls).
#pragma once

#include "hc/issuance/card_writer.hpp"
#include "hc/issuance/register_store.hpp"
#include "hc/kiosk/core/card_issuer.hpp"

#include <chrono>
#include <memory>
#include <optional>

namespace hc::dispenser {
class CardDispenser;
struct DispenserStatus;
} // namespace hc::dispenser

namespace hc::kiosk::core {

/** Choices of a RegisterCardIssuer. */
struct RegisterCardIssuerOptions {
    std::string reader; ///< the blank-card reader (PC/SC name)
    hc::issuance::IssuerProfile issuer; ///< issuer fields and PIN policy
    std::string operatorId = "kiosk"; ///< recorded on every register event
    /** GB 3304 ethnic group preselected on the 民族 screen and used when the applicant carries
     * none; 0 = none (an applicant without one is rejected on "民族"). */
    int defaultEthnicity = 0;
    /** The card dispenser (outlives the issuer); nullptr = none. */
    hc::dispenser::CardDispenser* dispenser = nullptr;
    /** Batches of this kiosk start with this (recoverAfterRestart looks only at those). */
    std::string batchPrefix = "kiosk-";
    /** How long to wait for the blank card to appear in the reader after a move to IC. */
    std::chrono::milliseconds cardArrival = std::chrono::seconds(8);
    /** Today's date, YYYYMMDD (issue date); empty = the system date in UTC+8. */
    std::string today;
};

/** CardIssuer over an IssuanceRegister and a CardWriter (both outlive it). */
class RegisterCardIssuer final : public CardIssuer {
public:
    /** Throws hc::InputError on a "generated" or malformed PIN policy or an empty reader. */
    RegisterCardIssuer(hc::issuance::IssuanceRegister& reg, hc::issuance::CardWriter& writer,
        RegisterCardIssuerOptions options);
    std::string unavailableReason() override;
    int preselectedEthnicity() const override { return m_options.defaultEthnicity; }
    std::vector<IssuanceReject> validate(const IssuanceApplicant& who) override;
    void loadBlank() override;
    IssuedCard issue(const IssuanceApplicant& who, const std::string& requestId) override;
    void present() override;
    bool taken(const std::string& cardNo) override;
    void capture(const std::string& cardNo, const std::string& why) override;

    /** What recoverAfterRestart did. */
    struct RestartReport {
        bool captured = false; ///< a card was in the dispenser's transport and was captured
        std::vector<std::string> failed; ///< card numbers marked failed (not handed out)
        std::vector<std::string> issued; ///< verified cards counted issued (handed out)
        std::string problem; ///< the dispenser could not be asked or refused the capture
    };
    /**
     * Boot rule after a crash (docs/kiosk.md "Card issuance"): a card in the dispenser's transport
     * (IC position or gate) is captured into the reject bin. Then every card of this kiosk's
     * batches still between prepared and verified is settled: prepared / personalized -> failed
     * (the write was interrupted); verified -> failed when a card was just captured (it never
     * reached the patient), issued when the transport was empty (it was taken from the gate) or
     * when there is no dispenser. Register and card then agree. Never throws for the dispenser
     * (problem says what went wrong); register errors propagate.
     */
    RestartReport recoverAfterRestart();

private:
    const hc::dispenser::DispenserStatus* dispenserStatus(bool fresh);
    void remember(const hc::dispenser::DispenserStatus& s);
    struct Cached;
    hc::issuance::ResidentRecord record(
        const IssuanceApplicant& who, std::vector<IssuanceReject>* rejects);
    hc::issuance::IssuanceRegister& m_reg;
    hc::issuance::CardWriter& m_writer;
    RegisterCardIssuerOptions m_options;
    std::shared_ptr<Cached> m_cache;
};

} // namespace hc::kiosk::core
