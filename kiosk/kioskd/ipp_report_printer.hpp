// IppReportPrinter: the engine's ReportPrinter over the report engineer's parts: the lab report
// rendered to PDF by hc_kiosk_report (renderLabReportPdf, with the SM3 fingerprint's QR) and
// printed by hc::printer::IppPrinter, which checks ready / media-empty / jam / door / offline
// (problem(), asked before the patient is charged) and follows the job to its end. One thread.
#pragma once

#include "hc/kiosk/core/devices.hpp"
#include "hc/kiosk/report.hpp"

namespace hc::kiosk::kioskd {

/** A4 reports on an IPP printer. */
class IppReportPrinter final : public core::ReportPrinter {
public:
    /** `uri` ipp://HOST:PORT/ipp/print; `hospital` named on the header; `terminal` in the footer.
     */
    IppReportPrinter(
        const std::string& uri, hc::kiosk::report::Hospital hospital, std::string terminal);
    std::optional<std::string> problem() override;
    void print(const core::ReportDocument& report) override;

private:
    hc::printer::IppPrinter m_printer;
    hc::kiosk::report::Hospital m_hospital;
    std::string m_terminal;
};

} // namespace hc::kiosk::kioskd
