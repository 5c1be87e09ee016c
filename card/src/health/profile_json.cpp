// CardProfile <-> JSON ("hc-health-profile/1"). card/profiles/ws543-2017.json is the default in
// this form; a unit test keeps the file and CardProfile::ws543_2017() equal.
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

[[noreturn]] void bad(const std::string& path, const std::string& what) {
    throw hc::InputError("card profile: " + path + ": " + what);
}

const json::value& need(const json::object& o, const char* key, const std::string& path) {
    const auto* v = o.if_contains(key);
    if (!v) {
        bad(path, std::string("missing \"") + key + "\"");
    }
    return *v;
}
std::string str(const json::object& o, const char* key, const std::string& path) {
    const auto& v = need(o, key, path);
    if (!v.is_string()) {
        bad(path + "." + key, "expected a string");
    }
    return std::string(v.get_string());
}
Bytes hexField(const json::object& o, const char* key, const std::string& path, std::size_t size) {
    Bytes b;
    try {
        b = fromHex(str(o, key, path));
    } catch (const hc::InputError& e) {
        bad(path + "." + key, e.what());
    }
    if (size != 0 && b.size() != size) {
        bad(path + "." + key, std::to_string(size) + " bytes expected");
    }
    return b;
}
std::uint16_t fid(const json::object& o, const char* key, const std::string& path) {
    const Bytes b = hexField(o, key, path, 2);
    return static_cast<std::uint16_t>((b[0] << 8) | b[1]);
}
std::size_t num(const json::object& o, const char* key, const std::string& path, std::size_t max) {
    const auto& v = need(o, key, path);
    if (!v.is_int64() || v.get_int64() < 0 || static_cast<std::uint64_t>(v.get_int64()) > max) {
        bad(path + "." + key, "expected a whole number from 0 to " + std::to_string(max));
    }
    return static_cast<std::size_t>(v.get_int64());
}
bool flag(const json::object& o, const char* key, const std::string& path) {
    const auto& v = need(o, key, path);
    if (!v.is_bool()) {
        bad(path + "." + key, "expected true or false");
    }
    return v.get_bool();
}
const json::object& obj(const json::value& v, const std::string& path) {
    if (!v.is_object()) {
        bad(path, "expected an object");
    }
    return v.get_object();
}
const json::array& arr(const json::object& o, const char* key, const std::string& path) {
    const auto& v = need(o, key, path);
    if (!v.is_array()) {
        bad(path + "." + key, "expected an array");
    }
    return v.get_array();
}
std::optional<KeySlot> keySlot(const json::object& o, const char* key, const std::string& path) {
    const auto& v = need(o, key, path);
    if (v.is_null()) {
        return std::nullopt;
    }
    const auto& k = obj(v, path + "." + key);
    KeySlot s;
    s.cardP2 = hexField(k, "card_p2", path + "." + key, 1)[0];
    const Bytes sam = hexField(k, "sam", path + "." + key, 2);
    s.samP1 = sam[0];
    s.samP2 = sam[1];
    return s;
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
    json::value root;
    try {
        root = json::parse(text);
    } catch (const std::exception& e) {
        throw hc::InputError(std::string("card profile: not JSON: ") + e.what());
    }
    const auto& o = obj(root, "(root)");
    if (str(o, "format", "(root)") != "hc-health-profile/1") {
        bad("format", "expected hc-health-profile/1");
    }
    CardProfile p;
    p.name = str(o, "name", "(root)");
    std::size_t i = 0;
    for (const auto& v : arr(o, "dfs", "(root)")) {
        const std::string path = "dfs[" + std::to_string(i++) + "]";
        const auto& d = obj(v, path);
        DfSpec df;
        df.name = str(d, "name", path);
        df.fid = fid(d, "fid", path);
        df.parent = fid(d, "parent", path);
        const auto rk = keySlot(d, "read_key", path);
        const auto tk = keySlot(d, "transport_key", path);
        if (!rk || !tk) {
            bad(path, "read_key and transport_key are required for a DF");
        }
        df.readKey = *rk;
        df.transportKey = *tk;
        if (d.contains("aid")) {
            df.aid = hexField(d, "aid", path, 0);
            if (df.aid.empty() || df.aid.size() > 16) {
                bad(path + ".aid", "a DF name is 1 to 16 bytes");
            }
        }
        p.dfs.push_back(std::move(df));
    }
    i = 0;
    for (const auto& v : arr(o, "files", "(root)")) {
        const std::string path = "files[" + std::to_string(i++) + "]";
        const auto& d = obj(v, path);
        FileSpec f;
        f.name = str(d, "name", path);
        f.df = fid(d, "df", path);
        f.fid = fid(d, "fid", path);
        f.sfi = static_cast<std::uint8_t>(num(d, "sfi", path, 30));
        const std::string kind = str(d, "kind", path);
        bool known = false;
        for (FileKind k : { FileKind::TlvRecords, FileKind::Binary, FileKind::CyclicRecords,
                 FileKind::IndexRecords, FileKind::VisitRecord }) {
            if (kindName(k) == kind) {
                f.kind = k;
                known = true;
            }
        }
        if (!known) {
            bad(path + ".kind", "unknown kind \"" + kind + "\"");
        }
        f.readKey = keySlot(d, "read_key", path);
        f.updateKey = keySlot(d, "update_key", path);
        f.secureMessaging = flag(d, "secure_messaging", path);
        f.records = num(d, "records", path, 254);
        f.size = num(d, "size", path, 0x7FFF);
        f.readByIdentifier
            = d.contains("read_by_identifier") && flag(d, "read_by_identifier", path);
        if (!p.df(f.df)) {
            bad(path + ".df", "no DF " + hex2(f.df) + " in dfs");
        }
        p.files.push_back(std::move(f));
    }
    i = 0;
    for (const auto& v : arr(o, "elements", "(root)")) {
        const std::string path = "elements[" + std::to_string(i++) + "]";
        const auto& d = obj(v, path);
        ElementSpec e;
        e.tag = hexField(d, "tag", path, 1)[0];
        e.key = str(d, "key", path);
        e.label = str(d, "label", path);
        const std::string coding = str(d, "coding", path);
        if (coding == "AN") {
            e.coding = Coding::AN;
        } else if (coding == "CN") {
            e.coding = Coding::CN;
        } else if (coding == "B") {
            e.coding = Coding::B;
        } else {
            bad(path + ".coding", "expected AN, CN or B");
        }
        e.length = num(d, "length", path, 255);
        e.file = str(d, "file", path);
        e.record = static_cast<std::uint8_t>(num(d, "record", path, 254));
        if (!p.file(e.file)) {
            bad(path + ".file", "no file " + e.file + " in files");
        }
        p.elements.push_back(std::move(e));
    }
    const auto& div = obj(need(o, "diversifier", "(root)"), "diversifier");
    p.diversifier.offsetFromEnd = num(div, "offset_from_end", "diversifier", 15);
    p.diversifier.length = num(div, "length", "diversifier", 15);
    p.bulkRead = flag(o, "bulk_read", "(root)");
    p.addressBySfi = flag(o, "address_by_sfi", "(root)");
    p.extendedLength = flag(o, "extended_length", "(root)");
    p.binaryChunk = num(o, "binary_chunk", "(root)", 65535);
    if (p.binaryChunk == 0) {
        bad("binary_chunk", "must be at least 1");
    }
    p.readKeyPlain = hexField(o, "read_key_plain", "(root)", 8);
    p.extAuthTrailer = hexField(o, "ext_auth_trailer", "(root)", 1)[0];
    p.cityDigits = num(o, "city_digits", "(root)", 8);
    p.certificateFormat = str(o, "certificate_format", "(root)");
    p.signerId = str(o, "signer_id", "(root)");
    return p;
}

} // namespace hc::card::health
