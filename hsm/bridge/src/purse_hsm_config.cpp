// openPurseHsmIssuer: an HsmPurseIssuer over the HSM a PurseHsmConfig names, owning it.
#include "hc/card_hsm/purse_hsm_config.hpp"

#include "hc/hsm/pkcs11_hsm.hpp"
#include "hc/hsm/software_hsm.hpp"

namespace hc::card_hsm {

namespace {

namespace ep = hc::card::epurse;

/** HsmPurseIssuer together with the HSM it uses. */
class OwningHsmIssuer final : public ep::PurseIssuer {
public:
    OwningHsmIssuer(std::unique_ptr<hc::hsm::Hsm> hsm, HsmPurseIssuerKeys keys)
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
    HsmPurseIssuer m_issuer;
};

std::unique_ptr<hc::hsm::Hsm> openHsm(const PurseHsmConfig& cfg) {
    if (cfg.backend == "software") {
        if (cfg.store.empty()) {
            throw PurseHsmConfigError(
                PurseHsmConfigError::Field::Store, "the software HSM needs a key-store file");
        }
        hc::hsm::SoftwareHsmOptions o;
        o.storePath = cfg.store;
        o.passphrase = cfg.secret;
        return std::make_unique<hc::hsm::SoftwareHsm>(o);
    }
    if (cfg.backend == "pkcs11") {
        hc::hsm::Pkcs11Options o;
        o.modulePath = cfg.module.empty() ? hc::hsm::defaultSoftHsmModule() : cfg.module;
        o.tokenLabel = cfg.token;
        o.userPin = cfg.secret;
        return std::make_unique<hc::hsm::Pkcs11Hsm>(o);
    }
    throw PurseHsmConfigError(PurseHsmConfigError::Field::Backend,
        "expected software or pkcs11, got \"" + cfg.backend + "\"");
}

} // namespace

std::unique_ptr<ep::PurseIssuer> openPurseHsmIssuer(const PurseHsmConfig& config) {
    return std::make_unique<OwningHsmIssuer>(openHsm(config), config.keys);
}

} // namespace hc::card_hsm
