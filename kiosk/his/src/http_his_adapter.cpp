#include "hc/kiosk/his/http_his_adapter.hpp"

#include "hc/base/http_client.hpp"
#include "hc/kiosk/his/his_reply.hpp"

#include <boost/json.hpp>

namespace hc::kiosk::his {

namespace json = boost::json;

namespace {

/** Percent-encodes a query value. */
std::string encode(const std::string& s) {
    std::string out;
    static const char* hex = "0123456789ABCDEF";
    for (const char c : s) {
        const auto b = static_cast<unsigned char>(c);
        if (std::isalnum(b) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(hex[b >> 4]);
            out.push_back(hex[b & 15]);
        }
    }
    return out;
}

} // namespace

HttpHisAdapter::HttpHisAdapter(
    std::string host, unsigned short port, std::chrono::milliseconds timeout)
    : m_host(std::move(host))
    , m_port(port)
    , m_timeout(timeout) {
}

json::value HttpHisAdapter::call(const std::string& method, const std::string& target,
    const std::string& body, bool mutating, const char* contentType) {
    const auto where = method + " " + target;
    // One connection per call ("Connection: close"); connect, write and read each bounded by
    // the timeout.
    HttpClientOptions options;
    options.timeout = m_timeout;
    options.bodyLimit = 8U * 1024U * 1024U;
    options.keepAlive = false;
    options.userAgent = "hc-kiosk";
    HttpClient http(m_host, m_port, options);
    const auto res = method == "POST" ? http.post(target, body, contentType) : http.get(target);
    if (res.stage == HttpStage::Resolve) {
        throw HisUnavailable("HIS " + m_host + ": cannot resolve: " + res.reason);
    }
    if (res.outcome == HttpOutcome::NotSent) {
        throw HisUnavailable("HIS " + where + ": connect failed: " + res.reason);
    }
    if (res.outcome == HttpOutcome::Unknown) {
        // The request (or part of it) may have arrived: a mutating call's outcome is unknown.
        const auto msg = "HIS " + where
            + (res.stage == HttpStage::Write ? ": send failed (" : ": no reply (") + res.reason
            + ")";
        if (mutating) {
            throw HisOutcomeUnknown(msg);
        }
        throw HisUnavailable(msg);
    }
    const int status = res.status;
    if (status >= 500) {
        const auto msg = "HIS " + where + ": HTTP " + std::to_string(status);
        if (mutating) {
            throw HisOutcomeUnknown(msg + " (may have been committed: query it)");
        }
        throw HisUnavailable(msg);
    }
    json::value v;
    try {
        v = parseReplyJson(res.body);
    } catch (const HisReplyError& e) {
        if (status >= 400) {
            throw HisRefused(status, "HIS " + where + ": HTTP " + std::to_string(status));
        }
        throw HisReplyError("HIS " + where + ": " + e.what());
    }
    if (status >= 400) {
        auto text = operationOutcomeText(v);
        const auto msg = "HIS " + where + ": HTTP " + std::to_string(status) + ": " + text;
        if (status == 409) {
            throw HisConflict(status, msg);
        }
        throw HisRefused(status, msg);
    }
    return v;
}

std::optional<Patient> HttpHisAdapter::findPatient(const std::string& idNumber) {
    // FHIR search by POST (_search, form body): the ID number stays out of the URL, which
    // proxies and the HIS's access logs keep.
    auto list = parsePatientBundle(call("POST", "/fhir/Patient/_search",
        "identifier=" + encode(idNumber), false, "application/x-www-form-urlencoded"));
    if (list.empty()) {
        return std::nullopt;
    }
    return list.front();
}

std::vector<Patient> HttpHisAdapter::allPatients() {
    return parsePatientBundle(call("GET", "/fhir/Patient", "", false));
}

Patient HttpHisAdapter::createPatient(const Patient& p) {
    json::object o;
    o["resourceType"] = "Patient";
    o["identifier"] = json::array { json::object {
        { "system", "urn:oid:2.16.156.10011.1.3" }, { "value", p.idNumber } } };
    o["name"] = json::array { json::object { { "text", p.name } } };
    o["gender"] = p.gender.empty() ? "unknown" : p.gender;
    if (!p.birthDate.empty()) {
        o["birthDate"] = p.birthDate;
    }
    if (!p.phone.empty()) {
        o["telecom"] = json::array { json::object { { "system", "phone" }, { "value", p.phone } } };
    }
    return parsePatient(call("POST", "/fhir/Patient", json::serialize(o), true));
}

std::vector<Department> HttpHisAdapter::departments() {
    return parseDepartmentBundle(call("GET", "/fhir/Organization", "", false));
}

std::vector<Doctor> HttpHisAdapter::doctors(const std::string& departmentId) {
    return parseDoctorBundle(
        call("GET", "/fhir/Practitioner?organization=" + encode(departmentId), "", false));
}

std::vector<Slot> HttpHisAdapter::slots(const std::string& doctorId, const std::string& date) {
    return parseSlotBundle(call(
        "GET", "/fhir/Slot?practitioner=" + encode(doctorId) + "&date=" + encode(date), "", false));
}

SlotHold HttpHisAdapter::holdSlot(
    const std::string& slotId, const std::string& session, const std::string& requestId) {
    json::object o { { "session", session }, { "requestId", requestId } };
    return parseSlotHold(
        call("POST", "/fhir/Slot/" + encode(slotId) + "/$hold", json::serialize(o), true));
}

void HttpHisAdapter::releaseSlot(const std::string& slotId, const std::string& session) {
    json::object o { { "session", session } };
    (void)parseSlot(
        call("POST", "/fhir/Slot/" + encode(slotId) + "/$release", json::serialize(o), true));
}

Appointment HttpHisAdapter::book(const std::string& slotId, const std::string& patientId,
    const std::string& session, const std::string& requestId) {
    json::object o { { "slot", slotId }, { "patient", patientId }, { "session", session },
        { "requestId", requestId } };
    return parseAppointment(call("POST", "/fhir/Appointment/$book", json::serialize(o), true));
}

std::vector<ChargeItem> HttpHisAdapter::unpaidItems(const std::string& patientId) {
    return parseChargeItemBundle(call(
        "GET", "/fhir/ChargeItem?patient=" + encode(patientId) + "&status=billable", "", false));
}

Invoice HttpHisAdapter::pay(const std::string& patientId, const std::vector<std::string>& itemIds,
    std::int64_t totalFen, const std::string& requestId) {
    json::array items;
    for (const auto& id : itemIds) {
        items.push_back(json::string(id));
    }
    json::object o { { "patient", patientId }, { "chargeItems", std::move(items) },
        { "totalFen", totalFen }, { "requestId", requestId } };
    return parseInvoice(call("POST", "/fhir/Invoice/$pay", json::serialize(o), true));
}

std::optional<Invoice> HttpHisAdapter::findInvoice(const std::string& requestId) {
    auto list = parseInvoiceBundle(
        call("GET", "/fhir/Invoice?identifier=" + encode(requestId), "", false));
    if (list.empty()) {
        return std::nullopt;
    }
    return list.front();
}

std::optional<Invoice> HttpHisAdapter::invoiceById(const std::string& invoiceId) {
    auto list
        = parseInvoiceBundle(call("GET", "/fhir/Invoice?_id=" + encode(invoiceId), "", false));
    if (list.empty()) {
        return std::nullopt;
    }
    return list.front();
}

Invoice HttpHisAdapter::refund(
    const std::string& invoiceId, const std::string& reason, const std::string& requestId) {
    const json::object o { { "reason", reason }, { "requestId", requestId } };
    return parseInvoice(
        call("POST", "/fhir/Invoice/" + encode(invoiceId) + "/$refund", json::serialize(o), true));
}

std::optional<Invoice> HttpHisAdapter::findRefund(const std::string& requestId) {
    auto list = parseInvoiceBundle(
        call("GET", "/fhir/Invoice?refund-request=" + encode(requestId), "", false));
    if (list.empty()) {
        return std::nullopt;
    }
    return list.front();
}

Appointment HttpHisAdapter::cancelAppointment(
    const std::string& appointmentId, const std::string& requestId) {
    const json::object o { { "requestId", requestId } };
    return parseAppointment(call("POST", "/fhir/Appointment/" + encode(appointmentId) + "/$cancel",
        json::serialize(o), true));
}

std::optional<Appointment> HttpHisAdapter::findCancellation(const std::string& requestId) {
    auto list = parseAppointmentBundle(
        call("GET", "/fhir/Appointment?cancel-request=" + encode(requestId), "", false));
    if (list.empty()) {
        return std::nullopt;
    }
    return list.front();
}

std::vector<Appointment> HttpHisAdapter::appointments(const std::string& patientId) {
    return parseAppointmentBundle(
        call("GET", "/fhir/Appointment?patient=" + encode(patientId), "", false));
}

std::vector<LabReport> HttpHisAdapter::labReports(const std::string& patientId) {
    return parseLabReportBundle(
        call("GET", "/fhir/DiagnosticReport?patient=" + encode(patientId), "", false));
}

} // namespace hc::kiosk::his
