#include "kiosk_issuer.hpp"

#include "hc/hsm/pkcs11_hsm.hpp"
#include "hc/hsm/software_hsm.hpp"
#include "hc/issuance/perso_card_writer.hpp"
#include "hc/kiosk/core/register_card_issuer.hpp"
#include "hc/perso.hpp"

namespace hc::kiosk::kioskd {

struct KioskIssuer::Parts {
    std::unique_ptr<hc::hsm::Hsm> hsm;
    std::unique_ptr<hc::perso::Personalizer> perso;
    std::unique_ptr<hc::issuance::PersoCardWriter> writer;
    std::unique_ptr<hc::issuance::IssuanceRegister> reg;
    std::unique_ptr<core::RegisterCardIssuer> issuer;
};

KioskIssuer::KioskIssuer(const core::KioskdConfig& cfg)
    : m_parts(std::make_unique<Parts>()) {
    auto& p = *m_parts;
    const auto secret = hc::hsm::SecretSource::fromEnvironment(cfg.issuanceHsmSecretEnv);
    if (cfg.issuanceHsm == "software") {
        hc::hsm::SoftwareHsmOptions o;
        o.storePath = cfg.issuanceHsmStore;
        if (o.storePath.empty()) {
            throw core::ConfigError("issuanceHsmStore: the software HSM needs a key-store file");
        }
        o.passphrase = secret;
        p.hsm = std::make_unique<hc::hsm::SoftwareHsm>(o);
    } else if (cfg.issuanceHsm == "pkcs11") {
        hc::hsm::Pkcs11Options o;
        o.modulePath = cfg.issuanceHsmModule.empty() ? hc::hsm::defaultSoftHsmModule()
                                                     : cfg.issuanceHsmModule;
        o.tokenLabel = cfg.issuanceHsmToken;
        o.userPin = secret;
        p.hsm = std::make_unique<hc::hsm::Pkcs11Hsm>(o);
    } else {
        throw core::ConfigError("issuanceHsm: expected software or pkcs11");
    }
    auto profile = cfg.issuanceProfile.empty() ? hc::perso::PersoProfile::defaultProfile()
                                               : hc::perso::PersoProfile::load(cfg.issuanceProfile);
    // The kiosk shows the issuer policy's PIN (fixed / id-last6), so the engine is given it.
    profile.pin.source = hc::perso::PinSource::Given;
    p.perso = std::make_unique<hc::perso::Personalizer>(*p.hsm, profile);
    p.writer = std::make_unique<hc::issuance::PersoCardWriter>(*p.perso);
    p.reg = hc::issuance::openRegister(cfg.issuanceRegister, cfg.issuerCardPrefix);
    core::RegisterCardIssuerOptions o;
    o.reader = cfg.issuanceReader;
    o.operatorId = "kiosk-" + cfg.terminal;
    o.issuer.issuerName = cfg.issuerName;
    o.issuer.issuerCode = cfg.issuerCode;
    o.issuer.cityCode = cfg.issuerCityCode;
    o.issuer.cardNumberPrefix = cfg.issuerCardPrefix;
    o.issuer.pinPolicy = cfg.issuerPinPolicy;
    o.defaultEthnicity = static_cast<int>(cfg.issuanceEthnicity);
    p.issuer = std::make_unique<core::RegisterCardIssuer>(*p.reg, *p.writer, o);
}

KioskIssuer::~KioskIssuer() = default;

core::CardIssuer& KioskIssuer::issuer() {
    return *m_parts->issuer;
}

} // namespace hc::kiosk::kioskd
