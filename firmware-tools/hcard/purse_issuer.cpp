// hcard's purse issuer: --issuer-keys (SoftwareIssuer) or --purse-hsm (hc_card_hsm, when hsm/ is
// in the build: HC_HCARD_PURSE_HSM).
#include "purse_issuer.hpp"

#include "hc/base/error.hpp"

#if HC_HCARD_PURSE_HSM
#include "hc/card_hsm/purse_hsm_config.hpp"
#endif

#include <map>

namespace hc::tool {

namespace {

namespace ep = hc::card::epurse;

using Field = std::string PurseIssuerOptions::*;

/** The options and their fields; `hsm` marks the ones that mean nothing without --purse-hsm. */
struct OptionField {
    Field field;
    bool hsm;
};

const std::map<std::string, OptionField>& optionFields() {
    static const std::map<std::string, OptionField> fields {
        { "--issuer-keys", { &PurseIssuerOptions::issuerKeys, false } },
        { "--purse-hsm", { &PurseIssuerOptions::hsm, false } },
        { "--purse-hsm-module", { &PurseIssuerOptions::hsmModule, true } },
        { "--purse-hsm-token", { &PurseIssuerOptions::hsmToken, true } },
        { "--purse-hsm-store", { &PurseIssuerOptions::hsmStore, true } },
        { "--purse-hsm-secret-env", { &PurseIssuerOptions::hsmSecretEnv, true } },
        { "--purse-hsm-secret-file", { &PurseIssuerOptions::hsmSecretFile, true } },
        { "--purse-load-key", { &PurseIssuerOptions::loadKey, true } },
        { "--purse-tac-key", { &PurseIssuerOptions::tacKey, true } },
    };
    return fields;
}

std::unique_ptr<ep::PurseIssuer> openHsmIssuer(const PurseIssuerOptions& o) {
#if HC_HCARD_PURSE_HSM
    hc::card_hsm::PurseHsmConfig h;
    h.backend = o.hsm;
    h.module = o.hsmModule;
    h.token = o.hsmToken;
    h.store = o.hsmStore;
    h.secret = o.hsmSecretFile.empty() ? hc::hsm::SecretSource::fromEnvironment(o.hsmSecretEnv)
                                       : hc::hsm::SecretSource::fromFile(o.hsmSecretFile);
    h.keys.loadLabel = o.loadKey;
    h.keys.tacMaster = { o.tacKey, 1 };
    try {
        return hc::card_hsm::openPurseHsmIssuer(h);
    } catch (const hc::card_hsm::PurseHsmConfigError& e) {
        using F = hc::card_hsm::PurseHsmConfigError::Field;
        throw hc::InputError((e.field() == F::Backend ? "--purse-hsm: " : "--purse-hsm-store: ")
            + std::string(e.what()));
    }
#else
    (void)o;
    throw hc::Error("--purse-hsm: this hcard was built without hsm/ (-DHC_WITH_HSM=OFF): build "
                    "it with hsm/, or load with --issuer-keys FILE",
        hc::NextStep::CheckConfiguration);
#endif
}

} // namespace

bool isPurseIssuerOption(const std::string& flag) {
    return optionFields().count(flag) != 0;
}

bool takePurseIssuerOption(
    PurseIssuerOptions& options, const std::string& flag, const std::string& value) {
    const auto it = optionFields().find(flag);
    if (it == optionFields().end()) {
        return false;
    }
    options.*(it->second.field) = value;
    if (it->second.hsm && options.firstHsmOption.empty()) {
        options.firstHsmOption = flag;
    }
    return true;
}

std::unique_ptr<ep::PurseIssuer> openPurseIssuer(const PurseIssuerOptions& o) {
    if (o.hsm.empty()) {
        if (!o.firstHsmOption.empty()) {
            throw hc::InputError(o.firstHsmOption
                + " is for loads through the HSM: give --purse-hsm pkcs11|software too");
        }
        if (o.issuerKeys.empty()) {
            throw hc::InputError("--issuer-keys FILE (development key file) or --purse-hsm "
                                 "pkcs11|software (the issuer's HSM) is required");
        }
        return std::make_unique<ep::SoftwareIssuer>(ep::loadIssuerKeys(o.issuerKeys));
    }
    if (!o.issuerKeys.empty()) {
        throw hc::InputError("--purse-hsm and --issuer-keys are both given: a load goes through "
                             "one issuer (drop --issuer-keys to load through the HSM)");
    }
    return openHsmIssuer(o);
}

} // namespace hc::tool
