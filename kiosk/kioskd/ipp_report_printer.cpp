#include "ipp_report_printer.hpp"

namespace hc::kiosk::kioskd {

IppReportPrinter::IppReportPrinter(
    const std::string& uri, hc::kiosk::report::Hospital hospital, std::string terminal)
    : m_printer(uri)
    , m_hospital(std::move(hospital))
    , m_terminal(std::move(terminal)) {
}

std::optional<std::string> IppReportPrinter::problem() {
    const auto s = m_printer.status();
    if (s.canPrint()) {
        return std::nullopt;
    }
    auto text = hc::kiosk::report::printerProblemText(s);
    // The engine appends what it did (not charged) and whom to call.
    for (const char* tail : { "，请联系工作人员", "，请稍后再试或联系工作人员" }) {
        if (const auto p = text.find(tail); p != std::string::npos) {
            text.erase(p);
        }
    }
    return text.empty() ? std::string("报告打印机故障") : text;
}

void IppReportPrinter::print(const core::ReportDocument& r) {
    his::Patient patient;
    patient.id = r.lab.patientId;
    patient.name = r.patientName;
    const auto fp = hc::kiosk::report::fingerprint(r.lab);
    hc::kiosk::report::RenderOptions opts;
    opts.kioskId = m_terminal;
    const auto pdf
        = hc::kiosk::report::renderLabReportPdf(r.lab, patient, m_hospital, fp.qrPayload(), opts);
    const auto job = m_printer.print(pdf, "report " + r.reportId, m_terminal);
    if (!job.completed()) {
        throw hc::Error(hc::kiosk::report::jobOutcomeText(job), job.nextStep());
    }
}

} // namespace hc::kiosk::kioskd
