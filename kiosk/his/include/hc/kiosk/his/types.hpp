// Values exchanged with a hospital information system (HIS), modelled on FHIR R4 resources
// (Patient, Organization, Practitioner, Slot, Appointment, ChargeItem, Invoice, DiagnosticReport,
// Observation). Money in integer fen. Plain values; thread-safe to copy.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hc::kiosk::his {

/** A patient record (FHIR Patient). */
struct Patient {
    std::string id; ///< HIS patient id ("P0001")
    std::string idNumber; ///< resident ID number (identifier, GB 11643)
    std::string name; ///< name.text
    std::string gender; ///< "male" / "female" / "unknown"
    std::string birthDate; ///< YYYY-MM-DD
    std::string phone; ///< telecom phone
};

/** A department (FHIR Organization); level-2 departments have a parent. */
struct Department {
    std::string id; ///< "D01", "D0101"
    std::string name; ///< Chinese name ("心血管内科")
    std::string parentId; ///< partOf, "" for a level-1 department
};

/** A doctor (FHIR Practitioner with the department of their role). */
struct Doctor {
    std::string id; ///< "DR001"
    std::string name; ///< name.text
    std::string title; ///< qualification ("主任医师")
    std::string departmentId; ///< department
};

/** A bookable time (FHIR Slot). */
struct Slot {
    std::string id; ///< "SL-DR001-20261124-0800"
    std::string doctorId; ///< the practitioner of the slot's schedule
    std::string start; ///< local time, YYYY-MM-DDTHH:MM:00+08:00
    std::string end; ///< local time
    std::string status; ///< "free", "busy-tentative" (held), "busy" (booked)
    std::int64_t priceFen = 0; ///< registration fee
};

/** The result of a hold (锁号) on a slot. */
struct SlotHold {
    std::string slotId; ///< the slot
    std::string session; ///< the session holding it
    std::string expires; ///< UTC ISO 8601
};

/** A booking (FHIR Appointment). */
struct Appointment {
    std::string id; ///< "AP000001"
    std::string slotId; ///< the slot booked
    std::string patientId; ///< the patient
    std::string status; ///< "booked" / "cancelled" / "arrived" / "fulfilled" / "noshow"
    std::string start; ///< slot start
    std::int64_t priceFen = 0; ///< registration fee
    std::string requestId; ///< the request id that created it
    std::string doctorId; ///< the practitioner participant ("" when the HIS sends none)
    /** Whether the HIS still allows 退号 (booked and before its cut-off); true when the HIS
     * does not say (the cancel call itself is then the judge). */
    bool cancellable = true;
    std::string cancelUntil; ///< the cut-off, local time as the HIS sends it ("" when none)
};

/** An unpaid (billable) or paid (billed) item (FHIR ChargeItem). */
struct ChargeItem {
    std::string id; ///< "CI000001"
    std::string patientId; ///< subject
    std::string description; ///< code.text ("血常规")
    int quantity = 1; ///< quantity
    std::int64_t priceFen = 0; ///< total price of the line
    std::string status; ///< "billable" or "billed"
};

/** A payment of charge items (FHIR Invoice). */
struct Invoice {
    std::string id; ///< "INV000001"
    std::string patientId; ///< subject
    std::vector<std::string> chargeItemIds; ///< lineItem.chargeItem
    std::int64_t totalFen = 0; ///< totalGross
    std::string status; ///< "balanced"
    std::string requestId; ///< identifier: the kiosk's request id
};

/** One lab result (FHIR Observation). */
struct Observation {
    std::string code; ///< short code ("WBC")
    std::string name; ///< Chinese name ("白细胞计数")
    double value = 0; ///< valueQuantity.value
    std::string unit; ///< valueQuantity.unit
    std::optional<double> low; ///< referenceRange.low
    std::optional<double> high; ///< referenceRange.high
    std::string flag; ///< interpretation: "N", "H" or "L"
};

/** A lab report (FHIR DiagnosticReport with its Observations). */
struct LabReport {
    std::string id; ///< "DR000001"
    std::string patientId; ///< subject
    std::string name; ///< code.text ("血常规")
    std::string issued; ///< ISO 8601
    std::string status; ///< "final"
    std::vector<Observation> observations; ///< results
};

} // namespace hc::kiosk::his
