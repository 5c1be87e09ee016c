#include "hc/kiosk/step_type.hpp"

#include <array>
#include <utility>

namespace hc::kiosk {

namespace {
constexpr std::array<std::pair<StepType, std::string_view>, 27> kTypeNames { {
    { StepType::InsurancePreRegister, "insurance_pre_register" },
    { StepType::InsuranceRegister, "insurance_register" },
    { StepType::InsurancePreSettle, "insurance_pre_settle" },
    { StepType::InsuranceSettle, "insurance_settle" },
    { StepType::HisLockSlot, "his_lock_slot" },
    { StepType::HisRegister, "his_register" },
    { StepType::HisPreSettle, "his_pre_settle" },
    { StepType::HisConfirm, "his_confirm" },
    { StepType::Payment, "payment" },
    { StepType::CardDebit, "card_debit" },
    { StepType::CardLoad, "card_load" },
    { StepType::CardIssue, "card_issue" },
    { StepType::DispenserMove, "dispenser_move" },
    { StepType::Print, "print" },
    { StepType::HisRefund, "his_refund" },
    { StepType::HisCancelAppointment, "his_cancel_appointment" },
    { StepType::CardRefundLoad, "card_refund_load" },
    { StepType::InsuranceUndoPreRegister, "insurance_undo_pre_register" },
    { StepType::InsuranceUndoRegister, "insurance_undo_register" },
    { StepType::InsuranceRollbackPreSettle, "insurance_rollback_pre_settle" },
    { StepType::InsuranceStrike, "insurance_strike" },
    { StepType::HisReleaseSlot, "his_release_slot" },
    { StepType::HisCancelPreSettle, "his_cancel_pre_settle" },
    { StepType::PaymentRefund, "payment_refund" },
    { StepType::PaymentCancelOrder, "payment_cancel_order" },
    { StepType::CardDebitReverse, "card_debit_reverse" },
    { StepType::Reprint, "reprint" },
} };
constexpr std::array<std::pair<StepStatus, std::string_view>, 4> kStatusNames { {
    { StepStatus::Pending, "PENDING" },
    { StepStatus::Ok, "OK" },
    { StepStatus::Failed, "FAILED" },
    { StepStatus::Unknown, "UNKNOWN" },
} };
} // namespace

std::string_view stepTypeName(StepType type) {
    for (const auto& [t, n] : kTypeNames) {
        if (t == type) {
            return n;
        }
    }
    return "unknown";
}

std::optional<StepType> stepTypeFromName(std::string_view name) {
    for (const auto& [t, n] : kTypeNames) {
        if (n == name) {
            return t;
        }
    }
    return std::nullopt;
}

bool isCompensation(StepType type) {
    switch (type) {
    case StepType::InsuranceUndoPreRegister:
    case StepType::InsuranceUndoRegister:
    case StepType::InsuranceRollbackPreSettle:
    case StepType::InsuranceStrike:
    case StepType::HisReleaseSlot:
    case StepType::HisCancelPreSettle:
    case StepType::PaymentRefund:
    case StepType::PaymentCancelOrder:
    case StepType::CardDebitReverse:
    case StepType::Reprint:
        return true;
    default:
        return false;
    }
}

std::string_view statusName(StepStatus status) {
    for (const auto& [s, n] : kStatusNames) {
        if (s == status) {
            return n;
        }
    }
    return "UNKNOWN";
}

std::optional<StepStatus> statusFromName(std::string_view name) {
    for (const auto& [s, n] : kStatusNames) {
        if (n == name) {
            return s;
        }
    }
    return std::nullopt;
}

std::string_view sessionEndName(SessionEnd end) {
    switch (end) {
    case SessionEnd::Completed:
        return "completed";
    case SessionEnd::Cancelled:
        return "cancelled";
    case SessionEnd::CardPulled:
        return "card_pulled";
    case SessionEnd::Timeout:
        return "timeout";
    case SessionEnd::Crash:
        return "crash";
    }
    return "crash";
}

} // namespace hc::kiosk
