#include "hc/kiosk/report.hpp"

namespace hc::kiosk::report {

std::vector<std::uint8_t> renderLabReportPdf(const his::LabReport&, const his::Patient&,
    const Hospital&, const std::string&, const RenderOptions&) {
    throw RenderError("renderLabReportPdf: not implemented yet", hc::NextStep::CallStaff);
}

} // namespace hc::kiosk::report
