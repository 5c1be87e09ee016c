// PcscPatientCard: the patient's card through PC/SC (drivers/pcsc): identity from the health
// application (DDF1/EF05+EF06 via hc::card::health::HealthCard), the PBOC e-purse through
// hc::card::epurse::PurseClient, purchases with the PSAM in the SAM reader (PsamCard), loads
// authorised by the kiosk's PurseIssuer: the issuer's HSM (hc_card_hsm's HsmPurseIssuer, see
// purse_issuer_config.hpp) or, at a site without one, a SoftwareIssuer from a development key
// file. A card without the purse application answers hasPurse() == false.
//
// KioskSam holds what lives as long as the kiosk, not the card: the SAM reader's connection (the
// health SAM unlocked once with its PIN, the PSAM's terminal id) and the issuer's keys. kioskd
// opens it once at boot; a card inserted later only connects to the card reader. A SAM that
// fails (pulled, reset, pcscd restarted) is reopened at its next use.
//
// The purchase (INITIALIZE, PSAM MAC1, DEBIT, PSAM MAC2: the PSAM holds session state between
// MAC1 and MAC2) runs inside PC/SC transactions on the card and the SAM, so no other process's
// APDU lands between them. Reads, a load (INITIALIZE, CREDIT: the issuer's part is off-card) and
// a settle do not: with transactions around every read, insert -> menu went from 34 to 285 ms
// (kiosk_bench: pcsc-lite polls a locked reader every 100 ms), and a load inside one, its card
// pulled mid-CREDIT and the process killed, left pcscd + vpcd blind to the card's return
// (kiosk_kioskd_pcsc_process_test, "torn give-back load").
//
// Threading: a KioskSam may be shared by threads (the reader monitor reads identities while the
// engine pays): it serialises its users. A PcscPatientCard is used by one thread at a time.
#pragma once

#include "hc/kiosk/core/devices.hpp"

#include <filesystem>
#include <memory>
#include <mutex>

namespace hc::card::health {
class SamCard;
}
namespace hc::card::epurse {
class PsamCard;
class PurseIssuer;
} // namespace hc::card::epurse

namespace hc::kiosk::core {

/** The kiosk-lifetime security parts of the card path. */
class KioskSam {
public:
    /** Opens the SAM reader (`samReader`, "" = none: identity from EF05 only, no purchases),
     * unlocks the health SAM with `samPin` ("" = not unlocked: no holder name), reads the PSAM's
     * terminal id, loads `issuerKeys` ("" = no loads). A SAM that cannot be opened now is
     * retried at its first use. The PIN is never logged. Throws for a wrong SAM PIN (CallStaff)
     * and an unreadable issuer key file. */
    KioskSam(std::string samReader, std::string samPin, const std::filesystem::path& issuerKeys,
        std::string terminalId);
    /** The same with the kiosk's purse issuer (nullptr = no loads), e.g. openPurseIssuer(). */
    KioskSam(std::string samReader, std::string samPin,
        std::unique_ptr<hc::card::epurse::PurseIssuer> issuer, std::string terminalId);
    ~KioskSam();
    KioskSam(const KioskSam&) = delete;
    KioskSam& operator=(const KioskSam&) = delete;

    /** How many times the SAM connection was opened (1 after a healthy boot). */
    int opens() const { return m_opens; }

    struct Impl;
    /** The parts, under the lock: opens the SAM again when the last use failed. */
    Impl& use(std::unique_lock<std::mutex>& lock);
    /** The last use failed at the transport: reopen at the next use. */
    void invalidate();

private:
    std::unique_ptr<Impl> m_impl;
    std::mutex m_mutex;
    int m_opens = 0;
};

/** The card in `cardReader`, with the kiosk's SAM. */
class PcscPatientCard final : public PatientCard {
public:
    /** Connects and reads the identity with the kiosk's `sam` (which must outlive the card).
     * Throws the PC/SC and card errors (NextStep::ReinsertCard for a card that does not
     * answer). */
    PcscPatientCard(const std::string& cardReader, KioskSam& sam);
    /** A card with a SAM of its own (tools and tests): opens the SAM reader for this card. */
    PcscPatientCard(const std::string& cardReader, const std::string& samReader,
        const std::string& samPin, const std::filesystem::path& issuerKeys,
        const std::string& terminalId);
    ~PcscPatientCard() override;
    CardIdentity identity() override;
    bool hasPurse() override;
    std::int64_t balance() override;
    PurseResult purchase(std::int64_t fen) override;
    PurseResult load(std::int64_t fen) override;
    PurseResult settle(const std::string& pendingJson) override;
    std::vector<PurseLogEntry> log(std::size_t max) override;

    struct Impl;

private:
    void readIdentity();
    std::unique_ptr<KioskSam> m_ownSam;
    KioskSam& m_sam;
    std::unique_ptr<Impl> m_impl;
};

} // namespace hc::kiosk::core
