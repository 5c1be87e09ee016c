// kioskd's card issuance parts: the HSM (software key store or PKCS#11), the personalization
// engine, the PC/SC card writer on the blank-card reader, the card dispenser (issuanceDispenser,
// drivers/dispenser), the issuer's register and the RegisterCardIssuer over them, built from the
// config's issuance fields. At construction it applies the boot rule after a crash
// (RegisterCardIssuer::recoverAfterRestart: a card left in the dispenser's transport is captured,
// the register settled) and journals it as a session of its own (business ISS, a dispenser_move
// step). One thread (the engine's).
#pragma once

#include "hc/kiosk/core/card_issuer.hpp"
#include "hc/kiosk/core/kioskd_config.hpp"
#include "hc/kiosk/journal.hpp"

#include <memory>

namespace hc::kiosk::kioskd {

/** Owns the issuance parts; issuer() is what EngineParts::issuer points at. */
class KioskIssuer {
public:
    /** Opens the HSM, the register and the dispenser, then applies the boot rule (journaled in
     * `journal`, logged on stdout as "kioskd: issuance recovery: ..."); throws hc::Error
     * (ConfigError on bad fields). */
    KioskIssuer(const core::KioskdConfig& cfg, Journal& journal);
    ~KioskIssuer();
    KioskIssuer(const KioskIssuer&) = delete;
    KioskIssuer& operator=(const KioskIssuer&) = delete;
    /** The engine's CardIssuer. */
    core::CardIssuer& issuer();

private:
    struct Parts;
    std::unique_ptr<Parts> m_parts;
};

} // namespace hc::kiosk::kioskd
