// CardProfile <-> JSON ("hc-health-profile/1"). card/profiles/ws543-2017.json is the default in
// this form; a unit test keeps the file and CardProfile::ws543_2017() equal.
#include "hc/base/json_in.hpp"
#include "hc/card/error.hpp"
#include "hc/card/health/profile.hpp"

#include <boost/json.hpp>
#include <sstream>

namespace hc::card::health {

namespace json = boost::json;

namespace {

std::string hex1(std::uint8_t v) {
    const std::uint8_t b[1] = { v };
    return toHex(b);
}
std::string hex2(std::uint16_t v) {
    const std::uint8_t b[2]
        = { static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v & 0xFF) };
    return toHex(b);
}

std::string_view kindName(FileKind k) {
    switch (k) {
    case FileKind::TlvRecords:
        return "tlv-records";
    case FileKind::Binary:
        return "binary";
    case FileKind::CyclicRecords:
        return "cyclic-records";
    case FileKind::IndexRecords:
        return "index-records";
    case FileKind::VisitRecord:
        return "visit-record";
    }
    return "?";
}

json::value keyJson(const std::optional<KeySlot>& k) {
    if (!k) {
        return nullptr;
    }
    return json::object { { "card_p2", hex1(k->cardP2) },
        { "sam", hex1(k->samP1) + hex1(k->samP2) } };
}

/** Longest name, label or key text accepted; the profile's own are far shorter. */
constexpr std::size_t kMaxText = 256;
/** Longest hex text accepted (an AID is 16 bytes); the exact size is checked after. */
constexpr std::size_t kMaxHex = 64;
/** A profile file is a few dozen kilobytes; the limit only stops a runaway input. */
constexpr hc::JsonLimits kLimits { 4 * 1024 * 1024, 32 };

Bytes hexField(const hc::JsonIn& in, std::string_view key, std::size_t size) {
    const Bytes b = in.hex(key, kMaxHex);
    if (size != 0 && b.size() != size) {
        throw hc::JsonFieldError(in.at(key), std::to_string(size) + " bytes expected");
    }
    return b;
}
std::uint16_t fid(const hc::JsonIn& in, std::string_view key) {
    const Bytes b = hexField(in, key, 2);
    return static_cast<std::uint16_t>((b[0] << 8) | b[1]);
}
/** A key slot: the field must be there, null meaning "no key". */
std::optional<KeySlot> keySlot(const hc::JsonIn& in, std::string_view key) {
    if (!in.raw().contains(json::string_view(key.data(), key.size()))) {
        throw hc::JsonFieldError(in.at(key), "missing (null when there is no key)");
    }
    const auto k = in.objectOpt(key);
    if (!k) {
        return std::nullopt;
    }
    KeySlot s;
    s.cardP2 = hexField(*k, "card_p2", 1)[0];
    const Bytes sam = hexField(*k, "sam", 2);
    s.samP1 = sam[0];
    s.samP2 = sam[1];
    return s;
}

DfSpec dfFrom(const hc::JsonIn& d) {
    DfSpec df;
    df.name = d.text("name", kMaxText);
    df.fid = fid(d, "fid");
    df.parent = fid(d, "parent");
    const auto rk = keySlot(d, "read_key");
    const auto tk = keySlot(d, "transport_key");
    if (!rk || !tk) {
        throw hc::JsonFieldError(d.path(), "read_key and transport_key are required for a DF");
    }
    df.readKey = *rk;
    df.transportKey = *tk;
    if (d.has("aid")) {
        df.aid = hexField(d, "aid", 0);
        if (df.aid.empty() || df.aid.size() > 16) {
            throw hc::JsonFieldError(d.at("aid"), "a DF name is 1 to 16 bytes");
        }
    }
    return df;
}

FileSpec fileFrom(const hc::JsonIn& d, const CardProfile& p) {
    FileSpec f;
    f.name = d.text("name", kMaxText);
    f.df = fid(d, "df");
    f.fid = fid(d, "fid");
    f.sfi = static_cast<std::uint8_t>(d.integer("sfi", 0, 30));
    const std::string kind = d.text("kind", kMaxText);
    bool known = false;
    for (FileKind k : { FileKind::TlvRecords, FileKind::Binary, FileKind::CyclicRecords,
             FileKind::IndexRecords, FileKind::VisitRecord }) {
        if (kindName(k) == kind) {
            f.kind = k;
            known = true;
        }
    }
    if (!known) {
        throw hc::JsonFieldError(d.at("kind"), "unknown kind \"" + kind + "\"");
    }
    f.readKey = keySlot(d, "read_key");
    f.updateKey = keySlot(d, "update_key");
    f.secureMessaging = d.boolean("secure_messaging");
    f.records = static_cast<std::size_t>(d.integer("records", 0, 254));
    f.size = static_cast<std::size_t>(d.integer("size", 0, 0x7FFF));
    f.readByIdentifier = d.booleanOr("read_by_identifier", false);
    if (!p.df(f.df)) {
        throw hc::JsonFieldError(d.at("df"), "no DF " + hex2(f.df) + " in dfs");
    }
    return f;
}

ElementSpec elementFrom(const hc::JsonIn& d, const CardProfile& p) {
    ElementSpec e;
    e.tag = hexField(d, "tag", 1)[0];
    e.key = d.text("key", kMaxText);
    e.label = d.text("label", kMaxText);
    const std::string coding = d.text("coding", kMaxText);
    if (coding == "AN") {
        e.coding = Coding::AN;
    } else if (coding == "CN") {
        e.coding = Coding::CN;
    } else if (coding == "B") {
        e.coding = Coding::B;
    } else {
        throw hc::JsonFieldError(d.at("coding"), "expected AN, CN or B");
    }
    e.length = static_cast<std::size_t>(d.integer("length", 0, 255));
    e.file = d.text("file", kMaxText);
    e.record = static_cast<std::uint8_t>(d.integer("record", 0, 254));
    if (!p.file(e.file)) {
        throw hc::JsonFieldError(d.at("file"), "no file " + e.file + " in files");
    }
    return e;
}

CardProfile profileFrom(const hc::JsonIn& o) {
    if (o.text("format", kMaxText) != "hc-health-profile/1") {
        throw hc::JsonFieldError(o.at("format"), "expected hc-health-profile/1");
    }
    CardProfile p;
    p.name = o.text("name", kMaxText);
    for (const auto& d : o.objects("dfs", 256)) {
        p.dfs.push_back(dfFrom(d));
    }
    for (const auto& d : o.objects("files", 1024)) {
        p.files.push_back(fileFrom(d, p));
    }
    for (const auto& d : o.objects("elements", 4096)) {
        p.elements.push_back(elementFrom(d, p));
    }
    const auto div = o.object("diversifier");
    p.diversifier.offsetFromEnd = static_cast<std::size_t>(div.integer("offset_from_end", 0, 15));
    p.diversifier.length = static_cast<std::size_t>(div.integer("length", 0, 15));
    p.bulkRead = o.boolean("bulk_read");
    p.addressBySfi = o.boolean("address_by_sfi");
    p.extendedLength = o.boolean("extended_length");
    p.binaryChunk = static_cast<std::size_t>(o.integer("binary_chunk", 1, 65535));
    p.readKeyPlain = hexField(o, "read_key_plain", 8);
    p.extAuthTrailer = hexField(o, "ext_auth_trailer", 1)[0];
    p.cityDigits = static_cast<std::size_t>(o.integer("city_digits", 0, 8));
    p.certificateFormat = o.text("certificate_format", kMaxText);
    p.signerId = o.text("signer_id", kMaxText);
    return p;
}

void pretty(std::ostream& os, const json::value& jv, std::string indent = {}) {
    if (jv.is_object() && !jv.get_object().empty()) {
        const auto& o = jv.get_object();
        // Small objects (keys, elements) on one line, the rest spread out.
        if (o.size() <= 8 && indent.size() >= 4) {
            os << json::serialize(jv);
            return;
        }
        os << "{\n";
        std::size_t i = 0;
        for (const auto& kv : o) {
            os << indent << "  " << json::serialize(json::string(kv.key())) << ": ";
            pretty(os, kv.value(), indent + "  ");
            os << (++i < o.size() ? ",\n" : "\n");
        }
        os << indent << "}";
    } else if (jv.is_array() && !jv.get_array().empty()) {
        const auto& a = jv.get_array();
        os << "[\n";
        for (std::size_t i = 0; i < a.size(); ++i) {
            os << indent << "  ";
            pretty(os, a[i], indent + "  ");
            os << (i + 1 < a.size() ? ",\n" : "\n");
        }
        os << indent << "]";
    } else {
        os << json::serialize(jv);
    }
}

} // namespace

