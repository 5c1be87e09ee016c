// The programs' log: one line per message on stderr, "<program>: <message>", written whole (a
// line from one thread never interleaves with another's) and flushed at once, so a test or an
// operator reading the log file sees it immediately. Messages below the level set with
// --log-level (ProgramOptions::withLogLevel) are dropped. Keys, PINs and unmasked patient
// identifiers must never be passed here.
// Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hc {

/** How much a program logs; each level includes the ones above it. */
enum class LogLevel { Error, Warning, Info, Debug };

/** "error", "warning", "info", "debug"; nullopt for anything else. */
std::optional<LogLevel> parseLogLevel(std::string_view text);

/** Sets the program name that prefixes every line and the lowest level written (default: the
 *  name "hc", level Info). Call from main() before threads start. */
void setUpLog(std::string program, LogLevel level = LogLevel::Info);

/** True when a message of `level` would be written. */
bool logs(LogLevel level);

/** Writes "<program>: <message>\n" to stderr when `level` is enabled. */
void logLine(LogLevel level, std::string_view message);

} // namespace hc
