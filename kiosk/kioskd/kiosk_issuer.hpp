// kioskd's card issuance parts: the HSM (software key store or PKCS#11), the personalization
// engine, the PC/SC card writer on the blank-card reader, the issuer's register and the
// RegisterCardIssuer over them, built from the config's issuance fields. One thread (the engine's).
#pragma once

#include "hc/kiosk/core/card_issuer.hpp"
#include "hc/kiosk/core/kioskd_config.hpp"

#include <memory>

namespace hc::kiosk::kioskd {

/** Owns the issuance parts; issuer() is what EngineParts::issuer points at. */
class KioskIssuer {
public:
    /** Opens the HSM and the register; throws hc::Error (ConfigError on bad fields). */
    explicit KioskIssuer(const core::KioskdConfig& cfg);
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
