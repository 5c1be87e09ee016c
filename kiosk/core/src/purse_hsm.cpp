// openHsmPurseIssuer: kioskd's loads through the issuer's HSM (hc_kiosk_purse_hsm).
#include "hc/card_hsm/hsm_purse_issuer.hpp"
#include "hc/hsm/pkcs11_hsm.hpp"
#include "hc/hsm/software_hsm.hpp"
#include "hc/kiosk/core/purse_issuer_config.hpp"

namespace hc::kiosk::core {

namespace {

namespace ep = hc::card::epurse;

/** HsmPurseIssuer together with the HSM it uses. */
class OwningHsmIssuer final : public ep::PurseIssuer {
public:
    OwningHsmIssuer(std::unique_ptr<hc::hsm::Hsm> hsm, hc::card_hsm::HsmPurseIssuerKeys keys)
        : m_hsm(std::move(hsm))
        , m_issuer(*m_hsm, std::move(keys)) { }

    ep::LoadAuthorization authorizeLoad(const ep::LoadAuthorizationRequest& r) override {
        return m_issuer.authorizeLoad(r);
    }
    bool verifyPurchaseTac(const ep::CardSerial& card, const ep::PurseFields& f, std::uint32_t ttsn,
        const ep::Mac4& tac) override {
        return m_issuer.verifyPurchaseTac(card, f, ttsn, tac);
    }
    bool verifyLoadTac(const ep::CardSerial& card, std::uint32_t balanceAfter,
        std::uint16_t onlineAtc, const ep::PurseFields& f, const ep::Mac4& tac) override {
        return m_issuer.verifyLoadTac(card, balanceAfter, onlineAtc, f, tac);
    }

private:
    std::unique_ptr<hc::hsm::Hsm> m_hsm;
    hc::card_hsm::HsmPurseIssuer m_issuer;
};

std::unique_ptr<hc::hsm::Hsm> openHsm(const KioskdConfig& cfg) {
    const auto secret = hc::hsm::SecretSource::fromEnvironment(cfg.purseHsmSecretEnv);
    if (cfg.purseHsm == "software") {
        if (cfg.purseHsmStore.empty()) {
            throw ConfigError("purseHsmStore: the software HSM needs a key-store file");
        }
        hc::hsm::SoftwareHsmOptions o;
        o.storePath = cfg.purseHsmStore;
        o.passphrase = secret;
        return std::make_unique<hc::hsm::SoftwareHsm>(o);
    }
    if (cfg.purseHsm == "pkcs11") {
        hc::hsm::Pkcs11Options o;
        o.modulePath
            = cfg.purseHsmModule.empty() ? hc::hsm::defaultSoftHsmModule() : cfg.purseHsmModule;
        o.tokenLabel = cfg.purseHsmToken;
        o.userPin = secret;
        return std::make_unique<hc::hsm::Pkcs11Hsm>(o);
    }
    throw ConfigError("purseHsm: expected \"\", software or pkcs11");
}

} // namespace

std::unique_ptr<ep::PurseIssuer> openHsmPurseIssuer(const KioskdConfig& cfg) {
    if (cfg.purseHsm.empty()) {
        return openPurseIssuer(cfg);
    }
    if (!cfg.issuerKeys.empty()) {
        throw ConfigError("purseHsm and issuerKeys are both set: loads go through one issuer "
                          "(remove issuerKeys to load through the HSM)");
    }
    hc::card_hsm::HsmPurseIssuerKeys keys;
    keys.loadLabel = cfg.purseLoadKey;
    keys.tacMaster = { cfg.purseTacKey, 1 };
    return std::make_unique<OwningHsmIssuer>(openHsm(cfg), std::move(keys));
}

} // namespace hc::kiosk::core
