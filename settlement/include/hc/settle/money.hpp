// Money: integer fen (1/100 yuan) in an int64, never floating point.
// Ratios are integer basis points (1/10000). Rounding is half-up (away from zero) to the fen.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hc::settle {

/** An amount of money in fen (0.01 yuan). */
using Fen = std::int64_t;

/** A ratio in basis points: 10000 = 100 %. */
using BasisPoints = std::int32_t;

/** Largest amount accepted from outside: 10^12 fen (10 billion yuan); keeps products in range. */
inline constexpr Fen kMaxFen = 1'000'000'000'000;

/** Full ratio, 100 %. */
inline constexpr BasisPoints kFullRatio = 10000;

/** amount × bp / 10000 rounded half-up to the fen (half away from zero for negatives). */
Fen applyRatio(Fen amount, BasisPoints bp) noexcept;

/** Round a numerator expressed in fen×basis-points to fen, half-up (away from zero). */
Fen roundBpProduct(std::int64_t fenTimesBp) noexcept;

/** Format fen as a yuan decimal string with two decimals: 123456 → "1234.56", -5 → "-0.05". */
std::string formatYuan(Fen amount);

/** Parse a yuan decimal ("12", "12.3", "12.34", "-0.05") exactly; nullopt-like: throws
 *  std::invalid_argument on syntax, more than two decimals, or |value| > kMaxFen. */
Fen parseYuan(std::string_view text);

/** Parse a decimal with at most `scale` decimals as value × 10^scale ("1.5", 3 → 1500);
 *  throws std::invalid_argument on syntax, too many decimals or |value × 10^scale| > limit. */
std::int64_t parseDecimal(std::string_view text, int scale, std::int64_t limit);

/** Parse a percentage decimal ("82", "82.5", "0.25") to basis points; range 0..100 %. */
BasisPoints parsePercent(std::string_view text);

} // namespace hc::settle
