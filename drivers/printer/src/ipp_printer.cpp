#include "hc/printer/ipp_printer.hpp"

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

hc::NextStep IppPrinterStatus::nextStep() const {
    return state == IppPrinterState::Offline ? hc::NextStep::Retry : hc::NextStep::CallStaff;
}

IppPrinterStatus IppPrinterStatus::fromAttributes(
    std::string, std::vector<std::string>, std::string) {
    throw IppError(
        "IppPrinterStatus::fromAttributes: not implemented yet", hc::NextStep::CallStaff);
}

hc::NextStep IppJobResult::nextStep() const {
    return hc::NextStep::CallStaff;
}

IppPrinterNotReady::IppPrinterNotReady(IppPrinterStatus status)
    : hc::Error(std::string("report printer not ready: ") + describe(status.state) + " ("
            + status.message + ")",
        status.nextStep())
    , m_status(std::move(status)) {
}

IppPrinter::IppPrinter(std::string uri, IppPrinterOptions options)
    : m_uri(std::move(uri))
    , m_options(options) {
}

IppPrinterStatus IppPrinter::status() const {
    throw IppError("IppPrinter::status: not implemented yet", hc::NextStep::CallStaff);
}

IppJobResult IppPrinter::print(
    std::span<const std::uint8_t>, const std::string&, const std::string&) const {
    throw IppError("IppPrinter::print: not implemented yet", hc::NextStep::CallStaff);
}

IppJobResult IppPrinter::jobState(int) const {
    throw IppError("IppPrinter::jobState: not implemented yet", hc::NextStep::CallStaff);
}

} // namespace hc::printer
