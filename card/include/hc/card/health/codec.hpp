// Storage codings of the health card's data elements (WS 537 / WS/T 543.3 as implemented by the
// vendor reader code, healthcard-reference §2.1):
//   AN  text: GBK bytes, left-justified, right-padded with 00 (GB 2312 is a subset of GBK)
//   CN  compressed numeric: BCD digits, left-justified, right-padded with nibble F
//   B   binary, taken as is
// Pure functions, safe from any thread (iconv descriptors are opened per call).
#pragma once

#include "hc/card/bytes.hpp"
#include "hc/card/error.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace hc::card::health {

/** How a data element is stored. */
enum class Coding {
    AN, ///< text in GBK, 00-padded
    CN, ///< BCD digits, F-padded
    B, ///< binary
};

/** "AN", "CN", "B". */
std::string_view codingName(Coding coding);

/** A value that breaks a rule: the message and the accessors name the field and the rule. */
class ValidationError : public hc::InputError {
public:
    /** `field` is the data element ("holder.id_number"), `rule` the rule it breaks
     * ("GB 11643 check digit"), `detail` what was found. */
    ValidationError(std::string field, std::string rule, std::string detail);
    /** The field that was rejected. */
    const std::string& field() const { return m_field; }
    /** The rule it breaks. */
    const std::string& rule() const { return m_rule; }

private:
    std::string m_field;
    std::string m_rule;
};

/** UTF-8 text to GBK bytes padded with 00 to `length`. Throws ValidationError (rule "AN
 * length" or "AN GBK") naming `field` when the text does not fit or has a character GBK lacks. */
Bytes encodeAn(std::string_view utf8, std::size_t length, std::string_view field = "value");
/** GBK bytes to UTF-8; the 00 padding (and anything after the first 00) is dropped. Throws
 * ValidationError (rule "AN GBK") when the bytes are not valid GBK. */
std::string decodeAn(ByteView bytes, std::string_view field = "value");

/** Decimal digits to BCD padded with F nibbles to `length` bytes. Throws ValidationError
 * (rule "CN digits" or "CN length") naming `field`. */
Bytes encodeCn(std::string_view digits, std::size_t length, std::string_view field = "value");
/** BCD to decimal digits, stopping at the first F nibble; after it only F may follow. Throws
 * ValidationError (rule "CN digits") for a nibble A-E or a digit after the padding. */
std::string decodeCn(ByteView bytes, std::string_view field = "value");

/** True when every byte is the erased value FF or 00 (a field never written). */
bool isBlank(ByteView bytes);

/** UTF-8 text to GBK, no padding (for hashing and display widths). Throws ValidationError. */
Bytes utf8ToGbk(std::string_view utf8, std::string_view field = "value");
/** GBK to UTF-8, no padding handling. Throws ValidationError. */
std::string gbkToUtf8(ByteView gbk, std::string_view field = "value");

} // namespace hc::card::health
