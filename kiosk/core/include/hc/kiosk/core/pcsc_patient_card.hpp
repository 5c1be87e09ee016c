// PcscPatientCard: the patient's card through PC/SC (drivers/pcsc): identity from the health
// application (DDF1/EF05+EF06 via hc::card::health::HealthCard), the PBOC e-purse through
// hc::card::epurse::PurseClient, purchases with the PSAM in the SAM reader (PsamCard), loads
// authorised by a SoftwareIssuer built from a development key file (production: the issuer's
// HSM). A card without the purse application answers hasPurse() == false.
//
// Threading: one thread at a time (the engine's mutex); the PC/SC handles are the caller's.
#pragma once

#include "hc/kiosk/core/devices.hpp"

#include <filesystem>
#include <memory>

namespace hc::kiosk::core {

/** The card in `cardReader`, with the PSAM in `samReader` ("" = no PSAM: purchases refused). */
class PcscPatientCard final : public PatientCard {
public:
    /** Connects and reads the identity. `samPin` unlocks the health SAM in `samReader` so the
     * holder file (name, ID number) can be read; without it only DDF1/EF05 is read (card number,
     * which is the ID number on a resident card; no name). The PIN is never logged or kept.
     * `issuerKeys` ("" = no loads). Throws the PC/SC and card errors (NextStep::ReinsertCard for
     * a card that does not answer). */
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
    std::unique_ptr<Impl> m_impl;
};

} // namespace hc::kiosk::core