std::string CardProfile::toJson() const {
    json::object o;
    o["format"] = "hc-health-profile/1";
    o["name"] = name;
    json::array d;
    for (const auto& df : dfs) {
        json::object one { { "name", df.name }, { "fid", hex2(df.fid) },
            { "parent", hex2(df.parent) }, { "read_key", keyJson(df.readKey) },
            { "transport_key", keyJson(df.transportKey) } };
        if (!df.aid.empty()) {
            one["aid"] = toHex(df.aid);
        }
        d.push_back(std::move(one));
    }
    o["dfs"] = d;
    json::array f;
    for (const auto& file : files) {
        json::object one { { "name", file.name }, { "df", hex2(file.df) },
            { "fid", hex2(file.fid) }, { "sfi", file.sfi }, { "kind", kindName(file.kind) },
            { "read_key", keyJson(file.readKey) }, { "update_key", keyJson(file.updateKey) },
            { "secure_messaging", file.secureMessaging }, { "records", file.records },
            { "size", file.size } };
        if (file.readByIdentifier) {
            one["read_by_identifier"] = true;
        }
        f.push_back(std::move(one));
    }
    o["files"] = f;
    json::array e;
    for (const auto& el : elements) {
        e.push_back(json::object { { "tag", hex1(el.tag) }, { "key", el.key },
            { "label", el.label }, { "coding", codingName(el.coding) }, { "length", el.length },
            { "file", el.file }, { "record", el.record } });
    }
    o["elements"] = e;
    o["diversifier"] = json::object { { "offset_from_end", diversifier.offsetFromEnd },
        { "length", diversifier.length } };
    o["bulk_read"] = bulkRead;
    o["address_by_sfi"] = addressBySfi;
    o["extended_length"] = extendedLength;
    o["binary_chunk"] = binaryChunk;
    o["read_key_plain"] = toHex(readKeyPlain);
    o["ext_auth_trailer"] = hex1(extAuthTrailer);
    o["city_digits"] = cityDigits;
    o["certificate_format"] = certificateFormat;
    o["signer_id"] = signerId;
    std::ostringstream os;
    pretty(os, o);
    os << "\n";
    return os.str();
}

CardProfile CardProfile::fromJson(std::string_view text) {
    const auto root = hc::parseJson(text, "card profile", kLimits);
    try {
        return profileFrom(hc::JsonIn(root, ""));
    } catch (const hc::JsonFieldError& e) {
        throw hc::InputError(std::string("card profile: ") + e.what());
    }
}

} // namespace hc::card::health
