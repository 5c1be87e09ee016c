#include "hc/kiosk/his/his_reply.hpp"

#include "hc/base/json_in.hpp"
#include "hc/kiosk/his/his_error.hpp"

#include <cmath>

namespace hc::kiosk::his {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxString = 4096;
constexpr std::size_t kMaxEntries = 10000;

const char* kindName(const json::value& v) {
    switch (v.kind()) {
    case json::kind::null:
        return "null";
    case json::kind::bool_:
        return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
        return "an integer";
    case json::kind::double_:
        return "a number";
    case json::kind::string:
        return "a string";
    case json::kind::array:
        return "an array";
    case json::kind::object:
        return "an object";
    }
    return "?";
}

/** A JSON node with its path, for errors that name the field. */
class Node {
public:
    Node(const json::value& v, std::string path)
        : m_v(v)
        , m_path(std::move(path)) { }

    const std::string& path() const { return m_path; }
    const json::value& value() const { return m_v; }

    [[noreturn]] void fail(const std::string& what) const {
        throw HisReplyError(m_path + ": " + what);
    }
    const json::object& obj() const {
        if (!m_v.is_object()) {
            fail(std::string("expected an object, got ") + kindName(m_v));
        }
        return m_v.get_object();
    }
    bool has(const char* key) const {
        const auto& o = obj();
        const auto it = o.find(key);
        return it != o.end() && !it->value().is_null();
    }
    Node at(const char* key) const {
        const auto& o = obj();
        const auto it = o.find(key);
        if (it == o.end()) {
            throw HisReplyError(m_path + "." + key + ": missing");
        }
        return Node(it->value(), m_path + "." + key);
    }
    Node at(std::size_t i) const {
        const auto& a = arr();
        if (i >= a.size()) {
            throw HisReplyError(m_path + "[" + std::to_string(i) + "]: missing");
        }
        return Node(a[i], m_path + "[" + std::to_string(i) + "]");
    }
    /** The first element of this array. */
    Node first() const { return at(std::size_t { 0 }); }
    const json::array& arr() const {
        if (!m_v.is_array()) {
            fail(std::string("expected an array, got ") + kindName(m_v));
        }
        if (m_v.get_array().size() > kMaxEntries) {
            fail("more than " + std::to_string(kMaxEntries) + " entries");
        }
        return m_v.get_array();
    }
    std::string str() const {
        if (!m_v.is_string()) {
            fail(std::string("expected a string, got ") + kindName(m_v));
        }
        const auto& s = m_v.get_string();
        if (s.size() > kMaxString) {
            fail("string longer than " + std::to_string(kMaxString) + " bytes");
        }
        return std::string(s);
    }
    std::string str(const char* key) const { return at(key).str(); }
    std::string strOr(const char* key, std::string fallback) const {
        return has(key) ? at(key).str() : std::move(fallback);
    }
    std::int64_t integer() const {
        if (m_v.is_int64()) {
            return m_v.get_int64();
        }
        if (m_v.is_uint64() && m_v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
            return static_cast<std::int64_t>(m_v.get_uint64());
        }
        fail(std::string("expected an integer, got ") + kindName(m_v));
    }
    std::int64_t money(const char* key) const {
        const auto n = at(key).integer();
        if (n < 0 || n > 100'000'000'000) {
            at(key).fail("amount " + std::to_string(n) + " fen out of range");
        }
        return n;
    }
    double number() const {
        double d = 0;
        if (m_v.is_double()) {
            d = m_v.get_double();
        } else if (m_v.is_int64()) {
            d = static_cast<double>(m_v.get_int64());
        } else if (m_v.is_uint64()) {
            d = static_cast<double>(m_v.get_uint64());
        } else {
            fail(std::string("expected a number, got ") + kindName(m_v));
        }
        if (!std::isfinite(d)) {
            fail("not a finite number");
        }
        return d;
    }
    /** The id in this node's reference "Type/id", checking the type. */
    std::string ref(const char* type) const {
        const auto r = str("reference");
        const std::string prefix = std::string(type) + "/";
        if (r.rfind(prefix, 0) != 0 || r.size() == prefix.size()) {
            at("reference").fail("expected \"" + prefix + "<id>\", got \"" + r + "\"");
        }
        return r.substr(prefix.size());
    }
    /** The id in the reference at `key`. */
    std::string reference(const char* key, const char* type) const { return at(key).ref(type); }
    void expectType(const char* type) const {
        const auto t = str("resourceType");
        if (t != type) {
            at("resourceType").fail(std::string("expected \"") + type + "\", got \"" + t + "\"");
        }
    }

private:
    const json::value& m_v;
    std::string m_path;
};

template <typename T, typename F>
std::vector<T> bundle(const json::value& v, const char* type, F parseOne) {
    const Node root(v, "Bundle");
    root.expectType("Bundle");
    std::vector<T> out;
    if (!root.has("entry")) {
        return out;
    }
    const auto entries = root.at("entry");
    const auto n = entries.arr().size();
    for (std::size_t i = 0; i < n; ++i) {
        const auto resource = entries.at(i).at("resource");
        resource.expectType(type);
        out.push_back(parseOne(resource));
    }
    return out;
}

Patient patientFrom(const Node& n) {
    n.expectType("Patient");
    Patient p;
    p.id = n.str("id");
    p.idNumber = n.at("identifier").first().str("value");
    p.name = n.at("name").first().str("text");
    p.gender = n.strOr("gender", "unknown");
    p.birthDate = n.strOr("birthDate", "");
    if (n.has("telecom")) {
        const auto t = n.at("telecom");
        for (std::size_t i = 0; i < t.arr().size(); ++i) {
            if (t.at(i).str("system") == "phone") {
                p.phone = t.at(i).str("value");
            }
        }
    }
    return p;
}

Slot slotFrom(const Node& n) {
    n.expectType("Slot");
    Slot s;
    s.id = n.str("id");
    s.doctorId = n.reference("practitioner", "Practitioner");
    s.start = n.str("start");
    s.end = n.str("end");
    s.status = n.str("status");
    if (s.status != "free" && s.status != "busy-tentative" && s.status != "busy") {
        n.at("status").fail("unknown slot status \"" + s.status + "\"");
    }
    s.priceFen = n.money("priceFen");
    return s;
}

Appointment appointmentFrom(const Node& n) {
    n.expectType("Appointment");
    Appointment a;
    a.id = n.str("id");
    a.status = n.str("status");
    a.slotId = n.at("slot").first().ref("Slot");
    a.patientId = n.reference("patient", "Patient");
    a.start = n.str("start");
    a.priceFen = n.money("priceFen");
    a.requestId = n.strOr("requestId", "");
    if (n.has("participant")) {
        a.doctorId = n.at("participant").first().reference("actor", "Practitioner");
    }
    if (n.has("cancellable")) {
        const auto c = n.at("cancellable");
        if (!c.value().is_bool()) {
            c.fail(std::string("expected true or false, got ") + kindName(c.value()));
        }
        a.cancellable = c.value().get_bool();
    }
    a.cancelUntil = n.strOr("cancelUntil", "");
    return a;
}

Invoice invoiceFrom(const Node& n) {
    n.expectType("Invoice");
    Invoice inv;
    inv.id = n.str("id");
    inv.status = n.str("status");
    inv.patientId = n.reference("subject", "Patient");
    inv.totalFen = n.money("totalFen");
    inv.requestId = n.at("identifier").first().str("value");
    const auto items = n.at("lineItem");
    for (std::size_t i = 0; i < items.arr().size(); ++i) {
        inv.chargeItemIds.push_back(items.at(i).reference("chargeItem", "ChargeItem"));
    }
    return inv;
}

} // namespace

