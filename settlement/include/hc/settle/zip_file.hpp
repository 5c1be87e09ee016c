// ZIP archives of the national file transactions (9101 upload, 9102 download): one
// TAB-separated .txt per archive. Written and read with libzip (Debian libzip-dev).
// Thread-safety: value functions.
#pragma once

#include <string>
#include <string_view>

namespace hc::settle {

/** A ZIP archive holding one deflated entry `name` with `content`; throws StoreError. */
std::string makeZip(const std::string& name, std::string_view content);

/** One entry of an archive. */
struct ZipEntry {
    std::string name; ///< entry name
    std::string content; ///< uncompressed bytes
};

/** Read an archive that must hold exactly one `.txt` entry of at most `maxSize` bytes
 *  uncompressed; throws InputError("<what>", ...) saying what is wrong (not a ZIP, several
 *  entries, not a .txt, too large, CRC error). */
ZipEntry readSingleTextZip(
    std::string_view archive, const std::string& what, std::size_t maxSize = 1024 * 1024 * 1024);

} // namespace hc::settle
