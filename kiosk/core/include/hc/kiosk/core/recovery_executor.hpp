// RecoveryExecutor: carries out hc::kiosk::RecoveryPlanner's actions for ended sessions against
// the HIS, the insurance service, the payment gateway and the card, and records each in the
// journal: a query resolves the step it asked about (Journal::resolveStep); a compensation is
// journaled as a step of its own (JournalStep with `compensates`) before it runs. Queries come
// first and the plan is recomputed after them, so nothing is refunded on an UNKNOWN outcome; a
// compensation already OK is never run again (the planner's rule), one left UNKNOWN is queried.
//
// What each query asks:
//   his_confirm        HisAdapter::findInvoice(requestId)
//   his_register       the booking replayed with its request id (idempotent: it answers the first
//                      result or books what was paid for; a conflict means it did not happen)
//   his_lock_slot      taken as held (the release that follows is harmless)
//   payment            PaymentGateway::query (paid -> OK; pending/closed -> close, FAILED)
//   payment_refund     PaymentGateway::query (refunded -> OK)
//   insurance_settle   InsuranceService::settled
//   card_debit/_load   PatientCard::settle with the journaled PendingTransaction, only when
//                      that card is in the reader (otherwise the session waits for it); OK
//                      only on a verified proof (purse_journal.hpp), else it waits for staff
//   print              FAILED (a reprint is offered at the staff desk)
//   his_refund         HisAdapter::findRefund(requestId)
//   his_cancel_appointment  HisAdapter::findCancellation(requestId)
//   card_refund_load   with that card in the reader: the transaction proof when the load's
//                      answer was lost; after a kill mid-call the balance against the `before=`
//                      the step journaled (equal -> FAILED, + refund -> OK, else staff check)
// A refund session whose HIS refund / cancellation is OK and whose money step is missing or
// FAILED gets it (the plan is in the HIS step's detail): cash -> journaled "due at the window",
// QR -> gateway refund, e-purse -> card_refund_load when the patient's card is in the reader.
// A session whose plan becomes empty is marked recovered.
//
// Threading: one thread at a time (the engine calls it under its mutex; kioskd at boot before
// the engine runs).
#pragma once

#include "hc/kiosk/core/card_key.hpp"
#include "hc/kiosk/core/devices.hpp"
#include "hc/kiosk/journal.hpp"

#include <string>
#include <vector>

namespace hc::kiosk::his {
class HisAdapter;
}

namespace hc::kiosk::core {

/** What one pass over a session did. */
struct RecoveryReport {
    std::string session; ///< the session
    int queries = 0; ///< steps resolved by a query
    int compensations = 0; ///< compensations that succeeded
    bool recovered = false; ///< nothing left to do
    std::vector<std::string> notes; ///< one line per action, for the log (no patient data)
};

/** Runs recovery plans. */
class RecoveryExecutor {
public:
    /** Uses the parts given (null ones: their actions wait). `keys` matches journaled card keys
     * (none: CardKeys::processDefault()). */
    RecoveryExecutor(Journal& journal, his::HisAdapter* his, InsuranceService* insurance,
        PaymentGateway* gateway, const CardKeys* keys = nullptr);

    /** One session; `card` is the card in the reader, if any. */
    RecoveryReport recoverSession(const std::string& session, PatientCard* card);
    /** Every session to recover (at boot after Journal::endOpenSessionsAfterCrash()). */
    std::vector<RecoveryReport> recoverAll(PatientCard* card = nullptr);
    /** Sessions waiting for this card (a purse step left UNKNOWN): settles them now. */
    std::vector<RecoveryReport> recoverCard(PatientCard& card, const CardIdentity& who);

private:
    bool query(const StepRecord& step, PatientCard* card, RecoveryReport& report);
    bool compensate(const std::string& session, StepType type, const StepRecord& target,
        PatientCard* card, RecoveryReport& report);
    bool refundMoney(const std::string& session, StepType type, const StepRecord& hisStep,
        PatientCard* card, RecoveryReport& report);
    Journal& m_journal;
    his::HisAdapter* m_his;
    InsuranceService* m_insurance;
    PaymentGateway* m_gateway;
    const CardKeys& m_keys;
};

} // namespace hc::kiosk::core
