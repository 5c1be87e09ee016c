// Secret files at rest (the config with the SAM PIN and the CURVE secret, the purse issuer's
// key file, the site card key, the staff PIN file, the per-boot access token): read only when
// nobody but the owner can read them, written 0600. Thread-safe.
#pragma once

#include <filesystem>
#include <string>

namespace hc::kiosk::core {

/** Throws hc::Error (NextStep::CheckConfiguration) naming `what` and the file when it is
 * readable or writable by group or others: "chmod 600 <file>". */
void requireOwnerOnly(const std::filesystem::path& file, const std::string& what);

/** Reads a secret file after requireOwnerOnly(). Throws hc::Error when it cannot be read. */
std::string readSecretFile(const std::filesystem::path& file, const std::string& what);

/** Writes `text` to `file` with mode 0600 (a temporary file, fsync, rename). Throws hc::Error. */
void writeSecretFile(const std::filesystem::path& file, const std::string& text);

} // namespace hc::kiosk::core
