// Private helpers: write all / read some on a file descriptor with poll() timeouts.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>

namespace hc::printer::detail {

/** Writes every byte within `timeout` per chunk; throws PrinterUnavailable naming `what`. */
void writeAll(int fd, std::span<const std::uint8_t> bytes, std::chrono::milliseconds timeout,
    const std::string& what);
/** Reads what is available within `timeout`; 0 on timeout; throws PrinterUnavailable on error or
 * when the peer closed (`eofIsError`). */
std::size_t readSome(int fd, std::span<std::uint8_t> out, std::chrono::milliseconds timeout,
    const std::string& what);
/** strerror(errno) as a string. */
std::string lastError();

} // namespace hc::printer::detail
