// kiosk/: the kiosk and cashier runtime (docs/kiosk.md). Cashier mode: login and cash payment.
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
//   Engine (hc_kiosk_core, kiosk/core; flows in kiosk/flows/*.json)
//     hc::kiosk::core::Engine            the real UiPort: idle -> menu -> a flow's steps; one card
//                                        session, one journal session per business; countdowns
//                                        (elderly x2), KioskError (Chinese text + code + NextStep),
//                                        "call staff" after three errors in elderly mode
//     hc::kiosk::core::Flow / parseFlow  flows as data: steps naming C++ handlers
//     hc::kiosk::core::RecoveryExecutor  runs the planner's queries and compensations, journaled
//     PatientCard, ReceiptPrinter, ReportPrinter, PaymentGateway, InsuranceService, Clock
//                                        the device interfaces (devices.hpp)
//   Devices (hc_kiosk_devices): PcscPatientCard (health card + e-purse + PSAM over PC/SC),
//     EscPosReceiptPrinter, DirReportPrinter, MemoryCard (demo), HttpPaymentGateway (paygw-sim)
//   kioskd (kiosk/kioskd): the executable; paygw-sim (kiosk/sim/paygw_sim): the QR gateway sim
//
// An engine in ten lines (tests/kiosk/core_engine_test.cpp has the fakes):
//   hc::kiosk::core::EngineParts parts;
//   parts.journal = &journal; parts.his = &his; parts.clock = &clock;
//   parts.receipt = &receipt; parts.gateway = &gateway;
//   hc::kiosk::core::Engine engine(
//       hc::kiosk::core::loadFlows("kiosk/flows", hc::kiosk::core::engineHandlers()), parts);
//   engine.setListener([](const boost::json::object& m) { /* push to the browser */ });
//   engine.cardInserted(card);                               // -> view "menu"
//   engine.handleInput({{"type", "choose"}, {"item", "registration"}});
//   // a timer calls engine.tick() every 250 ms: countdowns, QR polling
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

#include "hc/kiosk/core/engine.hpp"
#include "hc/kiosk/core/flow.hpp"
#include "hc/kiosk/core/kiosk_error.hpp"
#include "hc/kiosk/core/recovery_executor.hpp"
#include "hc/kiosk/his/his_adapter.hpp"
#include "hc/kiosk/his/his_reply.hpp"
#include "hc/kiosk/his/http_his_adapter.hpp"
#include "hc/kiosk/journal.hpp"
#include "hc/kiosk/journal_error.hpp"
#include "hc/kiosk/journal_step.hpp"
#include "hc/kiosk/recovery_planner.hpp"
#include "hc/kiosk/step_type.hpp"
