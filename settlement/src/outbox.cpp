#include "hc/settle/outbox.hpp"

#include "enum_names.hpp"

#include <algorithm>
#include <array>

namespace hc::settle {

namespace {
constexpr std::array<const char*, 10> kStateNames = { "NEW", "SENT", "OK", "FAILED", "UNKNOWN",
    "REVERSAL_PENDING", "REVERSED", "MANUAL_REVIEW", "RESOLVING", "UNRESOLVED" };
}

const char* stateName(OutboxState state) noexcept {
    return kStateNames[static_cast<std::size_t>(state)];
}

std::optional<OutboxState> parseOutboxState(std::string_view text) noexcept {
    return detail::enumFromName<OutboxState>(kStateNames, text);
}

const char* eventName(OutboxEvent event) noexcept {
    switch (event) {
    case OutboxEvent::Dispatch:
        return "dispatch";
    case OutboxEvent::ReplyOk:
        return "reply_ok";
    case OutboxEvent::ReplyRejected:
        return "reply_rejected";
    case OutboxEvent::NotDelivered:
        return "not_delivered";
    case OutboxEvent::Timeout:
        return "timeout";
    case OutboxEvent::ServerError:
        return "server_error";
    case OutboxEvent::QueryFound:
        return "query_found";
    case OutboxEvent::Restarted:
        return "restarted";
    case OutboxEvent::Abandoned:
        return "abandoned";
    case OutboxEvent::ReversalRequested:
        return "reversal_requested";
    case OutboxEvent::ReversalOk:
        return "reversal_ok";
    case OutboxEvent::ReversalRejected:
        return "reversal_rejected";
    case OutboxEvent::Expired:
        return "expired";
    case OutboxEvent::StaffResolvedOk:
        return "staff_resolved_ok";
    case OutboxEvent::StaffResolvedFailed:
        return "staff_resolved_failed";
    }
    return "?";
}

bool isFinal(OutboxState state) noexcept {
    return state == OutboxState::Ok || state == OutboxState::Failed
        || state == OutboxState::Reversed;
}

bool blocksVisit(OutboxState state) noexcept {
    return state == OutboxState::New || state == OutboxState::Sent || state == OutboxState::Unknown
        || state == OutboxState::Resolving || state == OutboxState::Unresolved;
}

IllegalTransition::IllegalTransition(OutboxState from, OutboxEvent event, const std::string& why)
    : Error("outbox.illegal_transition",
        std::string("outbox: ") + eventName(event) + " not allowed in state " + stateName(from)
            + ": " + why,
        NextStep::CallStaff) {
}

OutboxState nextState(OutboxState from, OutboxEvent event) {
    using S = OutboxState;
    using E = OutboxEvent;
    if (event == E::Expired) {
        if (from == S::New || from == S::Sent || from == S::Unknown) {
            return S::ManualReview;
        }
        throw IllegalTransition(from, event, "only unresolved entries expire");
    }
    switch (from) {
    case S::New:
        if (event == E::Dispatch) {
            return S::Sent;
        }
        break;
    case S::Sent:
        switch (event) {
        case E::ReplyOk:
            return S::Ok;
        case E::ReplyRejected:
            return S::Failed;
        case E::NotDelivered:
            return S::New;
        case E::Timeout:
        case E::ServerError:
            return S::Unknown;
        default:
            break;
        }
        break;
    case S::Unknown:
        if (event == E::ReversalRequested) {
            return S::Resolving;
        }
        if (event == E::Abandoned) {
            return S::Unresolved;
        }
        break;
    case S::Resolving:
        if (event == E::ReversalOk) {
            return S::New; // sent again under a new msgid
        }
        if (event == E::ReversalRejected) {
            return S::Unresolved;
        }
        if (event == E::ReversalRequested) {
            throw IllegalTransition(from, event, "a reversal is already under way");
        }
        break;
    case S::Unresolved:
        if (event == E::QueryFound || event == E::StaffResolvedOk) {
            return S::Ok;
        }
        if (event == E::Restarted) {
            return S::New;
        }
        if (event == E::StaffResolvedFailed) {
            return S::Failed;
        }
        if (event == E::ReversalRequested) {
            throw IllegalTransition(from, event, "its reversal was refused or lost; never twice");
        }
        break;
    case S::Ok:
        if (event == E::ReversalRequested) {
            return S::ReversalPending;
        }
        break;
    case S::ReversalPending:
        if (event == E::ReversalOk) {
            return S::Reversed;
        }
        if (event == E::ReversalRejected) {
            return S::ManualReview;
        }
        if (event == E::ReversalRequested) {
            throw IllegalTransition(from, event, "a reversal is already under way");
        }
        break;
    case S::Reversed:
        if (event == E::ReversalRequested) {
            throw IllegalTransition(from, event, "already reversed; never reverse twice");
        }
        break;
    case S::ManualReview:
        if (event == E::StaffResolvedOk) {
            return S::Ok;
        }
        if (event == E::StaffResolvedFailed) {
            return S::Failed;
        }
        break;
    case S::Failed:
        break;
    }
    throw IllegalTransition(from, event, "no such transition");
}

std::chrono::milliseconds backoffDelay(
    const RetryPolicy& policy, int attempt, std::uint64_t random) {
    const int shift = std::clamp(attempt - 1, 0, 30);
    const auto base = policy.base.count();
    const auto cap = policy.cap.count();
    const auto full = (base > (cap >> shift)) ? cap : std::min<std::int64_t>(cap, base << shift);
    const auto half = full / 2;
    const auto span = static_cast<std::uint64_t>(full - half + 1);
    return std::chrono::milliseconds(half + static_cast<std::int64_t>(random % span));
}

} // namespace hc::settle
