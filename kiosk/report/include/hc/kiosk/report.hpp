// hc_kiosk_report: the lab report the kiosk prints on A4, as a PDF.
//
//   hc::kiosk::report::renderLabReportPdf  a DiagnosticReport with its Observations -> PDF bytes:
//       A4, Chinese text in WenQuanYi Micro Hei embedded as a subset with a ToUnicode map (the
//       text copies out as the same Unicode), the patient masked ("张*", "110101********1234"),
//       a table of items with value, unit, reference range and ↑/↓ for abnormal values, and a QR
//       code carrying the verification payload.
//   hc::kiosk::report::printerProblemText  the Chinese line a kiosk screen shows for a report
//       printer that cannot print ("报告打印机缺纸，请联系工作人员"), "" when it can;
//       jobOutcomeText the same for a job that did not complete.
//   hc::kiosk::report::LabReportPrinter    (hc/kiosk/report_printer.hpp) the two together for the
//       engine's report printer: problem() before charging, print(report, patient) once.
//   hc::kiosk::report::fingerprint         a stable digest of the report's content and id (SM3),
//       the short verification code printed in the footer (验证码), the QR payload; the engine keys
//       "printed once" on (report id, digest): the same report printed twice is a reprint, a
//       corrected report (new content) has a new digest.
//
// Typical use:
//   auto fp = hc::kiosk::report::fingerprint(labReport);
//   auto pdf = hc::kiosk::report::renderLabReportPdf(labReport, patient,
//       {.name = "示例市第一人民医院", .department = "检验科"}, fp.qrPayload());
//   if (!printer.status().canPrint()) { /* printerProblemText(...): do not charge */ }
//   printer.printChecked(pdf, "report " + labReport.id, "kiosk-01");  // hc::printer::IppPrinter
//
// Threading: the functions are reentrant (each call has its own cairo surface; cairo-ft guards
// the FreeType library it shares); call them from any thread, preferably not the UI thread (a
// 20-item report takes about 7 ms).
// Errors derive from hc::Error.
#pragma once

#include "hc/base/error.hpp"
#include "hc/kiosk/his/types.hpp"
#include "hc/printer/ipp_printer.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace hc::kiosk::report {

/** The hospital named on the report header. */
struct Hospital {
    /** Full name ("示例市第一人民医院"). */
    std::string name;
    /** The issuing department ("检验科"), "" to leave out. */
    std::string department;
    /** A line under the footer (address or phone), "" to leave out. */
    std::string footer;
};

/** Rendering settings; the defaults suit Debian 12 with fonts-wqy-microhei. */
struct RenderOptions {
    /** The font file: a TrueType font or collection (.ttf / .ttc). */
    std::string fontPath = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";
    /** The face in a collection (0 = WenQuanYi Micro Hei, 1 = its monospaced variant). */
    int faceIndex = 0;
    /** The print time shown on the report ("2026-11-23 14:05"); "" to leave out. */
    std::string printedAt;
    /** The kiosk id shown in the footer ("KIOSK-01"); "" to leave out. */
    std::string kioskId;
};

/** The report could not be rendered: the font is missing or cannot be loaded (CheckConfiguration),
 * or cairo / the QR encoder failed (CallStaff). */
class RenderError : public hc::Error {
public:
    /** A rendering error with its next step. */
    RenderError(std::string message, hc::NextStep next)
        : hc::Error(std::move(message), next) { }
};

/** Renders `report` as a one-or-more-page A4 PDF. The patient's name and ID number are masked
 * with the card layer's rules (hc::card::health::maskName / maskIdentifier); gender, age and the
 * HIS patient id are shown. `qrPayload` is encoded as a QR code (level M) in the header, with
 * "扫码核验" under it; the footer carries fingerprint(report).code as 验证码 and "第n/m页".
 * Observations flagged "H"/"HH" get ↑, "L"/"LL" get ↓ in the 提示 column. Rows that do not fit
 * continue on further pages, each with the full header. Throws RenderError: FixInput for an
 * empty or unencodable QR payload, CheckConfiguration for a missing font. */
std::vector<std::uint8_t> renderLabReportPdf(const his::LabReport& report,
    const his::Patient& patient, const Hospital& hospital, const std::string& qrPayload,
    const RenderOptions& options = {});

/** The identity of a report's content, for verification and for the "printed once" rule. */
struct ReportFingerprint {
    /** The HIS report id ("DR000001"). */
    std::string reportId;
    /** SM3 of the canonical content (see canonicalContent), 64 lowercase hex digits. */
    std::string digest;
    /** The first 16 hex digits of digest, upper case, in groups of four ("3F2A-9C01-77B4-E0D5"):
     * printed under the QR for a person to type into the hospital's verification page. */
    std::string code;
    /** "HCRPT1|<reportId>|<digest>": the QR code's content. */
    std::string qrPayload() const;
};

/** The canonical text the digest covers: "hc-lab-report/1", id, patientId, name, issued, status,
 * then one line per observation "code|name|value|unit|low|high|flag" (numbers in the shortest
 * form that reads back exactly, "" for an absent bound), each line ending in "\n". */
std::string canonicalContent(const his::LabReport& report);

/** The fingerprint of `report`: same content and id, same digest, on any machine. */
ReportFingerprint fingerprint(const his::LabReport& report);

/** The screen text for a printer status: "" when canPrint(); otherwise one short Chinese
 * sentence saying what is wrong and what to do: 缺纸 / 卡纸 / 舱门未关 → 请联系工作人员, 未连接 →
 * 请稍后再试或联系工作人员, anything else → 故障. */
std::string printerProblemText(const hc::printer::IppPrinterStatus& status);

/** The screen text for a job that did not complete ("" when it did): aborted / canceled →
 * 报告未打印成功 with the printer's problem if any; Unknown → 报告可能已打印, staff will check
 * (never "please try again": a blind reprint could print the report twice). */
std::string jobOutcomeText(const hc::printer::IppJobResult& job);

} // namespace hc::kiosk::report
