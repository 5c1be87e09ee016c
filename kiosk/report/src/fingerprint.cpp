#include "hc/kiosk/report.hpp"

namespace hc::kiosk::report {

std::string ReportFingerprint::qrPayload() const {
    return "HCRPT1|" + reportId + "|" + digest;
}

std::string canonicalContent(const his::LabReport&) {
    throw RenderError("canonicalContent: not implemented yet", hc::NextStep::CallStaff);
}

ReportFingerprint fingerprint(const his::LabReport&) {
    throw RenderError("fingerprint: not implemented yet", hc::NextStep::CallStaff);
}

} // namespace hc::kiosk::report
