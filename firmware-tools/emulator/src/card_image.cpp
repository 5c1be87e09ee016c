#include "hc/emu/card_image.hpp"

#include "hc/base/file_replace.hpp"
#include "hc/base/json_in.hpp"
#include "hc/card/error.hpp"

#include <boost/json.hpp>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace hc::emu {

namespace json = boost::json;

namespace {

/** Images are kilobytes to a few megabytes (32 KiB of hex per transparent file at most). */
constexpr hc::JsonLimits kLimits { 64 * 1024 * 1024, 32 };
/** Longest hex text of any field (a full transparent file: 2 * 0x7FFF digits). */
constexpr std::size_t kMaxHex = 2 * 0x7FFF;

[[noreturn]] void bad(const std::string& path, const std::string& what) {
    throw hc::JsonFieldError(path, what);
}

hc::Bytes hexText(const std::string& text, const std::string& path) {
    try {
        return hc::fromHex(text);
    } catch (const hc::InputError& e) {
        bad(path, e.what());
    }
}

hc::Bytes hex(const hc::JsonIn& in, std::string_view key) {
    return hexText(in.text(key, kMaxHex), in.at(key));
}

int tries(const hc::JsonIn& in, std::string_view key) {
    return static_cast<int>(in.integer(key, 0, 15));
}

std::uint16_t fidOf(const hc::JsonIn& in) {
    const auto b = hex(in, "fid");
    if (b.size() != 2) {
        bad(in.at("fid"), "a FID is 2 bytes (4 hex digits)");
    }
    return static_cast<std::uint16_t>((b[0] << 8) | b[1]);
}

// Boost.JSON reads 1e999 as infinity but writes it back as "Infinity", which no JSON parser reads:
// such a number in the extensions would make the image unloadable after its first save.
void checkFinite(const json::value& v, const std::string& path) {
    if (v.is_double() && !std::isfinite(v.get_double())) {
        bad(path, "number out of range");
    }
    if (v.is_array()) {
        std::size_t i = 0;
        for (const auto& e : v.get_array()) {
            checkFinite(e, path + "[" + std::to_string(i++) + "]");
        }
    } else if (v.is_object()) {
        for (const auto& kv : v.get_object()) {
            checkFinite(kv.value(), path + "." + std::string(kv.key()));
        }
    }
}

ReferenceData refData(const hc::JsonIn& o) {
    ReferenceData r;
    r.value = hex(o, "value");
    r.maxTries = tries(o, "max_tries");
    r.triesLeft = tries(o, "tries_left");
    return r;
}

CardKey keyFrom(const hc::JsonIn& k) {
    CardKey key;
    const auto id = hex(k, "id");
    if (id.size() != 1) {
        bad(k.at("id"), "a key id is 1 byte");
    }
    key.id = id[0];
    key.algorithm = k.text("alg", 16);
    if (key.algorithm != "sm4" && key.algorithm != "3des") {
        bad(k.at("alg"), "expected sm4 or 3des");
    }
    key.value = hex(k, "value");
    if (key.value.size() != 16) {
        bad(k.at("value"), "a key is 16 bytes");
    }
    key.maxTries = tries(k, "max_tries");
    key.triesLeft = tries(k, "tries_left");
    return key;
}

std::unique_ptr<FileNode> parseNode(
    const json::value& v, const std::string& path, FileNode* parent, int depth);

void dfFrom(const hc::JsonIn& o, FileNode& n, int depth) {
    n.dfName = hexText(o.strOr("name", "", kMaxHex), o.at("name"));
    if (n.dfName.size() > 16) {
        bad(o.at("name"), "a DF name is at most 16 bytes");
    }
    if (o.has("keys")) {
        for (const auto& k : o.objects("keys", 256)) {
            n.keys.push_back(keyFrom(k));
        }
    }
    if (o.has("children")) {
        const auto& children = o.array("children", 1024);
        for (std::size_t i = 0; i < children.size(); ++i) {
            auto c = parseNode(
                children[i], o.at("children") + "[" + std::to_string(i) + "]", &n, depth + 1);
            if (n.child(c->fid)) {
                const std::uint8_t fid[2]
                    = { static_cast<std::uint8_t>(c->fid >> 8), static_cast<std::uint8_t>(c->fid) };
                bad(o.path(), "two children with FID " + hc::toHex(fid));
            }
            n.children.push_back(std::move(c));
        }
    }
}

void recordsFrom(const hc::JsonIn& o, FileNode& n) {
    n.recordSize = static_cast<std::size_t>(o.integer("record_size", 0, 0xFFFF));
    n.maxRecords = static_cast<std::size_t>(o.integer("max_records", 0, 254));
    if (!o.has("records")) {
        return;
    }
    // By hand, not JsonIn::strings: a record of a file with record_size 0 is "" and valid.
    const auto& records = o.array("records", 255);
    for (std::size_t i = 0; i < records.size(); ++i) {
        const std::string rp = o.at("records") + "[" + std::to_string(i) + "]";
        const auto* text = records[i].if_string();
        if (text == nullptr) {
            bad(rp, "expected a string");
        }
        auto rec = hexText(std::string(text->data(), text->size()), rp);
        const bool fits = n.type == FileType::LinearVariable
            ? (!rec.empty() && rec.size() <= n.recordSize)
            : rec.size() == n.recordSize;
        if (!fits) {
            bad(rp,
                std::to_string(rec.size()) + " bytes does not fit record_size "
                    + std::to_string(n.recordSize));
        }
        n.records.push_back(std::move(rec));
    }
    if (n.records.size() > n.maxRecords) {
        bad(o.at("records"), "more records than max_records");
    }
}

std::unique_ptr<FileNode> parseNode(
    const json::value& v, const std::string& path, FileNode* parent, int depth) {
    if (depth > 8) {
        bad(path, "files nested deeper than 8 levels");
    }
    const hc::JsonIn o(v, path);
    auto n = std::make_unique<FileNode>();
    n->parent = parent;
    n->fid = fidOf(o);
    const std::string type = o.text("type", 32);
    try {
        n->type = fileTypeFromString(type);
    } catch (const hc::InputError& e) {
        bad(o.at("type"), e.what());
    }
    auto rule = [&](std::string_view key) {
        if (!o.has(key)) {
            return AccessRule {};
        }
        const std::string text = o.text(key, 64);
        try {
            return AccessRule::parse(text);
        } catch (const hc::InputError& e) {
            bad(o.at(key), e.what());
        }
    };
    n->read = rule("read");
    n->update = rule("update");
    n->sfi = static_cast<std::uint8_t>(o.integerOr("sfi", 0, 0, 30));
    if (n->isDf()) {
        dfFrom(o, *n, depth);
    } else if (n->type == FileType::Transparent) {
        const auto size = static_cast<std::size_t>(o.integer("size", 0, 0x7FFF));
        n->data = hexText(o.strOr("data", "", kMaxHex), o.at("data"));
        if (n->data.size() > size) {
            bad(o.at("data"), "longer than size " + std::to_string(size));
        }
        n->data.resize(size, 0x00);
    } else {
        recordsFrom(o, *n);
    }
    return n;
}

json::object nodeToJson(const FileNode& n) {
    json::object o;
    const std::uint8_t fid[2]
        = { static_cast<std::uint8_t>(n.fid >> 8), static_cast<std::uint8_t>(n.fid) };
    o["fid"] = hc::toHex(fid);
    o["type"] = toString(n.type);
    if (!n.read.isDefault()) {
        o["read"] = n.read.toString();
    }
    if (!n.update.isDefault()) {
        o["update"] = n.update.toString();
    }
    if (n.sfi) {
        o["sfi"] = n.sfi;
    }
    if (n.isDf()) {
        if (!n.dfName.empty()) {
            o["name"] = hc::toHex(n.dfName);
        }
        if (!n.keys.empty()) {
            json::array keys;
            for (const auto& k : n.keys) {
                const std::uint8_t id[1] = { k.id };
                keys.push_back(json::object { { "id", hc::toHex(id) }, { "alg", k.algorithm },
                    { "value", hc::toHex(k.value) }, { "tries_left", k.triesLeft },
                    { "max_tries", k.maxTries } });
            }
            o["keys"] = std::move(keys);
        }
        json::array ch;
        for (const auto& c : n.children) {
            ch.push_back(nodeToJson(*c));
        }
        o["children"] = std::move(ch);
    } else if (n.type == FileType::Transparent) {
        o["size"] = n.data.size();
        o["data"] = hc::toHex(n.data);
    } else {
        o["record_size"] = n.recordSize;
        o["max_records"] = n.maxRecords;
        json::array recs;
        for (const auto& r : n.records) {
            recs.push_back(json::string(hc::toHex(r)));
        }
        o["records"] = std::move(recs);
    }
    return o;
}

json::object refToJson(const ReferenceData& r) {
    return { { "value", hc::toHex(r.value) }, { "tries_left", r.triesLeft },
        { "max_tries", r.maxTries } };
}

void prettyPrint(std::ostream& os, const json::value& jv, std::string indent = {}) {
    switch (jv.kind()) {
    case json::kind::object: {
        const auto& obj = jv.get_object();
        if (obj.empty()) {
            os << "{}";
            break;
        }
        os << "{\n";
        indent.append(2, ' ');
        std::size_t i = 0;
        for (const auto& kv : obj) {
            os << indent << json::serialize(json::string(kv.key())) << ": ";
            prettyPrint(os, kv.value(), indent);
            os << (++i < obj.size() ? ",\n" : "\n");
        }
        indent.resize(indent.size() - 2);
        os << indent << "}";
        break;
    }
    case json::kind::array: {
        const auto& arr = jv.get_array();
        if (arr.empty()) {
            os << "[]";
            break;
        }
        os << "[\n";
        indent.append(2, ' ');
        for (std::size_t i = 0; i < arr.size(); ++i) {
            os << indent;
            prettyPrint(os, arr[i], indent);
            os << (i + 1 < arr.size() ? ",\n" : "\n");
        }
        indent.resize(indent.size() - 2);
        os << indent << "]";
        break;
    }
    default:
        os << json::serialize(jv);
    }
}

} // namespace

