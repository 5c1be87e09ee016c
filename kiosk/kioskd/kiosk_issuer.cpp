#include "kiosk_issuer.hpp"

#include "hc/dispenser/framed_dispenser.hpp"
#include "hc/hsm/pkcs11_hsm.hpp"
#include "hc/hsm/software_hsm.hpp"
#include "hc/issuance/perso_card_writer.hpp"
#include "hc/kiosk/core/register_card_issuer.hpp"
#include "hc/kiosk/journal_step.hpp"
#include "hc/perso.hpp"

#include <iostream>

namespace hc::kiosk::kioskd {

struct KioskIssuer::Parts {
    std::unique_ptr<hc::hsm::Hsm> hsm;
    std::unique_ptr<hc::perso::Personalizer> perso;
    std::unique_ptr<hc::issuance::PersoCardWriter> writer;
    std::unique_ptr<hc::issuance::IssuanceRegister> reg;
    std::unique_ptr<hc::dispenser::FramedDispenser> dispenser;
    std::unique_ptr<core::RegisterCardIssuer> issuer;
};

namespace {

/** "1101**********0017". */
std::string maskCard(const std::string& no) {
    return no.size() < 8
        ? "****"
        : no.substr(0, 4) + std::string(no.size() - 8, '*') + no.substr(no.size() - 4);
}

} // namespace

KioskIssuer::KioskIssuer(const core::KioskdConfig& cfg, Journal& journal)
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
    o.batchPrefix = "kiosk-" + cfg.terminal + "-";
    if (!cfg.issuanceDispenser.empty()) {
        p.dispenser = std::make_unique<hc::dispenser::FramedDispenser>(cfg.issuanceDispenser);
        o.dispenser = p.dispenser.get();
    }
    p.issuer = std::make_unique<core::RegisterCardIssuer>(*p.reg, *p.writer, o);

    // Boot rule after a crash: the card in the transport is captured, the register settled.
    const auto r = p.issuer->recoverAfterRestart();
    if (!r.captured && r.failed.empty() && r.issued.empty() && r.problem.empty()) {
        return;
    }
    std::string detail = "boot:";
    detail += r.captured ? " captured the card in the transport" : " transport empty";
    for (const auto& no : r.failed) {
        detail += "; failed " + maskCard(no);
    }
    for (const auto& no : r.issued) {
        detail += "; issued " + maskCard(no);
    }
    if (!r.problem.empty()) {
        detail += "; dispenser: " + r.problem;
    }
    std::cout << "kioskd: issuance recovery: " << detail << std::endl;
    const auto session = journal.openSession(cfg.terminal, "ISS");
    {
        JournalStep step(journal, session,
            { StepType::DispenserMove, session + "-BOOT", 0, "dispenser_move;capture at boot" });
        if (r.problem.empty()) {
            step.ok(detail);
        } else {
            step.failed(detail);
        }
    }
    journal.endSession(session, SessionEnd::Completed);
    journal.markRecovered(session);
}

KioskIssuer::~KioskIssuer() = default;

core::CardIssuer& KioskIssuer::issuer() {
    return *m_parts->issuer;
}

} // namespace hc::kiosk::kioskd
