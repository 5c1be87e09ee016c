// ResidentRecord JSON and the issuer's PIN policy.
#include "hc/issuance/resident.hpp"

#include "hc/base/json_in.hpp"

#include <boost/json.hpp>
#include <climits>

namespace hc::issuance {

namespace json = boost::json;

json::object ResidentRecord::toJson() const {
    json::object o;
    o["id_number"] = idNumber;
    o["name"] = name;
    o["sex"] = sex;
    o["ethnicity"] = ethnicity;
    o["birth_date"] = birthDate;
    o["phone"] = phone;
    o["address"] = address;
    return o;
}

namespace {
/** Longest text field read back (the batch validation keeps them far shorter). */
constexpr std::size_t kMaxText = 4096;
} // namespace

ResidentRecord ResidentRecord::fromJson(const json::value& v) {
    try {
        const hc::JsonIn o(v, "");
        ResidentRecord r;
        r.idNumber = o.strOr("id_number", "", kMaxText);
        r.name = o.strOr("name", "", kMaxText);
        r.sex = static_cast<int>(o.integer("sex", INT_MIN, INT_MAX));
        r.ethnicity = static_cast<int>(o.integer("ethnicity", INT_MIN, INT_MAX));
        r.birthDate = o.strOr("birth_date", "", kMaxText);
        r.phone = o.strOr("phone", "", kMaxText);
        r.address = o.strOr("address", "", kMaxText);
        return r;
    } catch (const hc::JsonFieldError& e) {
        throw hc::InputError(std::string("resident record: ") + e.what());
    }
}

ResidentRecord ResidentRecord::fromJsonText(std::string_view text) {
    try {
        return fromJson(hc::parseJson(text, "stored text"));
    } catch (const hc::JsonFieldError& e) {
        throw hc::InputError(std::string("resident record: ") + e.what());
    }
}

std::string IssuerProfile::initialPin(const ResidentRecord& r) const {
    if (pinPolicy == "generated") {
        return {};
    }
    if (pinPolicy.rfind("fixed:", 0) == 0) {
        const std::string pin = pinPolicy.substr(6);
        if (pin.size() < 4 || pin.size() > 12
            || pin.find_first_not_of("0123456789") != std::string::npos) {
            throw hc::InputError("PIN policy fixed: needs 4 to 12 digits");
        }
        return pin;
    }
    if (pinPolicy == "id-last6") {
        if (r.idNumber.size() < 6) {
            throw hc::InputError("PIN policy id-last6: ID number too short");
        }
        std::string pin = r.idNumber.substr(r.idNumber.size() - 6);
        for (char& c : pin) {
            if (c == 'X' || c == 'x') {
                c = '0';
            }
        }
        return pin;
    }
    throw hc::InputError(
        "unknown PIN policy '" + pinPolicy + "' (generated, fixed:DIGITS or id-last6)");
}

} // namespace hc::issuance
