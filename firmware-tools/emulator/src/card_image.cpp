#include "hc/emu/card_image.hpp"

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

[[noreturn]] void bad(const std::string& path, const std::string& what) {
    throw hc::InputError("card image: " + path + ": " + what);
}

const json::value& need(const json::object& o, const char* key, const std::string& path) {
    const auto* v = o.if_contains(key);
    if (!v) {
        bad(path, std::string("missing \"") + key + "\"");
    }
    return *v;
}

std::string str(const json::value& v, const std::string& path) {
    if (!v.is_string()) {
        bad(path, "expected a string");
    }
    return std::string(v.get_string());
}

hc::Bytes hex(const json::value& v, const std::string& path) {
    try {
        return hc::fromHex(str(v, path));
    } catch (const hc::InputError& e) {
        bad(path, e.what());
    }
}

std::size_t count(const json::value& v, const std::string& path, std::size_t max) {
    if (!v.is_int64() || v.get_int64() < 0 || static_cast<std::uint64_t>(v.get_int64()) > max) {
        bad(path, "expected a whole number from 0 to " + std::to_string(max));
    }
    return static_cast<std::size_t>(v.get_int64());
}

std::uint16_t fidOf(const json::value& v, const std::string& path) {
    const auto b = hex(v, path);
    if (b.size() != 2) {
        bad(path, "a FID is 2 bytes (4 hex digits)");
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

ReferenceData refData(const json::value& v, const std::string& path) {
    if (!v.is_object()) {
        bad(path, "expected an object");
    }
    const auto& o = v.get_object();
    ReferenceData r;
    r.value = hex(need(o, "value", path), path + ".value");
    r.maxTries = static_cast<int>(count(need(o, "max_tries", path), path + ".max_tries", 15));
    r.triesLeft = static_cast<int>(count(need(o, "tries_left", path), path + ".tries_left", 15));
    return r;
}

std::unique_ptr<FileNode> parseNode(
    const json::value& v, const std::string& path, FileNode* parent, int depth) {
    if (depth > 8) {
        bad(path, "files nested deeper than 8 levels");
    }
    if (!v.is_object()) {
        bad(path, "expected an object");
    }
    const auto& o = v.get_object();
    auto n = std::make_unique<FileNode>();
    n->parent = parent;
    n->fid = fidOf(need(o, "fid", path), path + ".fid");
    try {
        n->type = fileTypeFromString(str(need(o, "type", path), path + ".type"));
    } catch (const hc::InputError& e) {
        bad(path + ".type", e.what());
    }
    auto rule = [&](const char* key) {
        const auto* r = o.if_contains(key);
        if (!r) {
            return AccessRule {};
        }
        try {
            return AccessRule::parse(str(*r, path + "." + key));
        } catch (const hc::InputError& e) {
            bad(path + "." + key, e.what());
        }
    };
    n->read = rule("read");
    n->update = rule("update");
    if (const auto* s = o.if_contains("sfi")) {
        n->sfi = static_cast<std::uint8_t>(count(*s, path + ".sfi", 30));
    }
    if (n->isDf()) {
        if (const auto* name = o.if_contains("name")) {
            n->dfName = hex(*name, path + ".name");
            if (n->dfName.size() > 16) {
                bad(path + ".name", "a DF name is at most 16 bytes");
            }
        }
        if (const auto* keys = o.if_contains("keys")) {
            if (!keys->is_array()) {
                bad(path + ".keys", "expected an array");
            }
            std::size_t i = 0;
            for (const auto& kv : keys->get_array()) {
                const std::string kp = path + ".keys[" + std::to_string(i++) + "]";
                if (!kv.is_object()) {
                    bad(kp, "expected an object");
                }
                const auto& ko = kv.get_object();
                CardKey k;
                const auto id = hex(need(ko, "id", kp), kp + ".id");
                if (id.size() != 1) {
                    bad(kp + ".id", "a key id is 1 byte");
                }
                k.id = id[0];
                k.algorithm = str(need(ko, "alg", kp), kp + ".alg");
                if (k.algorithm != "sm4" && k.algorithm != "3des") {
                    bad(kp + ".alg", "expected sm4 or 3des");
                }
                k.value = hex(need(ko, "value", kp), kp + ".value");
                if (k.value.size() != 16) {
                    bad(kp + ".value", "a key is 16 bytes");
                }
                k.maxTries
                    = static_cast<int>(count(need(ko, "max_tries", kp), kp + ".max_tries", 15));
                k.triesLeft
                    = static_cast<int>(count(need(ko, "tries_left", kp), kp + ".tries_left", 15));
                n->keys.push_back(std::move(k));
            }
        }
        if (const auto* ch = o.if_contains("children")) {
            if (!ch->is_array()) {
                bad(path + ".children", "expected an array");
            }
            std::size_t i = 0;
            for (const auto& cv : ch->get_array()) {
                auto c = parseNode(
                    cv, path + ".children[" + std::to_string(i++) + "]", n.get(), depth + 1);
                if (n->child(c->fid)) {
                    const std::uint8_t fid[2] = { static_cast<std::uint8_t>(c->fid >> 8),
                        static_cast<std::uint8_t>(c->fid) };
                    bad(path, "two children with FID " + hc::toHex(fid));
                }
                n->children.push_back(std::move(c));
            }
        }
    } else if (n->type == FileType::Transparent) {
        const std::size_t size = count(need(o, "size", path), path + ".size", 0x7FFF);
        n->data = o.contains("data") ? hex(o.at("data"), path + ".data") : hc::Bytes {};
        if (n->data.size() > size) {
            bad(path + ".data", "longer than size " + std::to_string(size));
        }
        n->data.resize(size, 0x00);
    } else {
        n->recordSize = count(need(o, "record_size", path), path + ".record_size", 0xFFFF);
        n->maxRecords = count(need(o, "max_records", path), path + ".max_records", 254);
        if (const auto* recs = o.if_contains("records")) {
            if (!recs->is_array()) {
                bad(path + ".records", "expected an array");
            }
            std::size_t i = 0;
            for (const auto& rv : recs->get_array()) {
                const std::string rp = path + ".records[" + std::to_string(i++) + "]";
                auto rec = hex(rv, rp);
                const bool fits = n->type == FileType::LinearVariable
                    ? (!rec.empty() && rec.size() <= n->recordSize)
                    : rec.size() == n->recordSize;
                if (!fits) {
                    bad(rp,
                        std::to_string(rec.size()) + " bytes does not fit record_size "
                            + std::to_string(n->recordSize));
                }
                n->records.push_back(std::move(rec));
            }
            if (n->records.size() > n->maxRecords) {
                bad(path + ".records", "more records than max_records");
            }
        }
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

CardImage parseCardImage(const std::string& text) {
    json::value root;
    try {
        root = json::parse(text);
    } catch (const std::exception& e) {
        throw hc::InputError(std::string("card image: not valid JSON: ") + e.what());
    }
    if (!root.is_object()) {
        bad("(root)", "expected an object");
    }
    const auto& o = root.get_object();
    const auto format = str(need(o, "format", "(root)"), "format");
    if (format != "hcemu-image/1") {
        bad("format", "\"" + format + "\" is not a format this emulator reads (hcemu-image/1)");
    }
    CardImage img;
    if (const auto* d = o.if_contains("description")) {
        img.description = str(*d, "description");
    }
    img.atr = hex(need(o, "atr", "(root)"), "atr");
    if (img.atr.size() < 2 || img.atr.size() > 33) {
        bad("atr", "an ATR is 2 to 33 bytes");
    }
    if (const auto* t0 = o.if_contains("t0")) {
        if (!t0->is_bool()) {
            bad("t0", "expected true or false");
        }
        img.t0 = t0->get_bool();
    }
    if (const auto* p = o.if_contains("pin")) {
        img.pin = refData(*p, "pin");
    }
    if (const auto* p = o.if_contains("puk")) {
        img.puk = refData(*p, "puk");
    }
    img.mf = parseNode(need(o, "mf", "(root)"), "mf", nullptr, 0);
    if (!img.mf->isDf()) {
        bad("mf", "the MF must be a df");
    }
    if (const auto* ext = o.if_contains("extensions")) {
        if (!ext->is_object()) {
            bad("extensions", "expected an object");
        }
        checkFinite(*ext, "extensions");
        img.extensions = ext->get_object();
    }
    return img;
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
    const auto tmp = path.string() + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw hc::Error("card image: cannot write " + tmp + ": " + std::strerror(errno),
            hc::NextStep::CheckConfiguration);
    }
    // On any failure the temp file goes (the old image stays as it was).
    auto fail = [&tmp](int openFd, const std::string& what) {
        const std::string reason = std::strerror(errno);
        if (openFd >= 0) {
            ::close(openFd);
        }
        ::unlink(tmp.c_str());
        throw hc::Error("card image: " + what + " failed: " + reason, hc::NextStep::CallStaff);
    };
    std::size_t off = 0;
    while (off < text.size()) {
        const ssize_t w = ::write(fd, text.data() + off, text.size() - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            fail(fd, "write to " + tmp);
        }
        off += static_cast<std::size_t>(w);
    }
    if (::fsync(fd) != 0) {
        fail(fd, "fsync of " + tmp);
    }
    if (::close(fd) != 0) {
        fail(-1, "close of " + tmp);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        fail(-1, "rename to " + path.string());
    }
    const auto dir = path.has_parent_path() ? path.parent_path().string() : std::string(".");
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

} // namespace hc::emu
