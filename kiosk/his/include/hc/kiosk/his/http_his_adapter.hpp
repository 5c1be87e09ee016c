// HttpHisAdapter: HisAdapter over HTTP/1.1 + JSON (FHIR-modelled resources under /fhir), as
// served by his-sim. One connection per call (Boost.Beast, socket timeouts). One thread at a time.
#pragma once

#include "hc/kiosk/his/his_adapter.hpp"

#include <boost/json/value.hpp>
#include <chrono>

namespace hc::kiosk::his {

/** The HTTP/JSON HIS client. */
class HttpHisAdapter final : public HisAdapter {
public:
    /** `timeout` bounds connect, send and the wait for the reply. */
    HttpHisAdapter(std::string host, unsigned short port,
        std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

    std::optional<Patient> findPatient(const std::string& idNumber) override;
    Patient createPatient(const Patient& patient) override;
    std::vector<Department> departments() override;
    std::vector<Doctor> doctors(const std::string& departmentId) override;
    std::vector<Slot> slots(const std::string& doctorId, const std::string& date) override;
    SlotHold holdSlot(const std::string& slotId, const std::string& session,
        const std::string& requestId) override;
    void releaseSlot(const std::string& slotId, const std::string& session) override;
    Appointment book(const std::string& slotId, const std::string& patientId,
        const std::string& session, const std::string& requestId) override;
    std::vector<ChargeItem> unpaidItems(const std::string& patientId) override;
    Invoice pay(const std::string& patientId, const std::vector<std::string>& itemIds,
        std::int64_t totalFen, const std::string& requestId) override;
    std::optional<Invoice> findInvoice(const std::string& requestId) override;
    /** GET /fhir/Invoice?_id=ID. */
    std::optional<Invoice> invoiceById(const std::string& invoiceId) override;
    /** POST /fhir/Invoice/{id}/$refund {reason, requestId}. */
    Invoice refund(const std::string& invoiceId, const std::string& reason,
        const std::string& requestId) override;
    /** GET /fhir/Invoice?refund-request=RID. */
    std::optional<Invoice> findRefund(const std::string& requestId) override;
    /** POST /fhir/Appointment/{id}/$cancel {requestId}. */
    Appointment cancelAppointment(
        const std::string& appointmentId, const std::string& requestId) override;
    /** GET /fhir/Appointment?cancel-request=<requestId>. */
    std::optional<Appointment> findCancellation(const std::string& requestId) override;
    /** GET /fhir/Appointment?patient=<id>. */
    std::vector<Appointment> appointments(const std::string& patientId) override;
    std::vector<LabReport> labReports(const std::string& patientId) override;

    /** All patients (his-sim's test data listing; GET /fhir/Patient). */
    std::vector<Patient> allPatients();

private:
    /** One exchange; `mutating` decides how lost replies and 5xx are classified. */
    boost::json::value call(const std::string& method, const std::string& target,
        const std::string& body, bool mutating, const char* contentType = "application/fhir+json");
    std::string m_host;
    unsigned short m_port;
    std::chrono::milliseconds m_timeout;
};

} // namespace hc::kiosk::his
