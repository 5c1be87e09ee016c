// The card image: everything that survives a power cycle (ATR, file tree, PIN, keys), stored as
// a JSON file ("hcemu-image/1", described in docs/emulator.md). Saved atomically: a new file is
// written, fsynced and renamed over the old one, so a crash never leaves a half-written image.
#pragma once

#include "hc/card/bytes.hpp"
#include "hc/emu/file_system.hpp"

#include <boost/json/object.hpp>
#include <filesystem>
#include <memory>
#include <string>

namespace hc::emu {

/** A reference datum (PIN or PUK) with its retry counter. */
struct ReferenceData {
    hc::Bytes value;
    int triesLeft = 3;
    int maxTries = 3;
};

/** The persistent state of one card. */
struct CardImage {
    std::string description;
    hc::Bytes atr;
    /** Behave like a T=0 card: answer 61xx/6Cxx and wait for GET RESPONSE / a resend. */
    bool t0 = false;
    std::optional<ReferenceData> pin;
    std::optional<ReferenceData> puk;
    std::unique_ptr<FileNode> mf;
    /** Sections that profiles (health card, e-purse, SAM) keep for themselves, saved as is. */
    boost::json::object extensions;

    CardImage() = default;
    CardImage(CardImage&&) = default;
    CardImage& operator=(CardImage&&) = default;
};

/** Parses an image from JSON text. Throws hc::InputError naming the JSON path that is wrong
 * (e.g. "mf.children[2].records[0]: not hex"). */
CardImage parseCardImage(const std::string& jsonText);
/** Loads an image file. Throws hc::Error (CheckConfiguration) when unreadable. */
CardImage loadCardImage(const std::filesystem::path& path);
/** Serialises to pretty JSON. */
std::string serializeCardImage(const CardImage& image);
/** Writes atomically (temp file, fsync, rename, fsync of the directory). */
void saveCardImage(const CardImage& image, const std::filesystem::path& path);

} // namespace hc::emu