namespace {

CardImage imageFrom(const hc::JsonIn& o) {
    const auto format = o.text("format", 64);
    if (format != "hcemu-image/1") {
        bad(o.at("format"),
            "\"" + format + "\" is not a format this emulator reads (hcemu-image/1)");
    }
    CardImage img;
    img.description = o.strOr("description", "", 4096);
    img.atr = hex(o, "atr");
    if (img.atr.size() < 2 || img.atr.size() > 33) {
        bad(o.at("atr"), "an ATR is 2 to 33 bytes");
    }
    img.t0 = o.booleanOr("t0", img.t0);
    if (const auto p = o.objectOpt("pin")) {
        img.pin = refData(*p);
    }
    if (const auto p = o.objectOpt("puk")) {
        img.puk = refData(*p);
    }
    img.mf = parseNode(o.need("mf"), o.at("mf"), nullptr, 0);
    if (!img.mf->isDf()) {
        bad(o.at("mf"), "the MF must be a df");
    }
    if (const auto ext = o.objectOpt("extensions")) {
        checkFinite(o.need("extensions"), ext->path());
        img.extensions = ext->raw();
    }
    return img;
}

} // namespace

CardImage parseCardImage(const std::string& text) {
    const auto root = hc::parseJson(text, "card image", kLimits);
    try {
        return imageFrom(hc::JsonIn(root, ""));
    } catch (const hc::JsonFieldError& e) {
        throw hc::InputError(std::string("card image: ") + e.what());
    }
}

