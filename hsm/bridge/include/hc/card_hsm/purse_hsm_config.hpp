// PurseHsmConfig: the issuer's HSM for e-purse loads, as a program's configuration names it, and
// openPurseHsmIssuer, which opens that HSM and returns an HsmPurseIssuer that owns it. What
// kioskd's purseHsm* keys and hcard's --purse-hsm* options are read into, so that both open the
// HSM the same way:
//
//   backend  "pkcs11"   a PKCS#11 token: module (""= SoftHSM2's), token label, user PIN
//            "software" hc_hsm's key-store file: store, passphrase
//   secret   where the PIN / passphrase is read from: a file or an environment variable
//            (hc::hsm::SecretSource), never the configuration itself and never a log line
//   keys     the DLK and DTK masters' labels inside the HSM (HsmPurseIssuerKeys)
//
// The caller names its own keys in its errors: PurseHsmConfigError says which field was wrong.
#pragma once

#include "hc/base/error.hpp"
#include "hc/card/epurse/issuer.hpp"
#include "hc/card_hsm/hsm_purse_issuer.hpp"
#include "hc/hsm/secret_source.hpp"

#include <memory>
#include <string>

namespace hc::card_hsm {

/** Which HSM holds the purse masters, and where its secret comes from. */
struct PurseHsmConfig {
    std::string backend; ///< "pkcs11" or "software"
    std::string store; ///< software: the key-store file (required)
    std::string module; ///< pkcs11: the module's path ("" = hc::hsm::defaultSoftHsmModule())
    std::string token = "hc-dev"; ///< pkcs11: the token's label
    hc::hsm::SecretSource secret; ///< pkcs11: the user PIN; software: the store's passphrase
    HsmPurseIssuerKeys keys; ///< the masters' labels and the issuer's limits
};

/** A PurseHsmConfig that cannot be opened as written; field() names the field to fix. */
class PurseHsmConfigError : public hc::InputError {
public:
    enum class Field { Backend, Store };
    PurseHsmConfigError(Field field, std::string message)
        : hc::InputError(std::move(message))
        , m_field(field) { }
    Field field() const noexcept { return m_field; }

private:
    Field m_field;
};

/** Opens the HSM of `config` (logging in with its secret) and returns an HsmPurseIssuer that owns
 * it. Throws PurseHsmConfigError for a backend other than "pkcs11" / "software" or a software HSM
 * without a store; the HSM's own errors (hc::hsm: no such token, wrong PIN, unreadable store,
 * secret not set) when it cannot be opened. The PIN is never part of a message. */
std::unique_ptr<hc::card::epurse::PurseIssuer> openPurseHsmIssuer(const PurseHsmConfig& config);

} // namespace hc::card_hsm
