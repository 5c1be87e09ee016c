// The external steps a kiosk session journals, their outcomes, and the compensations recovery may
// run. Plain enums with stable names (stored in the journal); thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace hc::kiosk {

/** An external step. Forward steps first, then the compensations that undo them. */
enum class StepType {
    // Forward steps (kiosk-reference §1.4; DHC trade codes in brackets).
    InsurancePreRegister, ///< insurance pre-registration
    InsuranceRegister, ///< insurance registration
    InsurancePreSettle, ///< insurance pre-settlement (预结算)
    InsuranceSettle, ///< insurance settlement commit
    HisLockSlot, ///< HIS slot hold (锁号, 10015; FHIR Slot hold)
    HisRegister, ///< HIS registration / booking (1101, 1000)
    HisPreSettle, ///< HIS pre-settlement (4905)
    HisConfirm, ///< HIS payment confirm (4906)
    Payment, ///< payment gateway charge (WeChat, Alipay, bank card)
    CardDebit, ///< e-purse debit on the card
    CardLoad, ///< e-purse load (top-up) on the card
    CardIssue, ///< personalize a blank card for a resident (on-the-spot issuance; no money)
    DispenserMove, ///< the card dispenser moved a card (to_ic, eject, taken, capture; no money)
    Print, ///< receipt or report print
    // Forward steps of a refund or cancellation session (their own business: queried when their
    // outcome is unknown, like any forward step).
    HisRefund, ///< HIS refund of a paid invoice (退费, DHC 4910 on a confirmed bill)
    HisCancelAppointment, ///< HIS cancellation of a booked appointment (退号, DHC 1108)
    CardRefundLoad, ///< a refund credited back onto the card's e-purse (a load, 圈存)
    // Compensations.
    InsuranceUndoPreRegister, ///< undo an insurance pre-registration
    InsuranceUndoRegister, ///< undo an insurance registration
    InsuranceRollbackPreSettle, ///< roll back an uncommitted insurance pre-settlement
    InsuranceStrike, ///< strike (冲正) a committed insurance settlement
    HisReleaseSlot, ///< release a held slot
    HisCancelPreSettle, ///< cancel a HIS pre-settlement (4910)
    PaymentRefund, ///< refund a gateway payment
    PaymentCancelOrder, ///< close an unpaid gateway order so it can no longer be paid
    CardDebitReverse, ///< give an e-purse debit back (credit the purse)
    Reprint, ///< offer the patient a reprint (reprint-after-exception)
};

/** Stable name stored in the journal ("his_confirm", "payment_refund", ...). */
std::string_view stepTypeName(StepType type);
/** The type of a stored name; nullopt for an unknown name. */
std::optional<StepType> stepTypeFromName(std::string_view name);
/** True for a compensation (a step that undoes another); the refund session's own steps
 * (HisRefund, HisCancelAppointment, CardRefundLoad) are forward steps. */
bool isCompensation(StepType type);

/** Where a step stands. */
enum class StepStatus {
    Pending, ///< written before the call; no outcome yet (a crash leaves it so)
    Ok, ///< the call succeeded
    Failed, ///< the call definitely did not take effect
    Unknown, ///< the call may or may not have taken effect (timeout, lost reply)
};

/** Stable name ("PENDING", "OK", "FAILED", "UNKNOWN"). */
std::string_view statusName(StepStatus status);
/** The status of a stored name; nullopt for an unknown name. */
std::optional<StepStatus> statusFromName(std::string_view name);

/** Why a session ended. */
enum class SessionEnd {
    Completed, ///< the business finished
    Cancelled, ///< the patient pressed cancel
    CardPulled, ///< the card left the reader
    Timeout, ///< a step's countdown ran out
    Crash, ///< found open at boot: the kiosk process died
};

/** Stable name ("completed", "card_pulled", ...). */
std::string_view sessionEndName(SessionEnd end);

} // namespace hc::kiosk
