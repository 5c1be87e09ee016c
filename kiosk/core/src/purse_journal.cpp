#include "hc/kiosk/core/purse_journal.hpp"

namespace hc::kiosk::core {

std::string purseUnknownReason(const PurseResult& r) {
    if (r.status == PurseStatus::Done && !r.verified) {
        return r.pending + "\nunverified: "
            + (r.reason.empty() ? std::string("the card's proof was not verified") : r.reason);
    }
    return r.pending;
}

PurseVerdict journalPurse(JournalStep& step, const PurseResult& r) {
    if (provenDone(r)) {
        step.ok(r.tac);
        return PurseVerdict::Moved;
    }
    if (r.status == PurseStatus::Declined) {
        step.failed(r.reason);
        return PurseVerdict::NotMoved;
    }
    step.unknown(purseUnknownReason(r));
    return PurseVerdict::Unknown;
}

std::string pendingOf(const std::string& reason) {
    if (reason.empty() || reason.front() != '{') {
        return {};
    }
    return reason.substr(0, reason.find('\n'));
}

std::optional<StepStatus> settledStatus(const PurseResult& proof) {
    if (provenDone(proof)) {
        return StepStatus::Ok;
    }
    if (proof.status == PurseStatus::Declined) {
        return StepStatus::Failed;
    }
    return std::nullopt;
}

} // namespace hc::kiosk::core
