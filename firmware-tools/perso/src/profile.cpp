// PersoProfile: the compiled-in default and the JSON form "hc-perso-profile/1".
#include "hc/perso/profile.hpp"

#include "hc/base/json_in.hpp"
#include "hc/card/error.hpp"

#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <sstream>

namespace hc::perso {

namespace json = boost::json;
using hc::card::health::CardProfile;

namespace {

/** Longest text field accepted (names, labels, key references). */
constexpr std::size_t kMaxText = 256;
/** A profile with an inline card profile is a few dozen kilobytes. */
constexpr hc::JsonLimits kLimits { 4 * 1024 * 1024, 32 };

[[noreturn]] void bad(const std::string& path, const std::string& what) {
    throw hc::JsonFieldError(path, what);
}

std::uint16_t hex16(const std::string& text, const std::string& path) {
    if (text.size() != 4) {
        bad(path, "expected 4 hex digits");
    }
    hc::Bytes b;
    try {
        b = hc::fromHex(text);
    } catch (const hc::InputError&) {
        bad(path, "expected 4 hex digits");
    }
    return static_cast<std::uint16_t>((b[0] << 8) | b[1]);
}

std::uint8_t hex8(const std::string& text, const std::string& path) {
    if (text.size() != 2) {
        bad(path, "expected 2 hex digits");
    }
    hc::Bytes b;
    try {
        b = hc::fromHex(text);
    } catch (const hc::InputError&) {
        bad(path, "expected 2 hex digits");
    }
    return b[0];
}

std::string hexOf16(std::uint16_t v) {
    const std::uint8_t b[2] = { static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v) };
    return hc::toHex(b);
}

std::string hexOf8(std::uint8_t v) {
    const std::uint8_t b[1] = { v };
    return hc::toHex(b);
}

KeyRole roleFrom(const std::string& text, const std::string& path) {
    for (KeyRole r : { KeyRole::Read, KeyRole::Update, KeyRole::Transmission }) {
        if (describe(r) == text) {
            return r;
        }
    }
    bad(path, "unknown role \"" + text + "\" (read, update, transmission)");
}

KeyLoadSpec key(KeyRole role, std::uint8_t id, std::uint16_t slot) {
    KeyLoadSpec k;
    k.role = role;
    k.cardKeyId = id;
    k.masterSlot = slot;
    return k;
}

} // namespace

std::string_view describe(KeyRole role) {
    switch (role) {
    case KeyRole::Read:
        return "read";
    case KeyRole::Update:
        return "update";
    case KeyRole::Transmission:
        return "transmission";
    }
    return "unknown";
}

PersoProfile PersoProfile::defaultProfile() {
    PersoProfile p;
    p.name = "ws543-2017";
    p.card = CardProfile::ws543_2017();
    using R = KeyRole;
    // healthcard-reference §4: card EXTERNAL AUTHENTICATE P2 and SAM 80 DE P1 P2 per key.
    p.dfKeys = {
        { "DDF1",
            { key(R::Read, 0x04, 0x4731), key(R::Update, 0x05, 0x272A),
                key(R::Transmission, 0x00, 0x2802) } },
        { "DF01",
            { key(R::Read, 0x84, 0x4732), key(R::Update, 0x85, 0x272B),
                key(R::Transmission, 0x00, 0x2803) } },
        { "DF02",
            { key(R::Read, 0x84, 0x4733), key(R::Update, 0x85, 0x472C),
                key(R::Update, 0x86, 0x472D), key(R::Update, 0x87, 0x472E),
                key(R::Transmission, 0x00, 0x4804) } },
        { "DF03",
            { key(R::Read, 0x84, 0x4734), key(R::Update, 0x85, 0x472F),
                key(R::Update, 0x86, 0x2730), key(R::Transmission, 0x00, 0x4805) } },
    };
    return p;
}

namespace {

PinPolicy pinFrom(const hc::JsonIn& pin) {
    PinPolicy out;
    const std::string source = pin.text("source", kMaxText);
    if (source == "given") {
        out.source = PinSource::Given;
    } else if (source == "generated") {
        out.source = PinSource::Generated;
    } else {
        bad(pin.at("source"), "expected \"given\" or \"generated\"");
    }
    out.length = static_cast<std::size_t>(pin.integer("length", 4, 12));
    out.maxTries = static_cast<int>(pin.integer("max_tries", 1, 15));
    out.pukLength = static_cast<std::size_t>(pin.integer("puk_length", 4, 16));
    out.pukMaxTries = static_cast<int>(pin.integer("puk_max_tries", 1, 15));
    return out;
}

DfKeys dfKeysFrom(const hc::JsonIn& d) {
    DfKeys dk;
    dk.df = d.text("df", kMaxText);
    for (const auto& k : d.objects("keys", 64)) {
        KeyLoadSpec spec;
        spec.role = roleFrom(k.text("role", kMaxText), k.at("role"));
        spec.cardKeyId = hex8(k.text("card_key_id", kMaxText), k.at("card_key_id"));
        spec.masterSlot = hex16(k.text("master", kMaxText), k.at("master"));
        spec.maxTries = static_cast<int>(k.integer("max_tries", 1, 15));
        dk.keys.push_back(spec);
    }
    return dk;
}

PersoProfile profileFrom(const hc::JsonIn& o) {
    if (o.text("format", kMaxText) != "hc-perso-profile/1") {
        bad(o.at("format"), "expected \"hc-perso-profile/1\"");
    }
    PersoProfile p;
    p.name = o.text("name", kMaxText);
    const auto& cp = o.need("card_profile");
    if (cp.is_string()) {
        if (cp.get_string() != "builtin:ws543-2017") {
            bad(o.at("card_profile"),
                "expected \"builtin:ws543-2017\" or an inline profile object");
        }
        p.card = CardProfile::ws543_2017();
    } else if (cp.is_object()) {
        p.card = CardProfile::fromJson(json::serialize(cp));
    } else {
        bad(o.at("card_profile"), "expected text or an object");
    }
    p.masterLabelPrefix = o.text("master_label_prefix", kMaxText);
    p.masterVersion = static_cast<std::uint32_t>(o.integer("master_version", 1, 999999));
    const std::string master = o.text("transport_master", kMaxText);
    try {
        p.transportMaster = hc::hsm::KeyRef::parse(master);
    } catch (const std::exception& e) {
        bad(o.at("transport_master"), e.what());
    }
    p.cardType = o.text("card_type", kMaxText);
    p.specVersion = o.text("spec_version", kMaxText);
    p.pin = pinFrom(o.object("pin"));
    for (const auto& d : o.objects("df_keys", 64)) {
        p.dfKeys.push_back(dfKeysFrom(d));
    }
    return p;
}

} // namespace

