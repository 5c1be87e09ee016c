#include "hc/kiosk/report_printer.hpp"

#include <array>
#include <ctime>

namespace hc::kiosk::report {

namespace {
std::string localNow() {
    const std::time_t now = std::time(nullptr);
    std::tm tm {};
    localtime_r(&now, &tm);
    std::array<char, 32> buf {};
    const std::size_t n = std::strftime(buf.data(), buf.size(), "%Y-%m-%d %H:%M", &tm);
    return std::string(buf.data(), n);
}
} // namespace

LabReportPrinter::LabReportPrinter(
    std::string uri, Hospital hospital, std::string kioskId, hc::printer::IppPrinterOptions options)
    : m_printer(std::move(uri), options)
    , m_hospital(std::move(hospital))
    , m_kioskId(std::move(kioskId)) {
}

hc::printer::IppPrinterStatus LabReportPrinter::status() const {
    return m_printer.status();
}

std::optional<std::string> LabReportPrinter::problem() const {
    std::string text = printerProblemText(m_printer.status());
    if (text.empty()) {
        return std::nullopt;
    }
    return text;
}

PrintedReport LabReportPrinter::print(
    const his::LabReport& report, const his::Patient& patient) const {
    const ReportFingerprint fp = fingerprint(report);
    RenderOptions options;
    options.printedAt = localNow();
    options.kioskId = m_kioskId;
    const std::vector<std::uint8_t> pdf
        = renderLabReportPdf(report, patient, m_hospital, fp.qrPayload(), options);
    const hc::printer::IppJobResult job
        = m_printer.printChecked(pdf, "report " + report.id, m_kioskId);
    return PrintedReport { fp.reportId, fp.digest, fp.code, job.jobId, pdf.size() };
}

} // namespace hc::kiosk::report
