#include "hc/kiosk/core/kioskd_config.hpp"

#include "hc/base/json_in.hpp"

#include <algorithm>
#include <iterator>

namespace hc::kiosk::core {

namespace {

/** config.staff: the cashier-mode accounts (pinHash, or the legacy salt + pinSm3). */
std::vector<StaffAccount> parseStaff(const hc::JsonIn& config) {
    std::vector<StaffAccount> out;
    for (const auto& a : config.objects("staff", 100)) {
        a.onlyFields({ "id", "name", "role", "salt", "pinSm3", "pinHash" });
        StaffAccount acc;
        acc.id = a.strOr("id", "", 128);
        acc.name = a.strOr("name", "", 128);
        acc.role = a.strOr("role", "", 128);
        acc.salt = a.strOr("salt", "", 128);
        acc.pinSm3 = a.strOr("pinSm3", "", 128);
        acc.pinHash = a.strOr("pinHash", "", 128);
        if (acc.id.empty()
            || (acc.pinHash.empty() ? acc.pinSm3.size() != 64 : !isStaffPinHash(acc.pinHash))) {
            throw ConfigError(a.path()
                + ": needs id and pinHash (pbkdf2-sha256$ITER$SALT$KEY, printed by "
                  "kioskd --hash-pin) or the legacy salt + pinSm3 (64 hex digits)");
        }
        if (acc.role != "cashier" && acc.role != "supervisor") {
            throw ConfigError(a.at("role") + ": expected cashier or supervisor");
        }
        out.push_back(acc);
    }
    return out;
}

/** Reads the fields over `c`; throws hc::JsonFieldError or ConfigError. */
KioskdConfig readConfig(const hc::JsonIn& in, KioskdConfig c) {
    const std::pair<const char*, std::string*> strings[] { { "terminal", &c.terminal },
        { "mode", &c.mode }, { "listen", &c.listen }, { "docroot", &c.docroot },
        { "flows", &c.flows }, { "journal", &c.journal }, { "siteKeyFile", &c.siteKeyFile },
        { "tokenFile", &c.tokenFile }, { "his", &c.his }, { "cardReader", &c.cardReader },
        { "samReader", &c.samReader }, { "issuerKeys", &c.issuerKeys }, { "receipt", &c.receipt },
        { "report", &c.report }, { "paygw", &c.paygw }, { "settlementd", &c.settlementd },
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
    struct IntField {
        const char* name;
        std::int64_t* value;
        std::int64_t lo, hi;
    };
    std::int64_t port = c.port;
    std::int64_t hisTimeoutMs = c.hisTimeoutMs;
    const IntField ints[] { { "port", &port, 0, 65535 },
        { "hisTimeoutMs", &hisTimeoutMs, 0, 65535 },
        { "fakeCardBalanceFen", &c.fakeCardBalanceFen, 0, 100000000 },
        { "reportFeeFen", &c.reportFeeFen, 0, 1000000 },
        { "issuanceEthnicity", &c.issuanceEthnicity, 0, 98 } };
    const std::pair<const char*, bool*> bools[] { { "allowUiCardEvents", &c.allowUiCardEvents },
        { "cardIssuance", &c.cardIssuance } };
    for (const auto& [key, value] : in.raw()) {
        const std::string_view k(key.data(), key.size());
        const auto named = [&](const auto& field) { return k == field.first; };
        if (k != "staff" && std::none_of(std::begin(strings), std::end(strings), named)
            && std::none_of(std::begin(bools), std::end(bools), named)
            && std::none_of(
                std::begin(ints), std::end(ints), [&](const IntField& f) { return k == f.name; })) {
            throw ConfigError(in.at(k) + ": unknown field");
        }
    }
    for (const auto& [name, field] : strings) {
        if (auto v = in.strOpt(name, 1024)) {
            *field = std::move(*v);
        }
    }
    for (const auto& f : ints) {
        *f.value = in.integerOr(f.name, *f.value, f.lo, f.hi);
    }
    for (const auto& [name, field] : bools) {
        *field = in.booleanOr(name, *field);
    }
    if (in.has("staff")) {
        c.staff = parseStaff(in);
    }
    c.port = static_cast<int>(port);
    c.hisTimeoutMs = static_cast<int>(hisTimeoutMs);
    if (c.mode != "patient" && c.mode != "cashier") {
        throw ConfigError(in.at("mode") + ": expected patient or cashier");
    }
    return c;
}

} // namespace

KioskdConfig parseKioskdConfig(std::string_view text, KioskdConfig c) {
    try {
        const auto v = hc::parseJson(text, "config", { 64 * 1024, 4 });
        return readConfig(hc::JsonIn(v, "config"), std::move(c));
    } catch (const hc::JsonFieldError& e) {
        throw ConfigError(e.what()); // the field's path and what is wrong with it
    }
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
