#include "hc/emu/file_system.hpp"

#include "hc/card/error.hpp"

namespace hc::emu {

std::string toString(FileType type) {
    switch (type) {
    case FileType::Df:
        return "df";
    case FileType::Transparent:
        return "transparent";
    case FileType::LinearFixed:
        return "linear-fixed";
    case FileType::LinearVariable:
        return "linear-variable";
    case FileType::Cyclic:
        return "cyclic";
    }
    return "df";
}

FileType fileTypeFromString(const std::string& w) {
    if (w == "df") {
        return FileType::Df;
    }
    if (w == "transparent") {
        return FileType::Transparent;
    }
    if (w == "linear-fixed") {
        return FileType::LinearFixed;
    }
    if (w == "linear-variable") {
        return FileType::LinearVariable;
    }
    if (w == "cyclic") {
        return FileType::Cyclic;
    }
    throw hc::InputError("unknown file type \"" + w
        + "\" (expected df, transparent, linear-fixed, linear-variable or cyclic)");
}

AccessRule AccessRule::parse(const std::string& textIn) {
    std::string text = textIn;
    bool sm = false;
    if (text.size() > 3 && text.ends_with("+sm")) {
        text.resize(text.size() - 3);
        sm = true;
    }
    AccessRule r = parseKind(text, textIn);
    r.secureMessaging = sm;
    return r;
}

AccessRule AccessRule::parseKind(const std::string& text, const std::string& whole) {
    if (text == "always") {
        return { Kind::Always, 0 };
    }
    if (text == "never") {
        return { Kind::Never, 0 };
    }
    if (text == "pin") {
        return { Kind::Pin, 0 };
    }
    if (text.size() == 6 && text.starts_with("key:")) {
        const auto b = hc::fromHex(text.substr(4));
        if (b.size() == 1) { // "key:  " parses to no byte at all
            return { Kind::Key, b[0] };
        }
    }
    throw hc::InputError("unknown access rule \"" + whole
        + "\" (expected always, never, pin or key:NN with NN a hex key id, optionally followed "
          "by +sm)");
}

std::string AccessRule::toString() const {
    const char* sm = secureMessaging ? "+sm" : "";
    switch (kind) {
    case Kind::Always:
        return std::string("always") + sm;
    case Kind::Never:
        return std::string("never") + sm;
    case Kind::Pin:
        return std::string("pin") + sm;
    case Kind::Key: {
        const std::uint8_t b[1] = { keyId };
        return "key:" + hc::toHex(b) + sm;
    }
    }
    return "never";
}

FileNode* FileNode::child(std::uint16_t childFid) const {
    for (const auto& c : children) {
        if (c->fid == childFid) {
            return c.get();
        }
    }
    return nullptr;
}

CardKey* FileNode::findKey(std::uint8_t keyId) {
    for (FileNode* df = this; df; df = df->parent) {
        for (auto& k : df->keys) {
            if (k.id == keyId) {
                return &k;
            }
        }
    }
    return nullptr;
}

} // namespace hc::emu
