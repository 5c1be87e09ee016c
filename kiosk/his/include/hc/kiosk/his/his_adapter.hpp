// HisAdapter: what the kiosk needs from a hospital information system. One implementation per
// HIS vendor; HttpHisAdapter speaks the FHIR-modelled HTTP/JSON of his-sim. Calls block on the
// network (bounded by the adapter's timeout): keep them off the UI thread. An adapter is used by
// one thread at a time.
//
// Mutating calls (createPatient, holdSlot, book, pay) carry a request id: repeating a call with
// the same id returns the first result, so a retry after HisOutcomeUnknown is safe, and
// findInvoice(requestId) answers "did that payment happen?" for recovery.
//
// The cashier's calls (invoiceById, refund, findRefund, cancelAppointment, findCancellation,
// appointments) have default
// implementations that refuse (HisRefused 501 "not supported by this HIS adapter"), so an adapter
// for a HIS without them still builds; refund and cancelAppointment are idempotent by request id
// like the others, and findRefund / findCancellation(requestId) answer "did that happen?".
#pragma once

#include "hc/kiosk/his/his_error.hpp"
#include "hc/kiosk/his/types.hpp"

#include <memory>

namespace hc::kiosk::his {

/** The HIS as the kiosk sees it. Errors: see his_error.hpp. */
class HisAdapter {
public:
    virtual ~HisAdapter() = default;

    /** The patient with this resident ID number; nullopt when the HIS has none (then 建档). */
    virtual std::optional<Patient> findPatient(const std::string& idNumber) = 0;
    /** Creates a record (idempotent by ID number: an existing record is returned). */
    virtual Patient createPatient(const Patient& patient) = 0;
    /** All departments, level 1 and level 2. */
    virtual std::vector<Department> departments() = 0;
    /** The doctors of a department. */
    virtual std::vector<Doctor> doctors(const std::string& departmentId) = 0;
    /** A doctor's slots on a date (YYYY-MM-DD), today to +13 days. */
    virtual std::vector<Slot> slots(const std::string& doctorId, const std::string& date) = 0;
    /** Holds a slot for a session (锁号); HisConflict when another session holds it or it is
     * booked. Holding again from the same session extends the hold. */
    virtual SlotHold holdSlot(
        const std::string& slotId, const std::string& session, const std::string& requestId)
        = 0;
    /** Releases a hold (a no-op when not held by this session). */
    virtual void releaseSlot(const std::string& slotId, const std::string& session) = 0;
    /** Books a slot; HisConflict when held by another session or booked. Idempotent by
     * request id. */
    virtual Appointment book(const std::string& slotId, const std::string& patientId,
        const std::string& session, const std::string& requestId)
        = 0;
    /** Unpaid charge items of a patient. */
    virtual std::vector<ChargeItem> unpaidItems(const std::string& patientId) = 0;
    /** Pays items (marks them billed); `totalFen` must match. Idempotent by request id. */
    virtual Invoice pay(const std::string& patientId, const std::vector<std::string>& itemIds,
        std::int64_t totalFen, const std::string& requestId)
        = 0;
    /** The invoice made by a request id, if any (recovery's query after UNKNOWN). */
    virtual std::optional<Invoice> findInvoice(const std::string& requestId) = 0;
    /** Lab reports of a patient, with results, reference ranges and flags. */
    virtual std::vector<LabReport> labReports(const std::string& patientId) = 0;

    /** The invoice with this HIS id ("INV000001"), if any (the cashier types it). */
    virtual std::optional<Invoice> invoiceById(const std::string& invoiceId) {
        (void)invoiceId;
        throw HisRefused(501, "invoice lookup is not supported by this HIS adapter");
    }
    /** Refunds a paid invoice (退费): the invoice becomes "cancelled" and its items are no longer
     * billable. Idempotent by request id; HisConflict when it was already refunded by another
     * request. The money itself goes back through the kiosk's payment means, not the HIS. */
    virtual Invoice refund(
        const std::string& invoiceId, const std::string& reason, const std::string& requestId) {
        (void)invoiceId;
        (void)reason;
        (void)requestId;
        throw HisRefused(501, "refunds are not supported by this HIS adapter");
    }
    /** The invoice a refund request cancelled, if any (query after HisOutcomeUnknown). */
    virtual std::optional<Invoice> findRefund(const std::string& requestId) {
        (void)requestId;
        throw HisRefused(501, "refunds are not supported by this HIS adapter");
    }
    /** Cancels a booked appointment (退号): status "cancelled", the slot is free again.
     * Idempotent by request id. */
    virtual Appointment cancelAppointment(
        const std::string& appointmentId, const std::string& requestId) {
        (void)appointmentId;
        (void)requestId;
        throw HisRefused(501, "cancelling appointments is not supported by this HIS adapter");
    }
    /** The appointment a cancel request cancelled, if any (query after HisOutcomeUnknown). */
    virtual std::optional<Appointment> findCancellation(const std::string& requestId) {
        (void)requestId;
        throw HisRefused(501, "cancelling appointments is not supported by this HIS adapter");
    }
    /** A patient's appointments, any status (退号 lists the booked ones). */
    virtual std::vector<Appointment> appointments(const std::string& patientId) {
        (void)patientId;
        throw HisRefused(501, "listing appointments is not supported by this HIS adapter");
    }
};

/** Owning pointer to an adapter. */
using HisAdapterPtr = std::unique_ptr<HisAdapter>;

} // namespace hc::kiosk::his
