// RecoveryPlanner: what to do for a session that ended (card pulled, timeout, crash), from its
// journaled steps, by the rules of kiosk-reference §1.4:
//   - a step whose outcome is UNKNOWN (or still PENDING after a crash) is queried first; nothing
//     that depends on it is compensated until the query has resolved it (never refund blind);
//   - insurance pre-registration without registration -> undo it; insurance registration whose
//     HIS registration failed or never happened -> undo it;
//   - insurance pre-settlement not committed -> roll back; insurance settled but HIS confirm
//     failed or never happened -> strike;
//   - HIS pre-settlement without confirm -> cancel it; a slot held but not booked -> release it;
//   - paid (gateway) and HIS returned a failure, or HIS never called -> refund; HIS called and
//     returned nothing -> query HIS, do NOT refund; a failed payment -> close the order;
//   - card debited and HIS failed or never called -> give the debit back;
//   - a print that failed or whose outcome is unknown -> offer a reprint;
//   - a refund session (退费 / 退号) whose his_refund / his_cancel_appointment is OK: the money
//     back by the plan in that step's detail (means=cash|qr|purse|cash_for_purse, payStep=,
//     own=) unless a payment_refund / card_refund_load with compensates = payStep is OK (one
//     PENDING/UNKNOWN is queried), and the plan's insurance part (insStep=, insRid=) struck.
// A compensation already journaled OK is not planned again (never refunded twice); one PENDING
// or UNKNOWN is queried; one FAILED is planned again.
// Pure function of the steps; thread-safe.
#pragma once

#include "hc/kiosk/journal.hpp"

#include <string>
#include <vector>

namespace hc::kiosk {

/** The kind of a recovery action. */
enum class ActionKind {
    Query, ///< ask the other side what happened to step `stepId` (then Journal::resolveStep)
    Compensate, ///< run the compensation `type` for step `stepId` (journal it as a step)
};

/** One thing recovery must do. */
struct RecoveryAction {
    /** Query or compensate. */
    ActionKind kind = ActionKind::Query;
    /** Query: the type of the step to query. Compensate: the compensation to run. */
    StepType type = StepType::HisConfirm;
    /** The step queried, or the step compensated. */
    std::int64_t stepId = 0;
    /** The request id to query or compensate. */
    std::string requestId;
    /** Money concerned, in fen. */
    std::int64_t amountFen = 0;
    /** Why (names the rule), for the log and the staff screen. */
    std::string reason;
};

/** The actions for one session; empty when nothing is left to do. */
struct RecoveryPlan {
    /** Queries first, then compensations, in journal order. */
    std::vector<RecoveryAction> actions;
    /** True when nothing is left to do (the session can be marked recovered). */
    bool done() const { return actions.empty(); }
    /** True when any action is a query (compensations may follow once resolved). */
    bool needsQuery() const;
};

/** Plans recovery from a session's steps. */
class RecoveryPlanner {
public:
    /** The plan for these steps (one session, in journal order). */
    static RecoveryPlan plan(const std::vector<StepRecord>& steps);
};

/** Readable form of an action ("query his_confirm #3", "compensate payment_refund for #2"). */
std::string describe(const RecoveryAction& action);

} // namespace hc::kiosk
