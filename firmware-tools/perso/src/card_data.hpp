// Private to hc_perso: what gets written to a card (the personalization write commands per file,
// built with the health-card library's codecs) and the field-by-field view used to compare a
// card with what was written. Pure functions, any thread.
#pragma once

#include "hc/card/apdu.hpp"
#include "hc/perso/personalizer.hpp"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace hc::perso {

/** The write commands per EF ("DDF1/EF05" -> UPDATE RECORD ..., in order), to send right after
 * the EF's CREATE FILE (they address "the EF created last"). */
using CardDataPlan = std::map<std::string, std::vector<hc::card::CommandApdu>>;

/** Encodes every record of `in` for `profile`. chipSerialText is element 0A (10 characters).
 * Throws hc::card::health::ValidationError naming the element that does not encode. */
CardDataPlan planCardData(const PersoProfile& profile, const PersoInput& in,
    const std::string& chipSerialText, const std::string& securityCode);

/** The data a reader will get back from the card personalized with `in` (identity.card filled
 * in, visit indexes all free). */
hc::card::health::HealthCardData planWrittenData(const PersoProfile& profile, const PersoInput& in,
    const hc::Bytes& serial8, const std::string& securityCode);

/** Every field as (key, text): the 57 elements by key, then allergies, immunisations, visit
 * indexes and the photo. */
std::vector<std::pair<std::string, std::string>> fieldsOf(
    const hc::card::health::HealthCardData& d, const hc::card::health::CardProfile& profile);

/** Element 0A as written: the last 10 hex digits of the 8-byte serial. */
std::string chipSerialText(const hc::Bytes& serial8);

} // namespace hc::perso
