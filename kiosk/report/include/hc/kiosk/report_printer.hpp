// LabReportPrinter: the lab report PDF and the A4 IPP printer put together, for the kiosk
// engine's report printer device: problem() before charging, print() once, with the job
// followed to its end. Part of hc_kiosk_report (see hc/kiosk/report.hpp).
//
// Threading: one thread at a time; problem() and print() block on the network (keep them off
// the UI thread).
#pragma once

#include "hc/kiosk/report.hpp"
#include "hc/printer/ipp_printer.hpp"

#include <optional>
#include <string>

namespace hc::kiosk::report {

/** What print() printed. */
struct PrintedReport {
    /** The report's identity: record (reportId, digest) as printed for the "printed once" rule. */
    std::string reportId;
    /** SM3 digest of the report content (fingerprint(report).digest). */
    std::string digest;
    /** The verification code printed in the footer. */
    std::string code;
    /** The printer's job id (for the journal and a later jobState()). */
    int jobId = 0;
    /** Size of the PDF sent. */
    std::size_t pdfBytes = 0;
};

/** A report printer at an IPP URI, printing lab reports of one hospital from one kiosk. */
class LabReportPrinter {
public:
    /** `uri` as for hc::printer::IppPrinter; `kioskId` is the requesting-user-name and is printed
     * in the footer. Throws hc::printer::IppError (CheckConfiguration) for a bad URI. */
    LabReportPrinter(std::string uri, Hospital hospital, std::string kioskId,
        hc::printer::IppPrinterOptions options = {});

    /** The printer's status (Get-Printer-Attributes; never throws). */
    hc::printer::IppPrinterStatus status() const;

    /** std::nullopt when a report can be printed now; otherwise the screen text
     * (printerProblemText: "报告打印机缺纸，请联系工作人员", ...). Ask BEFORE charging. */
    std::optional<std::string> problem() const;

    /** Renders the report (patient masked, QR = fingerprint(report).qrPayload(), print time now
     * in local time) and prints it with printChecked. Throws RenderError (nothing sent),
     * hc::printer::IppPrinterNotReady / IppError (nothing printed), or hc::printer::IppJobFailed
     * (aborted / canceled, or outcomeUnknown(): journal UNKNOWN, no blind reprint). */
    PrintedReport print(const his::LabReport& report, const his::Patient& patient) const;

    /** The underlying printer (jobState() after a restart, for example). */
    const hc::printer::IppPrinter& printer() const { return m_printer; }

private:
    hc::printer::IppPrinter m_printer;
    Hospital m_hospital;
    std::string m_kioskId;
};

} // namespace hc::kiosk::report
