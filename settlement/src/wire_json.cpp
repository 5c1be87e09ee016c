#include "hc/settle/wire_json.hpp"

#include "hc/settle/error.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_stack.hpp>
#include <stdexcept>

namespace hc::settle {

namespace json = boost::json;

namespace {

// basic_parser handler that builds a value like boost::json::parser, keeping the text of every
// non-integer number as a decimal.
struct WireHandler {
    static constexpr std::size_t max_object_size = 1'000'000;
    static constexpr std::size_t max_array_size = 100'000'000;
    static constexpr std::size_t max_key_size = 4096;
    static constexpr std::size_t max_string_size = 512 * 1024 * 1024;

    json::value_stack st;
    std::string number;
    bool taggedString = false;

    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }
    bool on_object_begin(json::error_code&) { return true; }
    bool on_object_end(std::size_t n, json::error_code&) {
        st.push_object(n);
        return true;
    }
    bool on_array_begin(json::error_code&) { return true; }
    bool on_array_end(std::size_t n, json::error_code&) {
        st.push_array(n);
        return true;
    }
    bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
        st.push_chars(s);
        return true;
    }
    bool on_key(json::string_view s, std::size_t, json::error_code&) {
        st.push_key(s);
        return true;
    }
    // A string may not start with the decimal tag: it could pass for a number.
    bool startsTagged(json::string_view s, std::size_t total) const {
        return total == s.size() && !s.empty() && s[0] == kDecimalTag;
    }
    bool on_string_part(json::string_view s, std::size_t n, json::error_code&) {
        taggedString = taggedString || startsTagged(s, n);
        st.push_chars(s);
        return true;
    }
    bool on_string(json::string_view s, std::size_t n, json::error_code& ec) {
        taggedString = taggedString || startsTagged(s, n);
        if (taggedString) {
            ec = json::error::syntax;
            return false;
        }
        st.push_string(s);
        return true;
    }
    bool on_number_part(json::string_view s, json::error_code&) {
        number.append(s.data(), s.size());
        return true;
    }
    bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
        number.clear();
        st.push_int64(i);
        return true;
    }
    bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
        number.clear();
        st.push_uint64(u);
        return true;
    }
    bool on_double(double, json::string_view s, json::error_code&) {
        number.append(s.data(), s.size());
        std::string tagged(1, kDecimalTag);
        tagged += number;
        number.clear();
        st.push_string(tagged);
        return true;
    }
    bool on_bool(bool b, json::error_code&) {
        st.push_bool(b);
        return true;
    }
    bool on_null(json::error_code&) {
        st.push_null();
        return true;
    }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }
};

void writeString(std::string& out, json::string_view s) {
    out += json::serialize(json::value(s));
}

void writeValue(std::string& out, const json::value& v) {
    switch (v.kind()) {
    case json::kind::object: {
        out += '{';
        bool first = true;
        for (const auto& [k, x] : v.get_object()) {
            if (!first) {
                out += ',';
            }
            first = false;
            writeString(out, k);
            out += ':';
            writeValue(out, x);
        }
        out += '}';
        return;
    }
    case json::kind::array: {
        out += '[';
        bool first = true;
        for (const auto& x : v.get_array()) {
            if (!first) {
                out += ',';
            }
            first = false;
            writeValue(out, x);
        }
        out += ']';
        return;
    }
    case json::kind::string:
        if (isWireDecimal(v)) {
            const auto t = wireDecimalText(v);
            out.append(t.data(), t.size());
        } else {
            writeString(out, v.get_string());
        }
        return;
    default:
        out += json::serialize(v);
        return;
    }
}

} // namespace

json::value parseWireJson(std::string_view text, const std::string& what, std::size_t maxBytes) {
    if (text.size() > maxBytes) {
        throw InputError(what, "message larger than " + std::to_string(maxBytes) + " bytes");
    }
    json::parse_options opts;
    opts.max_depth = 32;
    json::basic_parser<WireHandler> p(opts);
    p.handler().st.reset();
    json::error_code ec;
    const auto n = p.write_some(false, text.data(), text.size(), ec);
    if (!ec && n != text.size()) {
        ec = json::error::extra_data;
    }
    if (ec) {
        throw InputError(what,
            p.handler().taggedString ? "a string starts with U+0001 (refused)"
                                     : "not valid JSON (" + ec.message() + ")");
    }
    return p.handler().st.release();
}

bool isWireDecimal(const json::value& v) noexcept {
    const auto* s = v.if_string();
    return s != nullptr && s->size() > 1 && (*s)[0] == kDecimalTag;
}

std::string_view wireDecimalText(const json::value& v) noexcept {
    if (!isWireDecimal(v)) {
        return {};
    }
    const auto& s = v.get_string();
    return std::string_view(s.data() + 1, s.size() - 1);
}

json::value wireDecimal(std::string_view numberText) {
    std::string tagged(1, kDecimalTag);
    tagged.append(numberText);
    return json::value(tagged);
}

json::value wireAmount(Fen amount) {
    return wireDecimal(formatYuan(amount));
}

json::value wireRatio(BasisPoints bp) {
    const auto whole = bp / 10000;
    auto frac = std::to_string(10000 + bp % 10000).substr(1);
    return wireDecimal(std::to_string(whole) + "." + frac);
}

Fen fenFromNumberText(std::string_view text) {
    if (text.find_first_of("eE") != std::string_view::npos) {
        throw std::invalid_argument("exponent not allowed in an amount");
    }
    // Trailing zeros past the second decimal do not change the value: 31210.000 = 31210.00.
    const auto dot = text.find('.');
    if (dot != std::string_view::npos) {
        while (text.size() > dot + 3 && text.back() == '0') {
            text.remove_suffix(1);
        }
    }
    return parseYuan(text);
}

std::string serializeWire(const json::value& v) {
    std::string out;
    out.reserve(256);
    writeValue(out, v);
    return out;
}

} // namespace hc::settle
