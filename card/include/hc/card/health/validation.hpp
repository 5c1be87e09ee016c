// Validation of the holder's identity fields against the national code sets. Every rejection is a
// ValidationError naming the field and the rule (codec.hpp). Pure functions, any thread.
//
//   GB 11643    citizen ID number: 18 characters, region + birth date + sequence + check digit
//               (ISO 7064 MOD 11-2, 'X' for 10); the birth date must be a real date and agree
//               with the holder's; the sequence parity must agree with the holder's sex
//   GB/T 2261.1 sex: 0 unknown, 1 male, 2 female, 9 unspecified
//   GB 3304     ethnic group: the 56 groups 01..56 (97 "other" and 98 "foreign origin" too)
//   GB/T 2260   region code: 6 digits, a province-level prefix that exists, city/county parts
//               that are well formed. The full county table changes yearly and is not
//               embedded: only the structure and the province are checked (docs/healthcard.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hc::card::health {

/** GB/T 2261.1 sex codes. */
enum class Sex : int { Unknown = 0, Male = 1, Female = 2, Unspecified = 9 };

/** Chinese name of a sex code ("男"). */
std::string_view sexName(Sex sex);
/** Checks a GB/T 2261.1 code; throws ValidationError(field, "GB/T 2261.1", ...). */
Sex checkSex(int code, std::string_view field = "holder.sex");

/** Name of an ethnic group ("汉族") for codes 1..56, 97, 98; empty for anything else. */
std::string_view ethnicGroupName(int code);
/** Throws ValidationError(field, "GB 3304", ...) unless `code` is a GB 3304 code. */
void checkEthnicGroup(int code, std::string_view field = "holder.ethnicity");

/** Name of a province-level division from the first 2 digits ("11" -> "北京市"); empty when
 * there is none. */
std::string_view provinceName(std::string_view code2);
/** Throws ValidationError(field, "GB/T 2260", ...) unless `code` is a well-formed region code of
 * an existing province (6 digits; `allowProvinceOnly` also accepts 2 digits). */
void checkRegionCode(
    std::string_view code, std::string_view field = "region", bool allowProvinceOnly = false);

/** Throws ValidationError(field, "date", ...) unless `yyyymmdd` is a real calendar date
 * (1900..2099). */
void checkDate(std::string_view yyyymmdd, std::string_view field);

/** The GB 11643 check character ('0'..'9' or 'X') for the first 17 digits. */
char citizenIdCheckCharacter(std::string_view first17);

/** Checks a citizen ID number on its own: length, digits, region, birth date, check digit.
 * Throws ValidationError(field, "GB 11643 ...", ...). */
void checkCitizenId(std::string_view id, std::string_view field = "holder.id_number");

/** Checks a citizen ID number against the holder's other fields: the ID's birth date must equal
 * `birthDate` (YYYYMMDD) and, when `sex` is male or female, the sequence parity must agree. */
void checkCitizenIdAgainstHolder(std::string_view id, std::string_view birthDate,
    std::optional<Sex> sex, std::string_view field = "holder.id_number");

} // namespace hc::card::health
