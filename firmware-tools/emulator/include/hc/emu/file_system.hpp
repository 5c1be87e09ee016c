// The emulated card's ISO 7816-4 file system: MF/DF/EF with transparent, linear-fixed,
// linear-variable and cyclic record files, access conditions and keys. Plain data; the command
// logic is in CardOs.
#pragma once

#include "hc/card/bytes.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hc::emu {

/** The kinds of file the emulator knows. */
enum class FileType { Df, Transparent, LinearFixed, LinearVariable, Cyclic };

/** "df", "transparent", "linear-fixed", "linear-variable", "cyclic". */
std::string toString(FileType type);
/** Inverse of toString; throws hc::InputError naming the unknown word. */
FileType fileTypeFromString(const std::string& word);

/** An access condition: always, never, after PIN verification, or after external
 * authentication with a key of the current DF (or of an ancestor); "+sm" adds that the command
 * must carry secure messaging (a MAC the card verifies): a plain command is refused 6987. */
struct AccessRule {
    enum class Kind { Always, Never, Pin, Key };
    Kind kind = Kind::Always;
    std::uint8_t keyId = 0;
    /** The command must come with secure messaging ("+sm"). */
    bool secureMessaging = false;

    /** Parses "always", "never", "pin", "key:05", each optionally followed by "+sm". Throws
     * hc::InputError otherwise. */
    static AccessRule parse(const std::string& text);
    std::string toString() const;
    /** True for the default rule ("always" without "+sm"), which images leave out. */
    bool isDefault() const { return kind == Kind::Always && !secureMessaging; }

private:
    static AccessRule parseKind(const std::string& text, const std::string& whole);
};

/** A key held by a DF. */
struct CardKey {
    std::uint8_t id = 0; ///< referenced by EXTERNAL AUTHENTICATE P2
    std::string algorithm; ///< "sm4" (16 bytes) or "3des" (16 bytes)
    hc::Bytes value; ///< clear key: the card holds it, nobody reads it out
    int triesLeft = 15; ///< failed authentications left; 0 = blocked
    int maxTries = 15;
};

/** One node of the tree. DF fields are empty for EFs and vice versa. */
struct FileNode {
    std::uint16_t fid = 0;
    FileType type = FileType::Df;
    std::uint8_t sfi = 0; ///< short file identifier, 0 = none
    hc::Bytes dfName; ///< DF name (AID) for SELECT by name; empty = none
    AccessRule read;
    AccessRule update;

    hc::Bytes data; ///< transparent EF: the whole content (its size is fixed)
    std::vector<hc::Bytes> records; ///< record EF: record 1 first (cyclic: newest first)
    std::size_t recordSize = 0; ///< fixed and cyclic: every record's size; variable: the maximum
    std::size_t maxRecords = 0;

    std::vector<std::unique_ptr<FileNode>> children;
    std::vector<CardKey> keys;
    FileNode* parent = nullptr;

    bool isDf() const { return type == FileType::Df; }
    bool isRecordFile() const { return type != FileType::Df && type != FileType::Transparent; }
    /** The child with that FID, or null. */
    FileNode* child(std::uint16_t childFid) const;
    /** The key with that id in this DF or the nearest ancestor that has it, or null. */
    CardKey* findKey(std::uint8_t id);
};

} // namespace hc::emu
