// Parsers of HIS replies (JSON modelled on FHIR R4) into the adapter's values. Every field is
// type-checked; a missing or mistyped field throws HisReplyError naming its path
// ("Bundle.entry[1].resource.priceFen: expected an integer, got a string"). Bounds: strings up to
// 4 KiB, bundles up to 10,000 entries. Pure functions; thread-safe; fuzzed
// (tests/fuzz/his_reply_fuzz.cpp).
#pragma once

#include "hc/kiosk/his/types.hpp"

#include <boost/json/value.hpp>
#include <string_view>

namespace hc::kiosk::his {

/** Parses reply text as JSON; throws HisReplyError with the parser's message and offset. */
boost::json::value parseReplyJson(std::string_view text);

/** A Patient resource. */
Patient parsePatient(const boost::json::value& v);
/** A Bundle of Patient. */
std::vector<Patient> parsePatientBundle(const boost::json::value& v);
/** A Bundle of Organization (departments). */
std::vector<Department> parseDepartmentBundle(const boost::json::value& v);
/** A Bundle of Practitioner. */
std::vector<Doctor> parseDoctorBundle(const boost::json::value& v);
/** A Slot resource. */
Slot parseSlot(const boost::json::value& v);
/** A Bundle of Slot. */
std::vector<Slot> parseSlotBundle(const boost::json::value& v);
/** The reply to a hold: the Slot with its hold (extension "hold"). */
SlotHold parseSlotHold(const boost::json::value& v);
/** An Appointment resource. */
Appointment parseAppointment(const boost::json::value& v);
/** A Bundle of Appointment (a patient's bookings; `cancellable`/`cancelUntil` optional). */
std::vector<Appointment> parseAppointmentBundle(const boost::json::value& v);
/** A Bundle of ChargeItem. */
std::vector<ChargeItem> parseChargeItemBundle(const boost::json::value& v);
/** An Invoice resource. */
Invoice parseInvoice(const boost::json::value& v);
/** A Bundle of Invoice. */
std::vector<Invoice> parseInvoiceBundle(const boost::json::value& v);
/** A Bundle of DiagnosticReport with contained Observations. */
std::vector<LabReport> parseLabReportBundle(const boost::json::value& v);
/** The diagnostics text of an OperationOutcome, or "" when `v` is not one. */
std::string operationOutcomeText(const boost::json::value& v);

} // namespace hc::kiosk::his