json::value parseReplyJson(std::string_view text) {
    try {
        // The HTTP client bounds the body; the depth is bounded here.
        return hc::parseJson(text, "reply", { text.size(), 32 });
    } catch (const hc::JsonFieldError& e) {
        throw HisReplyError(e.what()); // "reply: not valid JSON (<reason>)"
    }
}

Patient parsePatient(const json::value& v) {
    return patientFrom(Node(v, "Patient"));
}

std::vector<Patient> parsePatientBundle(const json::value& v) {
    return bundle<Patient>(v, "Patient", patientFrom);
}

std::vector<Department> parseDepartmentBundle(const json::value& v) {
    return bundle<Department>(v, "Organization", [](const Node& n) {
        Department d;
        d.id = n.str("id");
        d.name = n.str("name");
        if (n.has("partOf")) {
            d.parentId = n.reference("partOf", "Organization");
        }
        return d;
    });
}

std::vector<Doctor> parseDoctorBundle(const json::value& v) {
    return bundle<Doctor>(v, "Practitioner", [](const Node& n) {
        Doctor d;
        d.id = n.str("id");
        d.name = n.at("name").first().str("text");
        d.title = n.at("qualification").first().at("code").str("text");
        d.departmentId = n.reference("organization", "Organization");
        return d;
    });
}

