#include "hc/card/epurse/issuer.hpp"

#include "hc/base/json_in.hpp"
#include "hc/card/error.hpp"

#include <boost/json.hpp>
#include <fstream>
#include <openssl/crypto.h>
#include <sstream>

namespace hc::card::epurse {

namespace {
Bytes key16(const hc::JsonIn& in, std::string_view name) {
    const Bytes k = in.hex(name, 64);
    if (k.size() != 16) {
        throw hc::JsonFieldError(in.at(name), "expected a 16-byte key");
    }
    return k;
}

/** {"<version hex>": "<32 hex>", ...} into `out`. */
void versionedKeys(const hc::JsonIn& in, std::map<std::uint8_t, Bytes>& out) {
    for (const auto& kv : in.raw()) {
        const std::string ver(kv.key());
        Bytes vb;
        try {
            vb = fromHex(ver);
        } catch (const InputError&) { }
        if (vb.size() != 1) {
            throw hc::JsonFieldError(in.at(ver), "a key version is one hex byte");
        }
        out[vb[0]] = key16(in, ver);
    }
}

IssuerKeys keysFrom(const hc::JsonIn& in) {
    if (in.text("format") != "hc-purse-issuer-keys/1") {
        throw hc::JsonFieldError(in.at("format"), "must be \"hc-purse-issuer-keys/1\"");
    }
    IssuerKeys keys;
    const auto lm = in.object("load_master");
    if (lm.raw().empty()) {
        throw hc::JsonFieldError(lm.path(), "expected {\"<version hex>\": key}");
    }
    versionedKeys(lm, keys.loadMaster);
    // An overdraft_master that is not an object, or a max_balance that is not a whole number of
    // fen, is refused naming the field (both used to be ignored silently).
    if (const auto om = in.objectOpt("overdraft_master")) {
        versionedKeys(*om, keys.overdraftMaster);
    }
    keys.tacMaster = key16(in, "tac_master");
    if (in.has("algorithm")) {
        const std::string alg = in.text("algorithm", 16);
        if (alg == "sm4") {
            keys.algorithm = PurseAlgorithm::Sm4;
        } else if (alg != "3des") {
            throw hc::JsonFieldError(in.at("algorithm"), "must be \"3des\" or \"sm4\"");
        }
    }
    keys.maxBalance = in.integerOr("max_balance", keys.maxBalance, 0, 0xFFFFFFFF);
    return keys;
}

struct Wipe {
    Bytes& b;
    ~Wipe() { OPENSSL_cleanse(b.data(), b.size()); }
};
} // namespace

IssuerKeys loadIssuerKeys(const std::filesystem::path& path) {
    std::ifstream f(path);
    if (!f) {
        throw Error("cannot read issuer key file " + path.string(), NextStep::CheckConfiguration);
    }
    std::stringstream ss;
    ss << f.rdbuf();
    try {
        const auto root = hc::parseJson(ss.str(), "(root)", { 1024 * 1024, 32 });
        return keysFrom(hc::JsonIn(root, ""));
    } catch (const hc::JsonFieldError& e) {
        throw InputError("issuer key file " + path.string() + ": " + e.what());
    }
}

SoftwareIssuer::SoftwareIssuer(IssuerKeys keys)
    : m_keys(std::move(keys)) {
}

LoadAuthorization SoftwareIssuer::authorizeLoad(const LoadAuthorizationRequest& r) {
    const auto it = m_keys.loadMaster.find(r.init.keyVersion);
    if (it == m_keys.loadMaster.end()) {
        return { false, {}, "no load key of version " + std::to_string(r.init.keyVersion) };
    }
    if (purseAlgorithmOf(r.init.algorithm) != m_keys.algorithm) {
        return { false, {},
            "the card's algorithm " + std::to_string(r.init.algorithm) + " is not the issuer's ("
                + describe(m_keys.algorithm) + ")" };
    }
    const auto alg = m_keys.algorithm;
    if (static_cast<std::int64_t>(r.init.balance) + r.fields.amount > m_keys.maxBalance) {
        return { false, {}, "the load would exceed the maximum balance" };
    }
    Bytes dlk = diversify(it->second, r.card, alg);
    Wipe w1 { dlk };
    Bytes seslk = loadSessionKey(dlk, r.init.random, r.init.onlineAtc, alg);
    Wipe w2 { seslk };
    if (!sameMac(loadMac1(seslk, r.init.balance, r.fields, alg), r.init.mac1)) {
        return { false, {}, "MAC1 of the card does not verify" };
    }
    return { true, loadMac2(seslk, r.fields, alg), {} };
}

LoadAuthorization SoftwareIssuer::authorizeOverdraftUpdate(const OverdraftAuthorizationRequest& r) {
    const auto it = m_keys.overdraftMaster.find(r.init.keyVersion);
    if (it == m_keys.overdraftMaster.end()) {
        return { false, {},
            "no overdraft-update key of version " + std::to_string(r.init.keyVersion) };
    }
    if (purseAlgorithmOf(r.init.algorithm) != m_keys.algorithm) {
        return { false, {}, "the card's algorithm is not the issuer's" };
    }
    const auto alg = m_keys.algorithm;
    Bytes duk = diversify(it->second, r.card, alg);
    Wipe w1 { duk };
    Bytes ses = loadSessionKey(duk, r.init.random, r.init.onlineAtc, alg);
    Wipe w2 { ses };
    if (!sameMac(overdraftMac1(ses, r.init.balance, r.init.overdraftLimit, r.terminal, alg),
            r.init.mac1)) {
        return { false, {}, "MAC1 of the card does not verify" };
    }
    if (static_cast<std::int64_t>(r.init.balance) - r.init.overdraftLimit + r.newLimit < 0) {
        return { false, {}, "the new limit is below what the holder already owes" };
    }
    return { true, overdraftMac2(ses, r.newLimit, r.terminal, r.when, alg), {} };
}

bool SoftwareIssuer::verifyOverdraftTac(const CardSerial& card, std::uint32_t balanceAfter,
    std::uint16_t onlineAtc, std::uint32_t newLimit, const TerminalId& terminal,
    const TransactionTime& when, const Mac4& tac) {
    Bytes dtk = diversify(m_keys.tacMaster, card, m_keys.algorithm);
    Wipe w { dtk };
    return sameMac(
        overdraftTac(dtk, balanceAfter, onlineAtc, newLimit, terminal, when, m_keys.algorithm),
        tac);
}

bool SoftwareIssuer::verifyPurchaseTac(
    const CardSerial& card, const PurseFields& fields, std::uint32_t ttsn, const Mac4& tac) {
    Bytes dtk = diversify(m_keys.tacMaster, card, m_keys.algorithm);
    Wipe w { dtk };
    return sameMac(purchaseTac(dtk, fields, ttsn, m_keys.algorithm), tac);
}

bool SoftwareIssuer::verifyLoadTac(const CardSerial& card, std::uint32_t balanceAfter,
    std::uint16_t onlineAtc, const PurseFields& fields, const Mac4& tac) {
    Bytes dtk = diversify(m_keys.tacMaster, card, m_keys.algorithm);
    Wipe w { dtk };
    return sameMac(loadTac(dtk, balanceAfter, onlineAtc, fields, m_keys.algorithm), tac);
}

} // namespace hc::card::epurse
