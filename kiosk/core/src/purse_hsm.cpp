// openHsmPurseIssuer: kioskd's loads through the issuer's HSM (hc_kiosk_purse_hsm), opened by
// hc_card_hsm's openPurseHsmIssuer from the purseHsm* keys.
#include "hc/card_hsm/purse_hsm_config.hpp"
#include "hc/kiosk/core/purse_issuer_config.hpp"

namespace hc::kiosk::core {

std::unique_ptr<hc::card::epurse::PurseIssuer> openHsmPurseIssuer(const KioskdConfig& cfg) {
    if (cfg.purseHsm.empty()) {
        return openPurseIssuer(cfg);
    }
    if (!cfg.issuerKeys.empty()) {
        throw ConfigError("purseHsm and issuerKeys are both set: loads go through one issuer "
                          "(remove issuerKeys to load through the HSM)");
    }
    hc::card_hsm::PurseHsmConfig h;
    h.backend = cfg.purseHsm;
    h.store = cfg.purseHsmStore;
    h.module = cfg.purseHsmModule;
    h.token = cfg.purseHsmToken;
    h.secret = hc::hsm::SecretSource::fromEnvironment(cfg.purseHsmSecretEnv);
    h.keys.loadLabel = cfg.purseLoadKey;
    h.keys.tacMaster = { cfg.purseTacKey, 1 };
    try {
        return hc::card_hsm::openPurseHsmIssuer(h);
    } catch (const hc::card_hsm::PurseHsmConfigError& e) {
        using F = hc::card_hsm::PurseHsmConfigError::Field;
        throw ConfigError(e.field() == F::Backend
                ? std::string("purseHsm: ") + e.what() + " (or \"\": no HSM, issuerKeys)"
                : std::string("purseHsmStore: ") + e.what());
    }
}

} // namespace hc::kiosk::core
