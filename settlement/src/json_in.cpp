#include "hc/settle/json_in.hpp"

#include "hc/settle/error.hpp"
#include "hc/settle/wire_json.hpp"

#include <stdexcept>

namespace hc::settle {

namespace json = boost::json;

namespace {
/** Base's field errors as settlement's InputError (the same "<field>: <problem>" text). */
void throwInputError(const std::string& field, const std::string& problem) {
    throw InputError(field, problem);
}
} // namespace

json::value parseJsonText(std::string_view text, const std::string& what, std::size_t maxBytes) {
    return hc::parseJson(text, what, { maxBytes, 32 }, throwInputError);
}

JsonIn::JsonIn(const json::value& value, std::string path)
    : hc::JsonIn(value, std::move(path), throwInputError) {
}

JsonIn::JsonIn(const json::object& object, std::string path)
    : hc::JsonIn(object, std::move(path), throwInputError) {
}

std::string JsonIn::str(std::string_view name, std::size_t maxLen) const {
    if (isWireDecimal(need(name))) {
        throw InputError(at(name), "expected a string");
    }
    return hc::JsonIn::str(name, maxLen);
}

std::string JsonIn::strOr(std::string_view name, std::string fallback, std::size_t maxLen) const {
    if (has(name) && isWireDecimal(need(name))) {
        throw InputError(at(name), "expected a string");
    }
    return hc::JsonIn::strOr(name, std::move(fallback), maxLen);
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
    return JsonIn(hc::JsonIn::object(name));
}

std::optional<JsonIn> JsonIn::objectOpt(std::string_view name) const {
    if (!has(name)) {
        return std::nullopt;
    }
    return object(name);
}

std::vector<JsonIn> JsonIn::objects(std::string_view name, std::size_t maxItems) const {
    auto in = hc::JsonIn::objects(name, maxItems);
    std::vector<JsonIn> out;
    out.reserve(in.size());
    for (auto& o : in) {
        out.push_back(JsonIn(std::move(o)));
    }
    return out;
}

} // namespace hc::settle
