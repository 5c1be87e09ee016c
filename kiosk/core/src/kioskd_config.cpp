#include "hc/kiosk/core/kioskd_config.hpp"

#include <boost/json.hpp>
#include <functional>
#include <map>

namespace hc::kiosk::core {

namespace json = boost::json;

namespace {

/** config.staff: the cashier-mode accounts (pinHash, or the legacy salt + pinSm3). */
std::vector<StaffAccount> parseStaff(const json::value& val) {
    if (!val.is_array() || val.get_array().size() > 100) {
        throw ConfigError("config.staff: expected an array of at most 100 accounts");
    }
    std::vector<StaffAccount> out;
    for (std::size_t i = 0; i < val.get_array().size(); ++i) {
        const auto& a = val.get_array()[i];
        const auto where = "config.staff[" + std::to_string(i) + "]";
        if (!a.is_object()) {
            throw ConfigError(where + ": expected an object");
        }
        StaffAccount acc;
        for (const auto& [fk, fv] : a.get_object()) {
            const std::string f(fk);
            if (!fv.is_string() || fv.get_string().size() > 128) {
                throw ConfigError(where + "." + f + ": expected a string of ≤ 128 bytes");
            }
            const std::string fieldText(fv.get_string());
            if (f == "id") {
                acc.id = fieldText;
            } else if (f == "name") {
                acc.name = fieldText;
            } else if (f == "role") {
                acc.role = fieldText;
            } else if (f == "salt") {
                acc.salt = fieldText;
            } else if (f == "pinSm3") {
                acc.pinSm3 = fieldText;
            } else if (f == "pinHash") {
                acc.pinHash = fieldText;
            } else {
                throw ConfigError(where + "." + f + ": unknown field");
            }
        }
        if (acc.id.empty()
            || (acc.pinHash.empty() ? acc.pinSm3.size() != 64 : !isStaffPinHash(acc.pinHash))) {
            throw ConfigError(where
                + ": needs id and pinHash (pbkdf2-sha256$ITER$SALT$KEY, printed by "
                  "kioskd --hash-pin) or the legacy salt + pinSm3 (64 hex digits)");
        }
        if (acc.role != "cashier" && acc.role != "supervisor") {
            throw ConfigError(where + ".role: expected cashier or supervisor");
        }
        out.push_back(acc);
    }
    return out;
}

} // namespace

KioskdConfig parseKioskdConfig(std::string_view text, KioskdConfig c) {
    if (text.size() > 64 * 1024) {
        throw ConfigError("config: larger than 64 KiB");
    }
    json::parse_options opts;
    opts.max_depth = 4;
    boost::system::error_code ec;
    auto v = json::parse(text, ec, {}, opts);
    if (ec || !v.is_object()) {
        throw ConfigError("config: expected a JSON object");
    }
    std::map<std::string, std::string*> strings { { "terminal", &c.terminal }, { "mode", &c.mode },
        { "listen", &c.listen }, { "docroot", &c.docroot }, { "flows", &c.flows },
        { "journal", &c.journal }, { "siteKeyFile", &c.siteKeyFile }, { "tokenFile", &c.tokenFile },
        { "his", &c.his }, { "cardReader", &c.cardReader }, { "samReader", &c.samReader },
        { "issuerKeys", &c.issuerKeys }, { "receipt", &c.receipt }, { "report", &c.report },
        { "paygw", &c.paygw }, { "settlementd", &c.settlementd },
        { "settlementdServerKey", &c.settlementdServerKey },
        { "settlementdPublicKey", &c.settlementdPublicKey },
        { "settlementdSecretKey", &c.settlementdSecretKey }, { "fakeCard", &c.fakeCard },
        { "fakeCardName", &c.fakeCardName }, { "fakeCardId", &c.fakeCardId },
        { "issuanceReader", &c.issuanceReader }, { "issuanceRegister", &c.issuanceRegister },
        { "issuanceHsm", &c.issuanceHsm }, { "issuanceHsmStore", &c.issuanceHsmStore },
        { "issuanceHsmModule", &c.issuanceHsmModule }, { "issuanceHsmToken", &c.issuanceHsmToken },
        { "issuanceHsmSecretEnv", &c.issuanceHsmSecretEnv },
        { "issuanceProfile", &c.issuanceProfile }, { "issuerName", &c.issuerName },
        { "issuerCode", &c.issuerCode }, { "issuerCityCode", &c.issuerCityCode },
        { "issuerCardPrefix", &c.issuerCardPrefix }, { "issuerPinPolicy", &c.issuerPinPolicy },
        { "issuanceDispenser", &c.issuanceDispenser }, { "purseHsm", &c.purseHsm },
        { "purseHsmStore", &c.purseHsmStore }, { "purseHsmModule", &c.purseHsmModule },
        { "purseHsmToken", &c.purseHsmToken }, { "purseHsmSecretEnv", &c.purseHsmSecretEnv },
        { "purseLoadKey", &c.purseLoadKey }, { "purseTacKey", &c.purseTacKey } };
    std::map<std::string, std::pair<std::int64_t*, std::pair<std::int64_t, std::int64_t>>> ints {
        { "fakeCardBalanceFen", { &c.fakeCardBalanceFen, { 0, 100000000 } } },
        { "reportFeeFen", { &c.reportFeeFen, { 0, 1000000 } } },
        { "issuanceEthnicity", { &c.issuanceEthnicity, { 0, 98 } } }
    };
    std::map<std::string, bool*> bools { { "allowUiCardEvents", &c.allowUiCardEvents },
        { "cardIssuance", &c.cardIssuance } };
    for (const auto& [key, val] : v.as_object()) {
        const std::string k(key);
        if (const auto it = strings.find(k); it != strings.end()) {
            if (!val.is_string() || val.get_string().size() > 1024) {
                throw ConfigError("config." + k + ": expected a string of ≤ 1024 bytes");
            }
            *it->second = std::string(val.get_string());
        } else if (const auto bi = bools.find(k); bi != bools.end()) {
            if (!val.is_bool()) {
                throw ConfigError("config." + k + ": expected true or false");
            }
            *bi->second = val.get_bool();
        } else if (k == "staff") {
            c.staff = parseStaff(val);
        } else if (k == "port" || k == "hisTimeoutMs") {
            if (!val.is_int64() || val.get_int64() < 0 || val.get_int64() > 65535) {
                throw ConfigError("config." + k + ": expected an integer 0..65535");
            }
            (k == "port" ? c.port : c.hisTimeoutMs) = static_cast<int>(val.get_int64());
        } else if (const auto ii = ints.find(k); ii != ints.end()) {
            const auto [lo, hi] = ii->second.second;
            if (!val.is_int64() || val.get_int64() < lo || val.get_int64() > hi) {
                throw ConfigError("config." + k + ": expected an integer " + std::to_string(lo)
                    + ".." + std::to_string(hi));
            }
            *ii->second.first = val.get_int64();
        } else {
            throw ConfigError("config." + k + ": unknown field");
        }
    }
    if (c.mode != "patient" && c.mode != "cashier") {
        throw ConfigError("config.mode: expected patient or cashier");
    }
    return c;
}

std::pair<std::string, unsigned short> hostPort(const std::string& url, const char* what) {
    auto rest = url;
    for (const char* prefix : { "http://", "tcp://", "tcp:" }) {
        if (rest.rfind(prefix, 0) == 0) {
            rest = rest.substr(std::char_traits<char>::length(prefix));
            break;
        }
    }
    while (!rest.empty() && rest.back() == '/') {
        rest.pop_back();
    }
    const auto colon = rest.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        throw ConfigError(std::string(what) + ": expected HOST:PORT in " + url);
    }
    int port = 0;
    try {
        port = std::stoi(rest.substr(colon + 1));
    } catch (const std::exception&) {
        port = -1;
    }
    if (port <= 0 || port > 65535) {
        throw ConfigError(std::string(what) + ": port out of range in " + url);
    }
    return { rest.substr(0, colon), static_cast<unsigned short>(port) };
}

} // namespace hc::kiosk::core
