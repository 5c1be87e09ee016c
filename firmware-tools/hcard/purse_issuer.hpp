// hcard's purse issuer for `load` (and for settling a journaled load): the software issuer over a
// development key file (--issuer-keys), or the issuer's HSM (--purse-hsm), named as kioskd's
// purseHsm* keys name it and opened by the same code (hc_card_hsm's openPurseHsmIssuer):
//
//   --purse-hsm pkcs11|software    load through the HSM (instead of --issuer-keys)
//   --purse-hsm-module PATH        pkcs11: the PKCS#11 module (default: SoftHSM2's)
//   --purse-hsm-token LABEL        pkcs11: the token's label (default hc-dev)
//   --purse-hsm-store FILE         software: hc_hsm's key-store file
//   --purse-hsm-secret-env VAR     the environment variable holding the token's user PIN (or the
//                                  store's passphrase); default HC_HSM_PASSPHRASE, as kioskd
//   --purse-hsm-secret-file FILE   ... or the file holding it (first line; mode 0600)
//   --purse-load-key LABEL         the DLK masters' label (default pboc.mk-dlk)
//   --purse-tac-key LABEL          the DTK master's label (default pboc.mk-dtk)
//
// The PIN is never an option's value, never printed and never part of an error message.
#pragma once

#include "hc/card/epurse/issuer.hpp"

#include <memory>
#include <string>

namespace hc::tool {

/** The issuer options `hcard load` takes (see above). */
struct PurseIssuerOptions {
    std::string issuerKeys; ///< --issuer-keys
    std::string hsm; ///< --purse-hsm
    std::string hsmModule; ///< --purse-hsm-module
    std::string hsmToken = "hc-dev"; ///< --purse-hsm-token
    std::string hsmStore; ///< --purse-hsm-store
    std::string hsmSecretEnv = "HC_HSM_PASSPHRASE"; ///< --purse-hsm-secret-env
    std::string hsmSecretFile; ///< --purse-hsm-secret-file
    std::string loadKey = "pboc.mk-dlk"; ///< --purse-load-key
    std::string tacKey = "pboc.mk-dtk"; ///< --purse-tac-key
    /** The first HSM option given (refused without --purse-hsm); "" when none was. */
    std::string firstHsmOption;
};

/** Takes `flag` with `value` when it is one of the options above; false when it is not. */
bool takePurseIssuerOption(
    PurseIssuerOptions& options, const std::string& flag, const std::string& value);
/** Whether `flag` is one of the options above (they all take a value). */
bool isPurseIssuerOption(const std::string& flag);

/** The issuer the options name: SoftwareIssuer over --issuer-keys (the file read once), or the
 * HSM of --purse-hsm. Throws hc::InputError when neither or both are given, for an HSM option
 * without --purse-hsm and for a bad --purse-hsm / --purse-hsm-store; hc::Error
 * (CheckConfiguration) for --purse-hsm in an hcard built without hsm/; the HSM's errors (no such
 * token, wrong PIN, secret not set: they name the variable or file, never the PIN). */
std::unique_ptr<hc::card::epurse::PurseIssuer> openPurseIssuer(const PurseIssuerOptions& options);

} // namespace hc::tool
