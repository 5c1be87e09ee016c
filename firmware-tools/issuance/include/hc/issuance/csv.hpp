// An RFC 4180 CSV reader for outside input (the issuer's resident lists). Bounds-checked: every
// limit below is enforced and a violation is an hc::InputError naming the line and column. Pure
// functions, any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hc::issuance {

/** One CSV record and the physical line it starts on (1-based, the header is line 1). */
struct CsvRow {
    std::size_t line = 0; ///< line of the first character of the record
    std::vector<std::string> fields; ///< unquoted field values
};

/** Limits for parseCsv (defaults fit a batch of a million residents). */
struct CsvLimits {
    std::size_t maxFieldBytes = 4096; ///< longest field after unquoting
    std::size_t maxFields = 64; ///< fields per record
    std::size_t maxRows = 1000000; ///< records, header included
};

/**
 * Parses CSV text: fields separated by ',', records by CRLF or LF, fields optionally quoted with
 * '"' (a quote inside a quoted field is written twice; quoted fields may hold commas and line
 * breaks). A UTF-8 byte-order mark at the start is skipped; a final line break is optional;
 * blank lines are skipped. Throws hc::InputError ("line L column C: ...") for a quote inside an
 * unquoted field, text after a closing quote, an unterminated quote, a NUL byte, or a limit.
 */
std::vector<CsvRow> parseCsv(std::string_view text, const CsvLimits& limits = {});

/** A field quoted for CSV output when it holds ',', '"', CR or LF; as is otherwise. */
std::string csvQuote(std::string_view field);

} // namespace hc::issuance
