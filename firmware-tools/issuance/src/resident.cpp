// ResidentRecord JSON and the issuer's PIN policy.
#include "hc/issuance/resident.hpp"

#include "hc/card/error.hpp"

#include <boost/json.hpp>

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
std::string str(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) {
        return {};
    }
    if (!v->is_string()) {
        throw hc::InputError(std::string("resident record: ") + key + " must be a string");
    }
    return std::string(v->as_string());
}
int num(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    if (!v || !v->is_int64()) {
        throw hc::InputError(std::string("resident record: ") + key + " must be an integer");
    }
    return static_cast<int>(v->as_int64());
}
} // namespace

ResidentRecord ResidentRecord::fromJson(const json::value& v) {
    if (!v.is_object()) {
        throw hc::InputError("resident record: not a JSON object");
    }
    const auto& o = v.as_object();
    ResidentRecord r;
    r.idNumber = str(o, "id_number");
    r.name = str(o, "name");
    r.sex = num(o, "sex");
    r.ethnicity = num(o, "ethnicity");
    r.birthDate = str(o, "birth_date");
    r.phone = str(o, "phone");
    r.address = str(o, "address");
    return r;
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