PersoProfile PersoProfile::fromJson(std::string_view text) {
    PersoProfile p;
    try {
        const auto root = hc::parseJson(text, "$", kLimits);
        p = profileFrom(hc::JsonIn(root, "$"));
    } catch (const hc::JsonFieldError& e) {
        throw hc::InputError(std::string("perso profile: ") + e.what());
    }
    p.validate();
    return p;
}

PersoProfile PersoProfile::load(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw hc::Error(
            "perso profile: cannot read " + path.string(), hc::NextStep::CheckConfiguration);
    }
    std::ostringstream s;
    s << in.rdbuf();
    return fromJson(s.str());
}

std::string PersoProfile::toJson() const {
    json::array dfs;
    for (const auto& d : dfKeys) {
        json::array ks;
        for (const auto& k : d.keys) {
            ks.push_back(
                json::object { { "role", describe(k.role) }, { "card_key_id", hexOf8(k.cardKeyId) },
                    { "master", hexOf16(k.masterSlot) }, { "max_tries", k.maxTries } });
        }
        dfs.push_back(json::object { { "df", d.df }, { "keys", std::move(ks) } });
    }
    json::object o { { "format", "hc-perso-profile/1" }, { "name", name },
        { "card_profile", json::parse(card.toJson()) },
        { "master_label_prefix", masterLabelPrefix }, { "master_version", masterVersion },
        { "transport_master", transportMaster.toString() }, { "card_type", cardType },
        { "spec_version", specVersion },
        { "pin",
            json::object { { "source", pin.source == PinSource::Given ? "given" : "generated" },
                { "length", pin.length }, { "max_tries", pin.maxTries },
                { "puk_length", pin.pukLength }, { "puk_max_tries", pin.pukMaxTries } } },
        { "df_keys", std::move(dfs) } };
    return json::serialize(o);
}

hc::hsm::KeyRef PersoProfile::masterRef(std::uint16_t slot) const {
    return hc::hsm::KeyRef { masterLabelPrefix + "." + hexOf16(slot), masterVersion };
}

const DfKeys* PersoProfile::keysOf(const std::string& dfName) const {
    for (const auto& d : dfKeys) {
        if (d.df == dfName) {
            return &d;
        }
    }
    return nullptr;
}

void PersoProfile::validate() const {
    if (card.dfs.empty()) {
        throw hc::InputError("perso profile " + name + ": the card profile has no DF");
    }
    for (const auto& df : card.dfs) {
        const DfKeys* dk = keysOf(df.name);
        if (!dk) {
            throw hc::InputError("perso profile " + name + ": no keys for " + df.name);
        }
        std::set<std::uint8_t> ids;
        int transmission = 0;
        for (const auto& k : dk->keys) {
            if (k.role == KeyRole::Transmission) {
                ++transmission;
                continue;
            }
            if (k.cardKeyId == 0 || !ids.insert(k.cardKeyId).second) {
                throw hc::InputError("perso profile " + name + ": " + df.name
                    + ": key ids must be non-zero and unique");
            }
        }
        if (transmission != 1) {
            throw hc::InputError(
                "perso profile " + name + ": " + df.name + " needs exactly one transmission key");
        }
        if (!ids.contains(df.readKey.cardP2)) {
            throw hc::InputError("perso profile " + name + ": " + df.name
                + ": the read key of the card profile is not loaded");
        }
    }
    for (const auto& f : card.files) {
        const auto* df = card.df(f.df);
        if (!df) {
            throw hc::InputError("perso profile " + name + ": " + f.name + " has no DF");
        }
        const DfKeys* dk = keysOf(df->name);
        for (const auto& slot : { f.readKey, f.updateKey }) {
            if (!slot) {
                continue;
            }
            bool found = false;
            // A key of this DF or of an ancestor (the card looks upwards).
            for (const auto* d = df; d && !found; d = d->parent ? card.df(d->parent) : nullptr) {
                const DfKeys* k = keysOf(d->name);
                for (const auto& spec : k ? k->keys : std::vector<KeyLoadSpec> {}) {
                    found = found
                        || (spec.role != KeyRole::Transmission && spec.cardKeyId == slot->cardP2);
                }
            }
            if (!found || !dk) {
                throw hc::InputError("perso profile " + name + ": " + f.name
                    + ": access condition names key " + hexOf8(slot->cardP2)
                    + ", which is not loaded");
            }
        }
    }
}

} // namespace hc::perso
