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

AccessRule AccessRule::parse(const std::string& text) {
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
    throw hc::InputError("unknown access rule \"" + text
        + "\" (expected always, never, pin or key:NN with NN a hex key id)");
}

std::string AccessRule::toString() const {
    switch (kind) {
    case Kind::Always:
        return "always";
    case Kind::Never:
        return "never";
    case Kind::Pin:
        return "pin";
    case Kind::Key: {
        const std::uint8_t b[1] = { keyId };
        return "key:" + hc::toHex(b);
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
