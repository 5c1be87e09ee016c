#include "hc/settle/json_in.hpp"

#include "hc/settle/error.hpp"
#include "hc/settle/wire_json.hpp"

#include <boost/json/parse.hpp>
#include <stdexcept>

namespace hc::settle {

namespace json = boost::json;

json::value parseJsonText(std::string_view text, const std::string& what, std::size_t maxBytes) {
    if (text.size() > maxBytes) {
        throw InputError(what, "message larger than " + std::to_string(maxBytes) + " bytes");
    }
    boost::system::error_code ec;
    json::parse_options opts;
    opts.max_depth = 32;
    auto v = json::parse(json::string_view(text.data(), text.size()), ec, {}, opts);
    if (ec) {
        throw InputError(what, "not valid JSON (" + ec.message() + ")");
    }
    return v;
}

JsonIn::JsonIn(const json::value& value, std::string path)
    : m_obj(value.if_object())
    , m_path(std::move(path)) {
    if (m_obj == nullptr) {
        throw InputError(m_path.empty() ? "(root)" : m_path, "expected an object");
    }
}

JsonIn::JsonIn(const json::object& object, std::string path)
    : m_obj(&object)
    , m_path(std::move(path)) {
}

std::string JsonIn::at(std::string_view name) const {
    return m_path.empty() ? std::string(name) : m_path + "." + std::string(name);
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
        throw InputError(at(name), "missing");
    }
    return *v;
}

bool JsonIn::has(std::string_view name) const {
    return find(name) != nullptr;
}

std::string JsonIn::str(std::string_view name, std::size_t maxLen) const {
    const auto& v = need(name);
    const auto* s = v.if_string();
    if (s == nullptr || isWireDecimal(v)) {
        throw InputError(at(name), "expected a string");
    }
    if (s->empty() || s->size() > maxLen) {
        throw InputError(at(name), "length must be 1.." + std::to_string(maxLen));
    }
    return std::string(s->data(), s->size());
}

std::string JsonIn::strOr(std::string_view name, std::string fallback, std::size_t maxLen) const {
    if (!has(name)) {
        return fallback;
    }
    const auto* s = need(name).if_string();
    if (s == nullptr || isWireDecimal(need(name))) {
        throw InputError(at(name), "expected a string");
    }
    if (s->size() > maxLen) {
        throw InputError(at(name), "longer than " + std::to_string(maxLen));
    }
    return s->empty() ? fallback : std::string(s->data(), s->size());
}

std::int64_t JsonIn::integer(std::string_view name, std::int64_t lo, std::int64_t hi) const {
    const auto& v = need(name);
    std::int64_t n = 0;
    if (v.is_int64()) {
        n = v.get_int64();
    } else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
        n = static_cast<std::int64_t>(v.get_uint64());
    } else {
        throw InputError(at(name), "expected an integer");
    }
    if (n < lo || n > hi) {
        throw InputError(
            at(name), "out of range " + std::to_string(lo) + ".." + std::to_string(hi));
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
        throw InputError(at(name), "expected true or false");
    }
    return v.get_bool();
}

bool JsonIn::booleanOr(std::string_view name, bool fallback) const {
    return has(name) ? boolean(name) : fallback;
}

Fen JsonIn::fen(std::string_view name, Fen lo) const {
    return integer(name, lo, kMaxFen);
}

Fen JsonIn::yuan(std::string_view name, Fen lo) const {
    const auto& v = need(name);
    Fen amount = 0;
    if (isWireDecimal(v)) {
        try {
            amount = fenFromNumberText(wireDecimalText(v));
        } catch (const std::invalid_argument& e) {
            throw InputError(at(name), std::string("bad yuan amount: ") + e.what());
        }
    } else if (const auto* s = v.if_string()) {
        try {
            amount = parseYuan(std::string_view(s->data(), s->size()));
        } catch (const std::invalid_argument& e) {
            throw InputError(at(name), std::string("bad yuan amount: ") + e.what());
        }
    } else if (v.is_int64() || v.is_uint64()) {
        const auto whole = integer(name, -kMaxFen / 100, kMaxFen / 100);
        amount = whole * 100;
    } else if (v.is_double()) {
        throw InputError(
            at(name), "a fractional JSON number read through a binary double (use parseWireJson)");
    } else {
        throw InputError(at(name), "expected a yuan amount (a JSON number or a decimal string)");
    }
    if (amount < lo) {
        throw InputError(at(name), "must be at least " + formatYuan(lo));
    }
    return amount;
}

