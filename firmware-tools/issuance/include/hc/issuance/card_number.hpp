// Card numbers (the card's data element 08 卡号, AN 18). The reference leaves the format open (the
// vendor code's comment says "same as the citizen ID"); an issuer needs a number per card, so a
// replacement gets a new one. Format chosen here (docs/issuance.md):
//
//   prefix (issuer digits, default the 6-digit city code) | sequence, zero-padded | Luhn digit
//   = 18 decimal digits, e.g. 110100 00000000001 7
//
// The sequence comes from the register (one counter, no gaps, no repeats). Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hc::issuance {

/** The 18-digit card numbers of one issuer. */
class CardNumberFormat {
public:
    /** `prefix`: 1..12 decimal digits. Throws hc::InputError otherwise. */
    explicit CardNumberFormat(std::string prefix);
    /** The card number of sequence `seq` (1-based). Throws hc::InputError when it does not fit. */
    std::string format(std::uint64_t seq) const;
    /** The sequence of a card number of this issuer; throws hc::InputError for another prefix,
     * a wrong length or a wrong check digit. */
    std::uint64_t sequenceOf(std::string_view cardNo) const;
    /** The largest sequence that fits. */
    std::uint64_t maxSequence() const;
    /** The prefix. */
    const std::string& prefix() const { return m_prefix; }

private:
    std::string m_prefix;
};

/** The Luhn (ISO/IEC 7812-1) check digit of a string of decimal digits. */
char luhnCheckDigit(std::string_view digits);
/** True when `cardNo` is 18 digits whose last is the Luhn digit of the first 17. */
bool isWellFormedCardNumber(std::string_view cardNo);

} // namespace hc::issuance