CardImage loadCardImage(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw hc::Error("card image " + path.string() + " cannot be read: " + std::strerror(errno),
            hc::NextStep::CheckConfiguration);
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return parseCardImage(ss.str());
}

std::string serializeCardImage(const CardImage& img) {
    json::object o;
    o["format"] = "hcemu-image/1";
    if (!img.description.empty()) {
        o["description"] = img.description;
    }
    o["atr"] = hc::toHex(img.atr);
    o["t0"] = img.t0;
    if (img.pin) {
        o["pin"] = refToJson(*img.pin);
    }
    if (img.puk) {
        o["puk"] = refToJson(*img.puk);
    }
    o["mf"] = nodeToJson(*img.mf);
    if (!img.extensions.empty()) {
        o["extensions"] = img.extensions;
    }
    std::ostringstream os;
    prettyPrint(os, o);
    os << '\n';
    return os.str();
}

void saveCardImage(const CardImage& img, const std::filesystem::path& path) {
    const std::string text = serializeCardImage(img);
    try {
        hc::replaceFile(path, text, 0600); // the old image stays as it was on any failure
    } catch (const hc::FileReplaceError& e) {
        if (e.step() == hc::FileReplaceStep::Create) {
            throw hc::Error("card image: cannot write " + e.path().string() + ": " + e.reason(),
                hc::NextStep::CheckConfiguration);
        }
        const char* what = e.step() == hc::FileReplaceStep::Write ? "write to "
            : e.step() == hc::FileReplaceStep::Sync               ? "fsync of "
            : e.step() == hc::FileReplaceStep::Close              ? "close of "
                                                                  : "rename to ";
        throw hc::Error(
            std::string("card image: ") + what + e.path().string() + " failed: " + e.reason(),
            hc::NextStep::CallStaff);
    }
}

} // namespace hc::emu