Fen JsonIn::yuanOr(std::string_view name, Fen fallback, Fen lo) const {
    return has(name) ? yuan(name, lo) : fallback;
}

Fen JsonIn::yuanNumber(std::string_view name, Fen lo) const {
    const auto& v = need(name);
    if (!isWireDecimal(v) && !v.is_int64() && !v.is_uint64()) {
        throw InputError(at(name), "expected a JSON number (数值型 16,2)");
    }
    return yuan(name, lo);
}

Fen JsonIn::yuanNumberOr(std::string_view name, Fen fallback, Fen lo) const {
    return has(name) ? yuanNumber(name, lo) : fallback;
}

BasisPoints JsonIn::ratio(std::string_view name) const {
    const auto& v = need(name);
    std::string text;
    if (isWireDecimal(v)) {
        text = std::string(wireDecimalText(v));
    } else if (const auto* s = v.if_string()) {
        text = std::string(s->data(), s->size());
    } else if (v.is_int64() || v.is_uint64()) {
        text = std::to_string(integer(name, 0, 1));
    } else {
        throw InputError(at(name), "expected a ratio 0..1 (数值型 5,4)");
    }
    try {
        // 0.1234 → "12.34" percent → basis points; at most four decimals.
        const auto dot = text.find('.');
        std::string whole = dot == std::string::npos ? text : text.substr(0, dot);
        std::string frac = dot == std::string::npos ? "" : text.substr(dot + 1);
        while (frac.size() > 4 && frac.back() == '0') {
            frac.pop_back();
        }
        if (frac.size() > 4 || frac.find_first_not_of("0123456789") != std::string::npos
            || whole.empty()) {
            throw std::invalid_argument("at most four decimals");
        }
        frac.resize(4, '0');
        const auto bp = parsePercent(whole + frac.substr(0, 2) + "." + frac.substr(2));
        return bp;
    } catch (const std::invalid_argument& e) {
        throw InputError(at(name), std::string("bad ratio: ") + e.what());
    }
}

BasisPoints JsonIn::percent(std::string_view name) const {
    const auto& v = need(name);
    if (const auto* s = v.if_string()) {
        try {
            return parsePercent(std::string_view(s->data(), s->size()));
        } catch (const std::invalid_argument& e) {
            throw InputError(at(name), std::string("bad percentage: ") + e.what());
        }
    }
    return static_cast<BasisPoints>(integer(name, 0, 100) * 100);
}

JsonIn JsonIn::object(std::string_view name) const {
    return JsonIn(need(name), at(name));
}

std::optional<JsonIn> JsonIn::objectOpt(std::string_view name) const {
    if (!has(name)) {
        return std::nullopt;
    }
    return object(name);
}

std::vector<JsonIn> JsonIn::objects(std::string_view name, std::size_t maxItems) const {
    const auto& v = need(name);
    const auto* arr = v.if_array();
    if (arr == nullptr) {
        throw InputError(at(name), "expected an array");
    }
    if (arr->size() > maxItems) {
        throw InputError(at(name), "more than " + std::to_string(maxItems) + " entries");
    }
    std::vector<JsonIn> out;
    out.reserve(arr->size());
    for (std::size_t i = 0; i < arr->size(); ++i) {
        out.emplace_back((*arr)[i], at(name) + "[" + std::to_string(i) + "]");
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
        throw InputError(at(name), "expected an array of strings");
    }
    if (arr->size() > maxItems) {
        throw InputError(at(name), "more than " + std::to_string(maxItems) + " entries");
    }
    for (std::size_t i = 0; i < arr->size(); ++i) {
        const auto* s = (*arr)[i].if_string();
        const auto p = at(name) + "[" + std::to_string(i) + "]";
        if (s == nullptr) {
            throw InputError(p, "expected a string");
        }
        if (s->empty() || s->size() > maxLen) {
            throw InputError(p, "length must be 1.." + std::to_string(maxLen));
        }
        out.emplace_back(s->data(), s->size());
    }
    return out;
}

} // namespace hc::settle
