#include "hc/base/json_in.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <climits>

namespace hc {

namespace json = boost::json;

JsonFieldError::JsonFieldError(std::string field, std::string problem)
    : InputError(field + ": " + problem)
    , m_field(std::move(field))
    , m_problem(std::move(problem)) {
}

namespace {
[[noreturn]] void report(
    JsonFieldThrower fail, const std::string& field, const std::string& problem) {
    if (fail != nullptr) {
        fail(field, problem);
    }
    throw JsonFieldError(field, problem);
}
} // namespace

json::value parseJson(
    std::string_view text, const std::string& what, JsonLimits limits, JsonFieldThrower fail) {
    if (text.size() > limits.maxBytes) {
        report(fail, what, "message larger than " + std::to_string(limits.maxBytes) + " bytes");
    }
    boost::system::error_code ec;
    json::parse_options opts;
    opts.max_depth = limits.maxDepth;
    auto v = json::parse(json::string_view(text.data(), text.size()), ec, {}, opts);
    if (ec) {
        report(fail, what, "not valid JSON (" + ec.message() + ")");
    }
    return v;
}

JsonIn::JsonIn(const json::value& value, std::string path, JsonFieldThrower thrower)
    : m_obj(value.if_object())
    , m_path(std::move(path))
    , m_fail(thrower) {
    if (m_obj == nullptr) {
        this->fail(m_path.empty() ? "(root)" : m_path, "expected an object");
    }
}

JsonIn::JsonIn(const json::object& object, std::string path, JsonFieldThrower thrower)
    : m_obj(&object)
    , m_path(std::move(path))
    , m_fail(thrower) {
}

void JsonIn::fail(const std::string& field, const std::string& problem) const {
    report(m_fail, field, problem);
}

std::string JsonIn::at(std::string_view name) const {
    // An empty member name is written "" so that an error still names a field.
    const std::string member = name.empty() ? std::string("\"\"") : std::string(name);
    return m_path.empty() ? member : m_path + "." + member;
}

const json::value* JsonIn::find(std::string_view name) const {
    const auto* v = m_obj->if_contains(json::string_view(name.data(), name.size()));
    if (v == nullptr || v->is_null()) {
        return nullptr;
    }
    return v;
}

const json::value& JsonIn::need(std::string_view name) const {
    const auto* v = find(name);
    if (v == nullptr) {
        fail(at(name), "missing");
    }
    return *v;
}

bool JsonIn::has(std::string_view name) const {
    return find(name) != nullptr;
}

std::string JsonIn::str(std::string_view name, std::size_t maxLen) const {
    const auto* s = need(name).if_string();
    if (s == nullptr) {
        fail(at(name), "expected a string");
    }
    if (s->empty() || s->size() > maxLen) {
        fail(at(name), "length must be 1.." + std::to_string(maxLen));
    }
    return std::string(s->data(), s->size());
}

std::string JsonIn::text(std::string_view name, std::size_t maxLen) const {
    const auto* s = need(name).if_string();
    if (s == nullptr) {
        fail(at(name), "expected a string");
    }
    if (s->size() > maxLen) {
        fail(at(name), "longer than " + std::to_string(maxLen));
    }
    return std::string(s->data(), s->size());
}

Bytes JsonIn::hex(std::string_view name, std::size_t maxDigits) const {
    const std::string digits = text(name, maxDigits);
    try {
        return fromHex(digits);
    } catch (const InputError& e) {
        fail(at(name), e.what());
    }
}

std::string JsonIn::strOr(std::string_view name, std::string fallback, std::size_t maxLen) const {
    auto s = strOpt(name, maxLen);
    return s && !s->empty() ? std::move(*s) : fallback;
}

std::optional<std::string> JsonIn::strOpt(std::string_view name, std::size_t maxLen) const {
    if (!has(name)) {
        return std::nullopt;
    }
    return text(name, maxLen);
}

void JsonIn::onlyFields(std::initializer_list<std::string_view> known) const {
    for (const auto& [key, value] : *m_obj) {
        const std::string_view k(key.data(), key.size());
        if (std::find(known.begin(), known.end(), k) == known.end()) {
            fail(at(k), "unknown field");
        }
    }
}

std::int64_t JsonIn::integer(std::string_view name, std::int64_t lo, std::int64_t hi) const {
    const auto& v = need(name);
    std::int64_t n = 0;
    if (v.is_int64()) {
        n = v.get_int64();
    } else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
        n = static_cast<std::int64_t>(v.get_uint64());
    } else {
        fail(at(name), "expected an integer");
    }
    if (n < lo || n > hi) {
        fail(at(name), "out of range " + std::to_string(lo) + ".." + std::to_string(hi));
    }
    return n;
}

std::int64_t JsonIn::integerOr(
    std::string_view name, std::int64_t fallback, std::int64_t lo, std::int64_t hi) const {
    return has(name) ? integer(name, lo, hi) : fallback;
}

bool JsonIn::boolean(std::string_view name) const {
    const auto& v = need(name);
    if (!v.is_bool()) {
        fail(at(name), "expected true or false");
    }
    return v.get_bool();
}

bool JsonIn::booleanOr(std::string_view name, bool fallback) const {
    return has(name) ? boolean(name) : fallback;
}

JsonIn JsonIn::object(std::string_view name) const {
    return JsonIn(need(name), at(name), m_fail);
}

std::optional<JsonIn> JsonIn::objectOpt(std::string_view name) const {
    if (!has(name)) {
        return std::nullopt;
    }
    return object(name);
}

const json::array& JsonIn::array(std::string_view name, std::size_t maxItems) const {
    const auto* arr = need(name).if_array();
    if (arr == nullptr) {
        fail(at(name), "expected an array");
    }
    if (arr->size() > maxItems) {
        fail(at(name), "more than " + std::to_string(maxItems) + " entries");
    }
    return *arr;
}

std::vector<JsonIn> JsonIn::objects(std::string_view name, std::size_t maxItems) const {
    const auto& arr = array(name, maxItems);
    std::vector<JsonIn> out;
    out.reserve(arr.size());
    for (std::size_t i = 0; i < arr.size(); ++i) {
        out.emplace_back(arr[i], at(name) + "[" + std::to_string(i) + "]", m_fail);
    }
    return out;
}

std::vector<std::string> JsonIn::strings(
    std::string_view name, std::size_t maxItems, std::size_t maxLen) const {
    std::vector<std::string> out;
    if (!has(name)) {
        return out;
    }
    const auto* arr = need(name).if_array();
    if (arr == nullptr) {
        fail(at(name), "expected an array of strings");
    }
    if (arr->size() > maxItems) {
        fail(at(name), "more than " + std::to_string(maxItems) + " entries");
    }
    for (std::size_t i = 0; i < arr->size(); ++i) {
        const auto* s = (*arr)[i].if_string();
        const auto p = at(name) + "[" + std::to_string(i) + "]";
        if (s == nullptr) {
            fail(p, "expected a string");
        }
        if (s->empty() || s->size() > maxLen) {
            fail(p, "length must be 1.." + std::to_string(maxLen));
        }
        out.emplace_back(s->data(), s->size());
    }
    return out;
}

} // namespace hc
