// A resident record as the issuer prepares it: the holder's identity plus the few personal
// fields a batch carries, and the issuer's constants written on every card. Plain values, any
// thread.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace hc::issuance {

/** One resident of a batch (the CSV/JSON columns, docs/issuance.md). Text is UTF-8. */
struct ResidentRecord {
    std::string idNumber; ///< id_number: GB 11643 citizen ID (18 characters)
    std::string name; ///< name: AN 30 in GBK (15 Chinese characters)
    int sex = 0; ///< sex: GB/T 2261.1 (1 male, 2 female, 0/9)
    int ethnicity = 0; ///< ethnicity: GB 3304 (1..56, 97, 98)
    std::string birthDate; ///< birth_date: YYYYMMDD, must agree with the ID number
    std::string phone; ///< phone: AN 20, optional
    std::string address; ///< address: AN 100, optional

    /** The record as a JSON object with the CSV column names as keys. */
    boost::json::object toJson() const;
    /** The inverse; missing (or null) text keys stay empty, sex and ethnicity are required
     * integers. Throws hc::InputError naming the field ("resident record: sex: expected an
     * integer"). */
    static ResidentRecord fromJson(const boost::json::value& v);
    /** fromJson of a JSON text (the register's stored record); hc::InputError on bad JSON. */
    static ResidentRecord fromJsonText(std::string_view text);
};

/** What the issuer writes on every card of a batch besides the resident's own data. */
struct IssuerProfile {
    std::string issuerName = "居民健康卡管理中心"; ///< card.issuer_name (AN 30)
    std::string issuerCode = "11000000001"; ///< card.issuer_code (CN 11)
    std::string cityCode = "110100"; ///< card.city_code (GB/T 2260)
    std::string cardNumberPrefix = "110100"; ///< leading digits of every card number
    int validityYears = 10; ///< card.expiry = issue date + this many years
    /** The issuer's PIN policy: "generated" (the engine draws random digits, PIN mailer),
     * "fixed:DIGITS" (every card gets DIGITS) or "id-last6" (the last 6 characters of the ID
     * number, X as 0). */
    std::string pinPolicy = "generated";

    /** The initial PIN of a resident under pinPolicy; "" for "generated". Throws hc::InputError
     * on a bad policy. */
    std::string initialPin(const ResidentRecord& r) const;
};

} // namespace hc::issuance
