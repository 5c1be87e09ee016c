// kiosk/: the kiosk and cashier runtime. Built so far (the device layer, flows and kioskd come
// next; see docs/kiosk.md):
//
//   Session journal (hc_kiosk_journal)
//     hc::kiosk::Journal          SQLite (WAL, synchronous=FULL) journal of sessions and steps
//     hc::kiosk::JournalStep      RAII step: PENDING written and fsynced in the constructor;
//                                 ok() / failed() / unknown(); destroyed without an outcome ->
//                                 UNKNOWN; the destructor never throws
//     hc::kiosk::RecoveryPlanner  the actions for an ended session (kiosk-reference §1.4):
//                                 query every UNKNOWN/PENDING step first, compensate what failed,
//                                 never refund blind, never compensate twice
//   HIS adapter (hc_kiosk_his)
//     hc::kiosk::his::HisAdapter      patients, departments, doctors, slots (hold-then-book),
//                                     appointments, unpaid items, pay, invoice query, lab reports
//     hc::kiosk::his::HttpHisAdapter  its HTTP/JSON implementation (FHIR-modelled, his-sim)
//     hc::kiosk::his::parse*          type-checked reply parsers; HisReplyError names the field
//     errors: HisUnavailable (not sent -> FAILED), HisOutcomeUnknown (sent, no reply ->
//             UNKNOWN), HisRefused / HisConflict (4xx -> FAILED)
//   Simulators (executables in build/kiosk)
//     escpos-sim   ESC/POS printer on 127.0.0.1 with a control port; jobs kept as JSON + text
//     his-sim      HIS over HTTP/JSON with a fault switch
//   The receipt printer itself is drivers/printer (hc/printer.hpp).
//
// Typical step:
//   hc::kiosk::JournalStep step(journal, session, {hc::kiosk::StepType::HisConfirm, reqId, fen});
//   try {
//       const auto invoice = his.pay(patientId, items, fen, reqId);
//       step.ok(invoice.id);
//   } catch (const hc::kiosk::his::HisUnavailable& e) { step.failed(e.what()); throw; }
//     catch (const hc::kiosk::his::HisRefused& e) { step.failed(e.what()); throw; }
//   // HisOutcomeUnknown, a malformed reply, a card pulled: the destructor records UNKNOWN.
//
// Threading: Journal may be shared (mutex inside); a JournalStep, an adapter: one thread.
#pragma once

#include "hc/kiosk/his/his_adapter.hpp"
#include "hc/kiosk/his/his_reply.hpp"
#include "hc/kiosk/his/http_his_adapter.hpp"
#include "hc/kiosk/journal.hpp"
#include "hc/kiosk/journal_error.hpp"
#include "hc/kiosk/journal_step.hpp"
#include "hc/kiosk/recovery_planner.hpp"
#include "hc/kiosk/step_type.hpp"
