// Which status words mean "the card does not take this form of the command" (as opposed to a
// security refusal, a missing record or bad data): the answers that make a HealthCard try the
// longer form. Private to src/health.
#pragma once

#include "hc/card/status_word.hpp"

namespace hc::card::health::detail {

/** The card refuses the addressing or the P1/P2 form: 6986, 6981, 6985, 6A81, 6A82, 6A86, 6A87,
 * 6A88, 6B00, 6D00, 6E00 and the other 69xx/6Axx, except the security refusals (6982, 6983,
 * 6984, 6987, 6988) and the data answers (6A80 bad data, 6A83 record not found, 6A84 no room). */
inline bool formRefused(StatusWord s) {
    const auto v = s.value();
    if (v == 0x6B00 || v == 0x6D00 || v == 0x6E00) {
        return true;
    }
    if (s.sw1() == 0x69) {
        return v != 0x6982 && v != 0x6983 && v != 0x6984 && v != 0x6987 && v != 0x6988;
    }
    if (s.sw1() == 0x6A) {
        return v != 0x6A80 && v != 0x6A83 && v != 0x6A84;
    }
    return false;
}

/** A READ RECORD P2=05 the card does not take: a form refusal, or 6700 (the answer would be too
 * long for the card, or the card knows no such length). */
inline bool bulkRefused(StatusWord s) {
    return formRefused(s) || s.value() == 0x6700;
}

/** Data came back: 9000, or 6282 (end of record/file before Le bytes) with data. */
inline bool readAnswered(StatusWord s, bool hasData) {
    return s.ok() || (s.value() == 0x6282 && hasData);
}

} // namespace hc::card::health::detail
