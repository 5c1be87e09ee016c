#include "hc/kiosk/core/purse_issuer_config.hpp"

#include "hc/card/epurse/issuer.hpp"

namespace hc::kiosk::core {

std::unique_ptr<hc::card::epurse::PurseIssuer> openPurseIssuer(const KioskdConfig& cfg) {
    if (!cfg.purseHsm.empty()) {
        throw ConfigError("purseHsm: this build has no HSM (hsm/ left out): configure with "
                          "-DHC_WITH_HSM=ON, or load with issuerKeys");
    }
    if (cfg.issuerKeys.empty()) {
        return nullptr;
    }
    return std::make_unique<hc::card::epurse::SoftwareIssuer>(
        hc::card::epurse::loadIssuerKeys(cfg.issuerKeys));
}

} // namespace hc::kiosk::core
