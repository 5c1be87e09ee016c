// The kiosk's purse issuer (who checks a load's MAC1 and makes its MAC2), chosen by kioskd's
// configuration and opened once at boot:
//   purseHsm "software" | "pkcs11"  the issuer's HSM: hc_card_hsm's HsmPurseIssuer, the DLK and
//                                   DTK masters (purseLoadKey, purseTacKey) inside it
//   issuerKeys FILE                 a site without an HSM: SoftwareIssuer over a development key
//                                   file, read here once (not per card)
//   neither                         no loads (nullptr)
// openPurseIssuer is in hc_kiosk_core and knows no HSM: it refuses purseHsm. openHsmPurseIssuer
// is in hc_kiosk_purse_hsm (built when hsm/ is in the build) and handles all three.
// Keys, PINs and passphrases are never logged; the HSM's secret comes from the environment
// variable purseHsmSecretEnv, never from the file.
#pragma once

#include "hc/card/epurse/issuer.hpp"
#include "hc/kiosk/core/kioskd_config.hpp"

#include <memory>

namespace hc::kiosk::core {

/** The issuer from `cfg.issuerKeys` (nullptr when ""). Throws ConfigError for purseHsm (this
 * library has no HSM: link hc_kiosk_purse_hsm and call openHsmPurseIssuer), hc::InputError for a
 * malformed key file, hc::Error(CheckConfiguration) for an unreadable one. */
std::unique_ptr<hc::card::epurse::PurseIssuer> openPurseIssuer(const KioskdConfig& cfg);

/** The issuer of `cfg`: the HSM of cfg.purseHsm, else openPurseIssuer(cfg). Throws ConfigError
 * for both purseHsm and issuerKeys, an unknown purseHsm or a software HSM without
 * purseHsmStore; the HSM's errors (wrong PIN, no token) when it cannot be opened. Defined in
 * hc_kiosk_purse_hsm. */
std::unique_ptr<hc::card::epurse::PurseIssuer> openHsmPurseIssuer(const KioskdConfig& cfg);

} // namespace hc::kiosk::core