Slot parseSlot(const json::value& v) {
    return slotFrom(Node(v, "Slot"));
}

std::vector<Slot> parseSlotBundle(const json::value& v) {
    return bundle<Slot>(v, "Slot", slotFrom);
}

SlotHold parseSlotHold(const json::value& v) {
    const Node n(v, "Slot");
    const auto slot = slotFrom(n);
    const auto hold = n.at("hold");
    SlotHold h;
    h.slotId = slot.id;
    h.session = hold.str("session");
    h.expires = hold.str("expires");
    return h;
}

Appointment parseAppointment(const json::value& v) {
    return appointmentFrom(Node(v, "Appointment"));
}

std::vector<Appointment> parseAppointmentBundle(const json::value& v) {
    return bundle<Appointment>(v, "Appointment", appointmentFrom);
}

std::vector<ChargeItem> parseChargeItemBundle(const json::value& v) {
    return bundle<ChargeItem>(v, "ChargeItem", [](const Node& n) {
        ChargeItem c;
        c.id = n.str("id");
        c.patientId = n.reference("subject", "Patient");
        c.description = n.at("code").str("text");
        const auto q = n.at("quantity").at("value").integer();
        if (q < 1 || q > 10000) {
            n.at("quantity").at("value").fail("quantity " + std::to_string(q) + " out of range");
        }
        c.quantity = static_cast<int>(q);
        c.priceFen = n.money("priceFen");
        c.status = n.str("status");
        return c;
    });
}

Invoice parseInvoice(const json::value& v) {
    return invoiceFrom(Node(v, "Invoice"));
}

std::vector<Invoice> parseInvoiceBundle(const json::value& v) {
    return bundle<Invoice>(v, "Invoice", invoiceFrom);
}

std::vector<LabReport> parseLabReportBundle(const json::value& v) {
    return bundle<LabReport>(v, "DiagnosticReport", [](const Node& n) {
        LabReport r;
        r.id = n.str("id");
        r.patientId = n.reference("subject", "Patient");
        r.name = n.at("code").str("text");
        r.issued = n.str("issued");
        r.status = n.str("status");
        const auto contained = n.at("contained");
        for (std::size_t i = 0; i < contained.arr().size(); ++i) {
            const auto o = contained.at(i);
            o.expectType("Observation");
            Observation obs;
            obs.code = o.at("code").str("code");
            obs.name = o.at("code").str("text");
            obs.value = o.at("valueQuantity").at("value").number();
            obs.unit = o.at("valueQuantity").strOr("unit", "");
            if (o.has("referenceRange")) {
                const auto range = o.at("referenceRange").first();
                if (range.has("low")) {
                    obs.low = range.at("low").at("value").number();
                }
                if (range.has("high")) {
                    obs.high = range.at("high").at("value").number();
                }
            }
            obs.flag = o.at("interpretation").first().str("code");
            if (obs.flag != "N" && obs.flag != "H" && obs.flag != "L") {
                o.at("interpretation")
                    .first()
                    .at("code")
                    .fail("expected N, H or L, got \"" + obs.flag + "\"");
            }
            r.observations.push_back(std::move(obs));
        }
        return r;
    });
}

std::string operationOutcomeText(const json::value& v) {
    if (!v.is_object()) {
        return {};
    }
    const auto& o = v.get_object();
    const auto* type = o.if_contains("resourceType");
    if (type == nullptr || !type->is_string() || type->get_string() != "OperationOutcome") {
        return {};
    }
    const auto* issue = o.if_contains("issue");
    if (issue == nullptr || !issue->is_array() || issue->get_array().empty()
        || !issue->get_array()[0].is_object()) {
        return "OperationOutcome";
    }
    const auto* d = issue->get_array()[0].get_object().if_contains("diagnostics");
    if (d == nullptr || !d->is_string()) {
        return "OperationOutcome";
    }
    return std::string(d->get_string().subview().substr(0, kMaxString));
}

} // namespace hc::kiosk::his
