// Data preparation: a batch of resident records read from CSV or JSON, checked field by field,
// split into accepted records and rejects. Pure functions over the input plus one callback to
// the register (who already holds a card); any thread.
//
// CSV (UTF-8, header row, RFC 4180, columns in any order, unknown columns refused):
//   id_number,name,sex,ethnicity,birth_date[,phone][,address]
// JSON: an array of objects with the same keys, or {"residents": [...]}; sex and ethnicity may
// be numbers or digit strings.
#pragma once

#include "hc/issuance/resident.hpp"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hc::issuance {

/** One input record before validation: its position and its raw text fields. */
struct InputRow {
    std::size_t row = 0; ///< CSV: the line it starts on (header = 1); JSON: 1-based index
    std::vector<std::pair<std::string, std::string>> fields; ///< column -> text, input order
    /** The value of a column, or nullopt when the row lacks it. */
    std::optional<std::string> get(std::string_view column) const;
};

/** A rejected field of a row. */
struct Reject {
    std::size_t row = 0; ///< InputRow::row
    std::string field; ///< column ("id_number") or "row"
    std::string rule; ///< the rule ("GB 11643 check digit", "duplicate in batch", ...)
    std::string detail; ///< what was found; identifiers masked
};

/** An accepted record and where it came from. */
struct AcceptedRecord {
    std::size_t row = 0; ///< InputRow::row
    ResidentRecord record; ///< the parsed record
};

/** The outcome of validateBatch. */
struct PreparedBatch {
    std::vector<AcceptedRecord> accepted; ///< in input order
    std::vector<Reject> rejects; ///< every broken rule of every rejected row, in row order
    std::size_t rowsRead = 0; ///< data rows read
    std::size_t rowsRejected = 0; ///< rows with at least one reject
};

/** The CSV columns a batch may have, required ones first. */
const std::vector<std::string>& residentColumns();

/** Reads CSV text into rows. Throws hc::InputError for malformed CSV, a missing required
 * column, an unknown or repeated column, or a row with the wrong number of fields. */
std::vector<InputRow> readCsvRows(std::string_view text);
/** Reads a JSON batch into rows. Throws hc::InputError for malformed JSON or a wrong shape. */
std::vector<InputRow> readJsonRows(std::string_view text);
/** Reads a file: ".json" as JSON, anything else as CSV. Throws hc::InputError. */
std::vector<InputRow> readResidentFile(const std::filesystem::path& path);

/** Answers "does this resident already hold an active card?": a description of that card
 * ("card 1101...17, issued") or nullopt. */
using ActiveCardLookup = std::function<std::optional<std::string>(const std::string& idNumber)>;

/**
 * Checks every row: id_number (GB 11643: length, region, date, check digit), name (required, GBK,
 * at most 30 bytes), sex (GB/T 2261.1), ethnicity (GB 3304), birth_date (a date equal to the ID's),
 * the ID's sex digit against sex, phone (AN 20) and address (AN 100), the same ID twice in the
 * batch (the later rows are rejected) and, through `activeCard`, a resident who already holds an
 * active card. A row is accepted only when no rule is broken; every broken rule is reported.
 */
PreparedBatch validateBatch(
    const std::vector<InputRow>& rows, const ActiveCardLookup& activeCard = {});

/** Writes the reject file: CSV with the header row,field,rule,detail. */
void writeRejectFile(const std::filesystem::path& path, const std::vector<Reject>& rejects);

} // namespace hc::issuance
