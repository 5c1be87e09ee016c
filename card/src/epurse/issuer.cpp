#include "hc/card/epurse/issuer.hpp"

#include "hc/card/error.hpp"

#include <boost/json.hpp>
#include <fstream>
#include <openssl/crypto.h>
#include <sstream>

namespace hc::card::epurse {

namespace {
Bytes key16(const boost::json::value& v, const std::string& where) {
    if (!v.is_string()) {
        throw InputError("issuer key file: " + where + ": expected 32 hex digits");
    }
    Bytes k = fromHex(std::string(v.as_string()));
    if (k.size() != 16) {
        throw InputError("issuer key file: " + where + ": expected a 16-byte key");
    }
    return k;
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
    boost::system::error_code ec;
    const auto v = boost::json::parse(ss.str(), ec);
    if (ec || !v.is_object()) {
        throw InputError("issuer key file " + path.string() + ": not a JSON object");
    }
    const auto& o = v.as_object();
    const auto* fmt = o.if_contains("format");
    if (!fmt || !fmt->is_string() || fmt->as_string() != "hc-purse-issuer-keys/1") {
        throw InputError("issuer key file: format must be \"hc-purse-issuer-keys/1\"");
    }
    IssuerKeys keys;
    const auto* lm = o.if_contains("load_master");
    if (!lm || !lm->is_object() || lm->as_object().empty()) {
        throw InputError("issuer key file: load_master: expected {\"<version hex>\": key}");
    }
    for (const auto& [ver, k] : lm->as_object()) {
        const Bytes vb = fromHex(std::string(ver));
        if (vb.size() != 1) {
            throw InputError("issuer key file: load_master: version must be one hex byte");
        }
        keys.loadMaster[vb[0]] = key16(k, "load_master." + std::string(ver));
    }
    if (const auto* om = o.if_contains("overdraft_master"); om && om->is_object()) {
        for (const auto& [ver, k] : om->as_object()) {
            const Bytes vb = fromHex(std::string(ver));
            if (vb.size() != 1) {
                throw InputError("issuer key file: overdraft_master: version must be one hex byte");
            }
            keys.overdraftMaster[vb[0]] = key16(k, "overdraft_master." + std::string(ver));
        }
    }
    const auto* tm = o.if_contains("tac_master");
    if (!tm) {
        throw InputError("issuer key file: missing tac_master");
    }
    keys.tacMaster = key16(*tm, "tac_master");
    if (const auto* al = o.if_contains("algorithm"); al) {
        if (al->is_string() && al->as_string() == "sm4") {
            keys.algorithm = PurseAlgorithm::Sm4;
        } else if (!al->is_string() || al->as_string() != "3des") {
            throw InputError("issuer key file: algorithm must be \"3des\" or \"sm4\"");
        }
    }
    if (const auto* mb = o.if_contains("max_balance"); mb && mb->is_int64()) {
        keys.maxBalance = mb->as_int64();
    }
    return keys;
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
