// Checked reading of external JSON (terminal requests, center replies, rule tables).
// Every accessor bounds- and type-checks and throws InputError naming the field's JSON path.
// The parser and the plain getters are hc::parseJson / hc::JsonIn (hc/base/json_in.hpp), given a
// thrower that raises hc::settle::InputError with base's text, so settlement's callers see one
// error type; this view adds settlement's field types (fen, yuan, ratios, percentages, wire
// decimals).
#pragma once

#include "hc/base/json_in.hpp"
#include "hc/settle/money.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hc::settle {

/** Parse text as JSON; throws InputError("<what>", ...) on syntax errors or oversize input. */
boost::json::value parseJsonText(
    std::string_view text, const std::string& what, std::size_t maxBytes = 4 * 1024 * 1024);

/** A checked view of one JSON object with its path for error messages: base's hc::JsonIn (has,
 * need, find, integer, integerOr, boolean, booleanOr, strings, array, onlyFields, raw, path, at),
 * reporting every bad field as hc::settle::InputError, plus settlement's field types. */
class JsonIn : public hc::JsonIn {
public:
    /** View `value`, which must be an object; `path` names it in errors ("" for the root). */
    JsonIn(const boost::json::value& value, std::string path);
    /** View an object directly. */
    JsonIn(const boost::json::object& object, std::string path);
    /** Refused: a temporary would dangle. */
    JsonIn(boost::json::value&& value, std::string path) = delete;

    /** Required string of 1..maxLen bytes (a wire decimal is not a string). */
    std::string str(std::string_view name, std::size_t maxLen = 64) const;
    /** Optional string of 0..maxLen bytes (absent, null or empty → fallback). */
    std::string strOr(std::string_view name, std::string fallback, std::size_t maxLen = 64) const;
    /** Required integer fen in [lo, kMaxFen]. */
    Fen fen(std::string_view name, Fen lo = 0) const;
    /** Required yuan amount, read exactly: a JSON number (a wire decimal from parseWireJson,
     *  e.g. 31210.0, or an integer) or a decimal string ("12.34"); never through a double. */
    Fen yuan(std::string_view name, Fen lo = 0) const;
    /** Optional yuan amount. */
    Fen yuanOr(std::string_view name, Fen fallback, Fen lo = 0) const;
    /** Required yuan amount that must be a JSON number (数值型), as the interface types it;
     *  a string is refused. */
    Fen yuanNumber(std::string_view name, Fen lo = 0) const;
    /** Optional yuan JSON number. */
    Fen yuanNumberOr(std::string_view name, Fen fallback, Fen lo = 0) const;
    /** Required ratio 0..1 as a JSON number or decimal string with at most 4 decimals (5,4),
     *  e.g. 0.1 → 1000 basis points. */
    BasisPoints ratio(std::string_view name) const;
    /** Required percentage string or integer → basis points. */
    BasisPoints percent(std::string_view name) const;
    /** Required nested object. */
    JsonIn object(std::string_view name) const;
    /** Optional nested object. */
    std::optional<JsonIn> objectOpt(std::string_view name) const;
    /** Required array of objects with at most maxItems entries. */
    std::vector<JsonIn> objects(std::string_view name, std::size_t maxItems) const;

private:
    explicit JsonIn(hc::JsonIn in)
        : hc::JsonIn(std::move(in)) { }
    // Base's string getters that do not refuse a wire decimal: settlement reads through str/strOr.
    using hc::JsonIn::strOpt;
    using hc::JsonIn::text;
};

} // namespace hc::settle
