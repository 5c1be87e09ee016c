// Checked reading of JSON from outside (requests, replies, configuration and data files): parse
// with a size and depth limit, then read fields through hc::JsonIn, whose getters check presence,
// type and range and throw hc::JsonFieldError naming the field's JSON path
// ("items[3].amount_fen: out of range 0..100"), or the module's own error type through a
// JsonFieldThrower. Modules with their own field types (money, codes) derive from it. Value types
// over a borrowed boost::json value; any thread.
#pragma once

#include "hc/base/bytes.hpp"
#include "hc/base/error.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hc {

/** A bad JSON field: what() is "<field path>: <problem>". */
class JsonFieldError : public InputError {
public:
    /** `field` is the JSON path ("items[3].amount_fen", "(root)"), `problem` what is wrong. */
    JsonFieldError(std::string field, std::string problem);
    /** The JSON path of the bad field. */
    const std::string& field() const noexcept { return m_field; }
    /** What is wrong with it. */
    const std::string& problem() const noexcept { return m_problem; }

private:
    std::string m_field;
    std::string m_problem;
};

/** Limits on a JSON text before and while it is parsed. */
struct JsonLimits {
    /** Largest text accepted, in bytes. */
    std::size_t maxBytes = 4 * 1024 * 1024;
    /** Deepest nesting of arrays and objects accepted. */
    std::size_t maxDepth = 32;
};

/** How a JsonIn or parseJson reports a bad field: a function that throws, given the field's JSON
 * path and the problem. A module with an error type of its own passes one (settlement throws its
 * InputError); nullptr, the default, throws JsonFieldError, as does a thrower that returns. */
using JsonFieldThrower = void (*)(const std::string& field, const std::string& problem);

/** Parses `text` as JSON. Throws JsonFieldError(what, "message larger than N bytes") or
 * JsonFieldError(what, "not valid JSON (<reason>)") (through `thrower` when given); `what` names
 * the text ("request", "rule table"). */
boost::json::value parseJson(std::string_view text, const std::string& what, JsonLimits limits = {},
    JsonFieldThrower thrower = nullptr);

/** A checked view of one JSON object with its path for error messages. A field that is null
 * counts as absent. Views made from a view (object, objects) report errors the same way. */
class JsonIn {
public:
    /** View `value`, which must be an object; `path` names it in errors ("" for the root). */
    JsonIn(const boost::json::value& value, std::string path, JsonFieldThrower thrower = nullptr);
    /** View an object directly. */
    JsonIn(const boost::json::object& object, std::string path, JsonFieldThrower thrower = nullptr);
    /** Refused: a temporary would dangle. */
    JsonIn(boost::json::value&& value, std::string path, JsonFieldThrower thrower = nullptr)
        = delete;

    /** Whether the field exists and is not null. */
    bool has(std::string_view name) const;
    /** The field's value; throws "<path>: missing" when absent or null. */
    const boost::json::value& need(std::string_view name) const;
    /** The field's value, or nullptr when absent or null. */
    const boost::json::value* find(std::string_view name) const;
    /** Required string of 1..maxLen bytes. */
    std::string str(std::string_view name, std::size_t maxLen = 64) const;
    /** Required string of 0..maxLen bytes: like str, but "" is a value (hex of no bytes, an
     * empty label). */
    std::string text(std::string_view name, std::size_t maxLen = 64) const;
    /** Required hex text of 0..maxDigits characters, as bytes ("" is no bytes; spaces and colons
     * between bytes are allowed, as fromHex takes them). A bad digit or a lone one fails naming the
     * field with fromHex's reason; the caller checks the length it needs. */
    Bytes hex(std::string_view name, std::size_t maxDigits = 64) const;
    /** Optional string of 0..maxLen bytes (absent, null or empty: fallback). */
    std::string strOr(std::string_view name, std::string fallback, std::size_t maxLen = 64) const;
    /** Optional string of 0..maxLen bytes kept as it is (an empty string is a value);
     * std::nullopt when absent or null. */
    std::optional<std::string> strOpt(std::string_view name, std::size_t maxLen = 64) const;
    /** Throws "<path>.<name>: unknown field" for the first member not in `known`. */
    void onlyFields(std::initializer_list<std::string_view> known) const;
    /** Required integer in [lo, hi]. */
    std::int64_t integer(std::string_view name, std::int64_t lo, std::int64_t hi) const;
    /** Optional integer in [lo, hi]. */
    std::int64_t integerOr(
        std::string_view name, std::int64_t fallback, std::int64_t lo, std::int64_t hi) const;
    /** Required boolean. */
    bool boolean(std::string_view name) const;
    /** Optional boolean. */
    bool booleanOr(std::string_view name, bool fallback) const;
    /** Required nested object. */
    JsonIn object(std::string_view name) const;
    /** Optional nested object. */
    std::optional<JsonIn> objectOpt(std::string_view name) const;
    /** Required array with at most maxItems entries. */
    const boost::json::array& array(std::string_view name, std::size_t maxItems) const;
    /** Required array of objects with at most maxItems entries. */
    std::vector<JsonIn> objects(std::string_view name, std::size_t maxItems) const;
    /** Optional array of strings of 1..maxLen bytes (absent: empty). */
    std::vector<std::string> strings(
        std::string_view name, std::size_t maxItems, std::size_t maxLen = 64) const;
    /** The underlying object. */
    const boost::json::object& raw() const noexcept { return *m_obj; }
    /** JSON path of this object. */
    const std::string& path() const noexcept { return m_path; }
    /** JSON path of a member (an empty member name is written ""). */
    std::string at(std::string_view name) const;
    /** Reports a bad field the way this view does (its thrower, or JsonFieldError). */
    [[noreturn]] void fail(const std::string& field, const std::string& problem) const;

private:
    const boost::json::object* m_obj;
    std::string m_path;
    JsonFieldThrower m_fail;
};

} // namespace hc
