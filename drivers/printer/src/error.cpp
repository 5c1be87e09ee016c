#include "hc/printer/error.hpp"

namespace hc::printer {

EncodingError::EncodingError(std::string message, std::string character, std::size_t index)
    : hc::InputError(std::move(message))
    , m_character(std::move(character))
    , m_index(index) {
}

namespace {
hc::NextStep nextStepFor(const PrinterStatus& s) {
    // Paper and cover are fixed by a person; an offline printer may come back.
    if (s.paperOut || s.coverOpen || s.cutterError || s.otherError) {
        return hc::NextStep::CallStaff;
    }
    return hc::NextStep::Retry;
}
} // namespace

PrinterNotReady::PrinterNotReady(PrinterStatus status)
    : hc::Error("receipt printer not ready: " + status.message, nextStepFor(status))
    , m_status(std::move(status)) {
}

} // namespace hc::printer
