#include "hc/printer/ipp_printer.hpp"

#include <array>
#include <string_view>

namespace hc::printer {

const char* describe(IppPrinterState state) {
    switch (state) {
    case IppPrinterState::Ready:
        return "ready";
    case IppPrinterState::MediaEmpty:
        return "media-empty";
    case IppPrinterState::MediaJam:
        return "media-jam";
    case IppPrinterState::DoorOpen:
        return "door-open";
    case IppPrinterState::Offline:
        return "offline";
    case IppPrinterState::Other:
        return "other";
    }
    return "other";
}

const char* describe(IppJobState state) {
    switch (state) {
    case IppJobState::Pending:
        return "pending";
    case IppJobState::Held:
        return "held";
    case IppJobState::Processing:
        return "processing";
    case IppJobState::Stopped:
        return "stopped";
    case IppJobState::Canceled:
        return "canceled";
    case IppJobState::Aborted:
        return "aborted";
    case IppJobState::Completed:
        return "completed";
    case IppJobState::Unknown:
        return "unknown";
    }
    return "unknown";
}

namespace {

enum class Severity { None, Report, Warning, Error };

struct Reason {
    std::string_view keyword;
    Severity severity = Severity::None;
};

Reason splitReason(std::string_view reason) {
    constexpr std::array<std::pair<std::string_view, Severity>, 3> suffixes { {
        { "-error", Severity::Error },
        { "-warning", Severity::Warning },
        { "-report", Severity::Report },
    } };
    for (const auto& [suffix, severity] : suffixes) {
        if (reason.size() > suffix.size() && reason.ends_with(suffix)) {
            return { reason.substr(0, reason.size() - suffix.size()), severity };
        }
    }
    return { reason, Severity::None };
}

// Lower rank wins when several reasons are present: a jam must be cleared before paper helps.
int rank(IppPrinterState state) {
    switch (state) {
    case IppPrinterState::MediaJam:
        return 0;
    case IppPrinterState::DoorOpen:
        return 1;
    case IppPrinterState::MediaEmpty:
        return 2;
    case IppPrinterState::Offline:
        return 3;
    case IppPrinterState::Other:
        return 4;
    case IppPrinterState::Ready:
        return 5;
    }
    return 5;
}

IppPrinterState stateOfReason(const Reason& r) {
    const auto k = r.keyword;
    if (k == "media-jam") {
        return IppPrinterState::MediaJam;
    }
    if (k == "media-empty" || k == "media-needed") {
        return IppPrinterState::MediaEmpty;
    }
    if (k == "door-open" || k == "cover-open" || k == "interlock-open"
        || k == "input-tray-missing") {
        return IppPrinterState::DoorOpen;
    }
    if (k == "offline" || k == "shutdown") {
        return IppPrinterState::Offline;
    }
    if (r.severity == Severity::Error && k != "none") {
        return IppPrinterState::Other;
    }
    return IppPrinterState::Ready;
}

} // namespace

IppPrinterStatus IppPrinterStatus::fromAttributes(
    std::string printerState, std::vector<std::string> reasons, std::string message) {
    IppPrinterStatus status;
    status.printerState = std::move(printerState);
    status.reasons = std::move(reasons);
    if (status.printerState.empty()) {
        // The printer did not answer (or not with a printer-state): nothing else can be known.
        status.state = IppPrinterState::Offline;
        status.message = message.empty() ? "no answer" : std::move(message);
        return status;
    }
    IppPrinterState worst = IppPrinterState::Ready;
    for (const auto& reason : status.reasons) {
        const IppPrinterState s = stateOfReason(splitReason(reason));
        if (rank(s) < rank(worst)) {
            worst = s;
        }
    }
    if (worst == IppPrinterState::Ready && status.printerState == "stopped") {
        worst = IppPrinterState::Other;
    }
    status.state = worst;
    if (!message.empty()) {
        status.message = std::move(message);
    } else {
        std::string joined;
        for (const auto& reason : status.reasons) {
            joined += (joined.empty() ? "" : ", ") + reason;
        }
        status.message = status.printerState + (joined.empty() ? "" : " (" + joined + ")");
    }
    return status;
}

hc::NextStep IppPrinterStatus::nextStep() const {
    return state == IppPrinterState::Offline ? hc::NextStep::Retry : hc::NextStep::CallStaff;
}

hc::NextStep IppJobResult::nextStep() const {
    switch (state) {
    case IppJobState::Completed:
        return hc::NextStep::Retry; // nothing to do; documented as meaningless
    case IppJobState::Aborted:
    case IppJobState::Canceled: {
        if (printer && !printer->canPrint() && printer->state != IppPrinterState::Offline) {
            return hc::NextStep::CallStaff;
        }
        for (const auto& reason : reasons) {
            if (reason.find("media") != std::string::npos || reason.find("jam") != std::string::npos
                || reason.find("door") != std::string::npos) {
                return hc::NextStep::CallStaff;
            }
        }
        return hc::NextStep::Retry;
    }
    default:
        // Unknown (or a job left pending/held/processing/stopped): the report may be on paper.
        return hc::NextStep::CallStaff;
    }
}

IppPrinterNotReady::IppPrinterNotReady(IppPrinterStatus status)
    : hc::Error(std::string("report printer not ready: ") + describe(status.state) + " ("
            + status.message + ")",
        status.nextStep())
    , m_status(std::move(status)) {
}

IppJobFailed::IppJobFailed(IppJobResult result)
    : hc::Error(std::string("report print job ") + std::to_string(result.jobId) + " "
            + describe(result.state) + ": " + result.message,
        result.nextStep())
    , m_result(std::move(result)) {
}

} // namespace hc::printer
