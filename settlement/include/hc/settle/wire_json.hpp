// JSON as the national platform writes it: amounts are 数值型 16,2, i.e. JSON numbers such as
// 31210.0 or 7216.00. Boost.JSON 1.81 turns a fractional number into a binary double, which
// cannot hold 0.1; this module keeps the number's own text instead.
//
//   parseWireJson     parses like boost::json::parse, except that a number with a fraction or
//                     an exponent becomes a "decimal": a value that carries the number's exact
//                     text (isWireDecimal / wireDecimalText). Integers stay int64/uint64.
//   wireAmount        a decimal of fen with two decimals (123456 → 1234.56), to send.
//   serializeWire     writes a value back with every decimal as a bare JSON number.
//
// A decimal is stored as a string starting with U+0001 (kDecimalTag), a character no field of
// the interface may start with: parseWireJson refuses such a string in the input, so a string
// can never pass for a number. JsonIn (json_in.hpp) reads decimals exactly (yuan(), decimal())
// and refuses them where a string or an integer is expected.
// Thread-safety: value functions.
#pragma once

#include "hc/settle/money.hpp"

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace hc::settle {

/** First character of the string that carries a decimal's text. */
inline constexpr char kDecimalTag = '\x01';

/** Parse wire JSON (at most `maxBytes`, depth 32); throws InputError("<what>", ...). */
boost::json::value parseWireJson(
    std::string_view text, const std::string& what, std::size_t maxBytes = 64 * 1024 * 1024);

/** Whether `v` is a decimal made by parseWireJson or wireDecimal. */
bool isWireDecimal(const boost::json::value& v) noexcept;
/** The number text of a decimal ("7216.00"); empty if `v` is not one. */
std::string_view wireDecimalText(const boost::json::value& v) noexcept;
/** A decimal with this exact number text (the caller vouches it is a JSON number). */
boost::json::value wireDecimal(std::string_view numberText);
/** A yuan amount with two decimals, to be sent as a JSON number: 723000 → 7230.00. */
boost::json::value wireAmount(Fen amount);
/** A ratio in basis points as a decimal with four decimals (5,4): 1000 → 0.1000. */
boost::json::value wireRatio(BasisPoints bp);

/** Exact fen of a JSON number's text: "31210.0" → 3121000, "7216" → 721600, "0.105" refused
 *  (more than two significant decimals; trailing zeros are fine), exponents refused. Throws
 *  std::invalid_argument saying what is wrong. */
Fen fenFromNumberText(std::string_view text);

/** Serialize with decimals as bare numbers (compact, like boost::json::serialize). */
std::string serializeWire(const boost::json::value& v);

} // namespace hc::settle
