#include "hc/settle/money.hpp"

#include <stdexcept>

namespace hc::settle {

Fen roundBpProduct(std::int64_t fenTimesBp) noexcept {
    if (fenTimesBp >= 0) {
        return (fenTimesBp + kFullRatio / 2) / kFullRatio;
    }
    return -((-fenTimesBp + kFullRatio / 2) / kFullRatio);
}

Fen applyRatio(Fen amount, BasisPoints bp) noexcept {
    return roundBpProduct(amount * static_cast<std::int64_t>(bp));
}

std::string formatYuan(Fen amount) {
    const bool negative = amount < 0;
    const std::uint64_t magnitude = negative ? static_cast<std::uint64_t>(-(amount + 1)) + 1
                                             : static_cast<std::uint64_t>(amount);
    std::string out = std::to_string(magnitude / 100);
    const auto cents = magnitude % 100;
    out += '.';
    out += static_cast<char>('0' + cents / 10);
    out += static_cast<char>('0' + cents % 10);
    return negative ? "-" + out : out;
}

namespace {

// Parses [-]digits[.digits] with at most `scale` decimals into value × 10^scale.
std::int64_t parseScaled(std::string_view text, int scale, std::int64_t limit) {
    if (text.empty()) {
        throw std::invalid_argument("empty number");
    }
    bool negative = false;
    std::size_t i = 0;
    if (text[0] == '-') {
        negative = true;
        i = 1;
    }
    std::int64_t whole = 0;
    std::size_t wholeDigits = 0;
    for (; i < text.size() && text[i] != '.'; ++i) {
        const char c = text[i];
        if (c < '0' || c > '9') {
            throw std::invalid_argument("not a decimal number");
        }
        if (whole > limit) {
            throw std::invalid_argument("number out of range");
        }
        whole = whole * 10 + (c - '0');
        ++wholeDigits;
    }
    std::int64_t frac = 0;
    int fracDigits = 0;
    if (i < text.size()) {
        ++i; // '.'
        if (i == text.size()) {
            throw std::invalid_argument("no digits after the decimal point");
        }
        for (; i < text.size(); ++i) {
            const char c = text[i];
            if (c < '0' || c > '9') {
                throw std::invalid_argument("not a decimal number");
            }
            if (fracDigits == scale) {
                throw std::invalid_argument("too many decimals");
            }
            frac = frac * 10 + (c - '0');
            ++fracDigits;
        }
    }
    if (wholeDigits == 0) {
        throw std::invalid_argument("no digits before the decimal point");
    }
    for (int d = fracDigits; d < scale; ++d) {
        frac *= 10;
    }
    std::int64_t factor = 1;
    for (int d = 0; d < scale; ++d) {
        factor *= 10;
    }
    if (whole > limit / factor) {
        throw std::invalid_argument("number out of range");
    }
    const std::int64_t value = whole * factor + frac;
    if (value > limit) {
        throw std::invalid_argument("number out of range");
    }
    return negative ? -value : value;
}

} // namespace

std::int64_t parseDecimal(std::string_view text, int scale, std::int64_t limit) {
    return parseScaled(text, scale, limit);
}

Fen parseYuan(std::string_view text) {
    return parseScaled(text, 2, kMaxFen);
}

BasisPoints parsePercent(std::string_view text) {
    const auto bp = parseScaled(text, 2, kFullRatio);
    if (bp < 0) {
        throw std::invalid_argument("negative percentage");
    }
    return static_cast<BasisPoints>(bp);
}

} // namespace hc::settle
