// Card numbers: prefix | zero-padded sequence | Luhn digit, 18 digits.
#include "hc/issuance/card_number.hpp"

#include "hc/card/error.hpp"

namespace hc::issuance {

namespace {
constexpr std::size_t kLength = 18;
bool allDigits(std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}
} // namespace

char luhnCheckDigit(std::string_view digits) {
    int sum = 0;
    bool twice = true; // the rightmost digit of the payload is doubled
    for (std::size_t k = digits.size(); k-- > 0;) {
        int d = digits[k] - '0';
        if (twice) {
            d *= 2;
            if (d > 9) {
                d -= 9;
            }
        }
        sum += d;
        twice = !twice;
    }
    return static_cast<char>('0' + (10 - sum % 10) % 10);
}

bool isWellFormedCardNumber(std::string_view cardNo) {
    return cardNo.size() == kLength && allDigits(cardNo)
        && luhnCheckDigit(cardNo.substr(0, kLength - 1)) == cardNo[kLength - 1];
}

CardNumberFormat::CardNumberFormat(std::string prefix)
    : m_prefix(std::move(prefix)) {
    if (m_prefix.size() > 12 || !allDigits(m_prefix)) {
        throw hc::InputError("card number prefix must be 1 to 12 digits");
    }
}

std::uint64_t CardNumberFormat::maxSequence() const {
    std::uint64_t m = 1;
    for (std::size_t k = 0; k < kLength - 1 - m_prefix.size(); ++k) {
        m *= 10;
    }
    return m - 1;
}

std::string CardNumberFormat::format(std::uint64_t seq) const {
    if (seq == 0 || seq > maxSequence()) {
        throw hc::InputError(
            "card number sequence " + std::to_string(seq) + " out of range for prefix " + m_prefix);
    }
    std::string s = std::to_string(seq);
    std::string body = m_prefix + std::string(kLength - 1 - m_prefix.size() - s.size(), '0') + s;
    body.push_back(luhnCheckDigit(body));
    return body;
}

std::uint64_t CardNumberFormat::sequenceOf(std::string_view cardNo) const {
    if (!isWellFormedCardNumber(cardNo)) {
        throw hc::InputError("not a card number (18 digits with a Luhn check digit)");
    }
    if (cardNo.substr(0, m_prefix.size()) != m_prefix) {
        throw hc::InputError("card number of another issuer (prefix is not " + m_prefix + ")");
    }
    return std::stoull(std::string(cardNo.substr(m_prefix.size(), kLength - 1 - m_prefix.size())));
}

} // namespace hc::issuance
