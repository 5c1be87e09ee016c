// LineSink: where the tracing and recording decorators write their text lines. A plain callable,
// so a test collects lines in a vector, a service forwards them to its logger, a tool appends
// them to a file.
//
// Threading: a sink is called from the thread that uses the channel; a sink shared between
// channels on several threads must serialise itself.
#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string_view>

namespace hc::card {

/** Receives one complete line, without the trailing newline. */
using LineSink = std::function<void(std::string_view line)>;

/** A sink that writes each line plus '\n' to `out` and flushes it. `out` must outlive the sink. */
LineSink ostreamSink(std::ostream& out);

/** A sink that appends each line plus '\n' to the file at `path` (created when missing) and
 * flushes after every line. Throws hc::Error (CheckConfiguration) when the file cannot be
 * opened. */
LineSink appendFileSink(const std::filesystem::path& path);

} // namespace hc::card
