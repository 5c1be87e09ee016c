// Unit: IPP printer-state-reasons reduced to the state the kiosk acts on, and raw IPP replies
// (encoded with libcups, as a printer would send them) parsed into a status and a job result.
#include "hc/kiosk/report.hpp"
#include "hc/printer/ipp_printer.hpp"

#include <cstring>
#include <cups/ipp.h>
#include <doctest/doctest.h>

using namespace hc::printer;

namespace {

IppPrinterState stateOf(const char* printerState, std::vector<std::string> reasons) {
    return IppPrinterStatus::fromAttributes(printerState, std::move(reasons), "").state;
}

ssize_t appendTo(void* context, ipp_uchar_t* buffer, size_t n) {
    auto* out = static_cast<std::vector<std::uint8_t>*>(context);
    out->insert(out->end(), buffer, buffer + n);
    return static_cast<ssize_t>(n);
}

std::vector<std::uint8_t> encode(ipp_t* ipp) {
    std::vector<std::uint8_t> out;
    ippSetState(ipp, IPP_STATE_IDLE);
    REQUIRE(ippWriteIO(&out, appendTo, 1, nullptr, ipp) == IPP_STATE_DATA);
    ippDelete(ipp);
    return out;
}

ipp_t* reply(ipp_status_t status) {
    ipp_t* ipp = ippNew();
    ippSetVersion(ipp, 2, 0);
    ippSetStatusCode(ipp, status);
    ippSetRequestId(ipp, 1);
    ippAddString(ipp, IPP_TAG_OPERATION, IPP_TAG_CHARSET, "attributes-charset", nullptr, "utf-8");
    ippAddString(
        ipp, IPP_TAG_OPERATION, IPP_TAG_LANGUAGE, "attributes-natural-language", nullptr, "en");
    return ipp;
}

} // namespace

TEST_CASE("printer-state-reasons count by keyword whatever the severity suffix") {
    CHECK(stateOf("idle", { "none" }) == IppPrinterState::Ready);
    CHECK(stateOf("processing", { "none" }) == IppPrinterState::Ready);
    CHECK(stateOf("idle", { "media-empty-report" }) == IppPrinterState::MediaEmpty);
    CHECK(stateOf("stopped", { "media-empty-error" }) == IppPrinterState::MediaEmpty);
    CHECK(stateOf("idle", { "media-needed" }) == IppPrinterState::MediaEmpty);
    CHECK(stateOf("processing", { "media-jam-warning" }) == IppPrinterState::MediaJam);
    CHECK(stateOf("stopped", { "cover-open-error" }) == IppPrinterState::DoorOpen);
    CHECK(stateOf("stopped", { "door-open" }) == IppPrinterState::DoorOpen);
    CHECK(stateOf("idle", { "offline-report" }) == IppPrinterState::Offline);
    CHECK(stateOf("stopped", { "toner-empty-error" }) == IppPrinterState::Other);
    CHECK(stateOf("stopped", { "paused" }) == IppPrinterState::Other);
    // Warnings that still print.
    CHECK(stateOf("idle", { "media-low-warning", "toner-low-report" }) == IppPrinterState::Ready);
    // A jam wins over paper out: it must be cleared first.
    CHECK(stateOf("stopped", { "media-empty-error", "media-jam-error" })
        == IppPrinterState::MediaJam);
    // No printer-state: the printer did not answer.
    auto gone = IppPrinterStatus::fromAttributes("", {}, "connection refused");
    CHECK(gone.state == IppPrinterState::Offline);
    CHECK(gone.message == "connection refused");
    CHECK(gone.nextStep() == hc::NextStep::Retry);
    CHECK(IppPrinterStatus::fromAttributes("idle", { "media-empty-report" }, "").nextStep()
        == hc::NextStep::CallStaff);
}

TEST_CASE("a Get-Printer-Attributes reply gives the state and the raw reasons") {
    ipp_t* ipp = reply(IPP_STATUS_OK);
    ippAddInteger(ipp, IPP_TAG_PRINTER, IPP_TAG_ENUM, "printer-state", IPP_PSTATE_STOPPED);
    const char* reasons[] = { "media-empty-error", "toner-low-report" };
    ippAddStrings(
        ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "printer-state-reasons", 2, nullptr, reasons);
    ippAddString(
        ipp, IPP_TAG_PRINTER, IPP_TAG_TEXT, "printer-state-message", nullptr, "Load paper");
    const auto bytes = encode(ipp);
    const IppPrinterStatus status = parsePrinterAttributesReply(bytes);
    CHECK(status.state == IppPrinterState::MediaEmpty);
    CHECK(status.printerState == "stopped");
    CHECK(status.reasons == std::vector<std::string> { "media-empty-error", "toner-low-report" });
    CHECK(status.message == "Load paper");
    CHECK_FALSE(status.canPrint());
}

TEST_CASE("a printer that is not accepting jobs is not ready") {
    ipp_t* ipp = reply(IPP_STATUS_OK);
    ippAddInteger(ipp, IPP_TAG_PRINTER, IPP_TAG_ENUM, "printer-state", IPP_PSTATE_IDLE);
    ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "printer-state-reasons", nullptr, "none");
    ippAddBoolean(ipp, IPP_TAG_PRINTER, "printer-is-accepting-jobs", 0);
    const auto bytes = encode(ipp);
    const IppPrinterStatus status = parsePrinterAttributesReply(bytes);
    CHECK(status.state == IppPrinterState::Other);
    CHECK(status.message == "printer is not accepting jobs");
}

TEST_CASE("a Get-Job-Attributes reply gives the job state and reasons") {
    ipp_t* ipp = reply(IPP_STATUS_OK);
    ippAddInteger(ipp, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-id", 42);
    ippAddInteger(ipp, IPP_TAG_JOB, IPP_TAG_ENUM, "job-state", IPP_JSTATE_ABORTED);
    ippAddString(
        ipp, IPP_TAG_JOB, IPP_TAG_KEYWORD, "job-state-reasons", nullptr, "aborted-by-system");
    const auto bytes = encode(ipp);
    const IppJobResult job = parseJobAttributesReply(bytes);
    CHECK(job.jobId == 42);
    CHECK(job.state == IppJobState::Aborted);
    CHECK(job.reasons == std::vector<std::string> { "aborted-by-system" });
    CHECK(job.nextStep() == hc::NextStep::Retry);
}

TEST_CASE("error replies, truncated and foreign bytes never look ready or finished") {
    const auto notFound = encode(reply(IPP_STATUS_ERROR_NOT_FOUND));
    CHECK(parsePrinterAttributesReply(notFound).state == IppPrinterState::Offline);
    CHECK(parseJobAttributesReply(notFound).state == IppJobState::Unknown);

    ipp_t* ipp = reply(IPP_STATUS_OK);
    ippAddInteger(ipp, IPP_TAG_PRINTER, IPP_TAG_ENUM, "printer-state", IPP_PSTATE_IDLE);
    auto bytes = encode(ipp);
    CHECK(parsePrinterAttributesReply(bytes).state == IppPrinterState::Ready);
    bytes.resize(bytes.size() - 3);
    CHECK(parsePrinterAttributesReply(bytes).state == IppPrinterState::Offline);

    const std::string html = "HTTP/1.1 200 OK\r\n\r\n<html></html>";
    const std::vector<std::uint8_t> foreign(html.begin(), html.end());
    CHECK(parsePrinterAttributesReply(foreign).state == IppPrinterState::Offline);
    CHECK(parseJobAttributesReply(foreign).state == IppJobState::Unknown);
    CHECK(parseJobAttributesReply({}).state == IppJobState::Unknown);
}

TEST_CASE("an unknown outcome asks for staff, never a blind reprint") {
    IppJobResult unknown;
    CHECK(unknown.state == IppJobState::Unknown);
    CHECK(unknown.nextStep() == hc::NextStep::CallStaff);
    IppJobResult jammed;
    jammed.state = IppJobState::Aborted;
    jammed.printer = IppPrinterStatus::fromAttributes("idle", { "media-jam-report" }, "");
    CHECK(jammed.nextStep() == hc::NextStep::CallStaff);
}

TEST_CASE("a URI that is not ipp:// is a configuration error") {
    CHECK_THROWS_AS(IppPrinter("http://localhost:631/"), IppError);
    CHECK_THROWS_AS(IppPrinter("not a uri"), IppError);
    try {
        IppPrinter("lpd://x/");
        FAIL("an lpd:// URI was accepted");
    } catch (const IppError& e) {
        CHECK(e.nextStep() == hc::NextStep::CheckConfiguration);
        CHECK(std::string(e.what()).find("lpd://x/") != std::string::npos);
    }
    IppPrinter ok("ipp://localhost:8631/ipp/print");
    CHECK(ok.uri() == "ipp://localhost:8631/ipp/print");
}

TEST_CASE("the kiosk's screen text says what is wrong and never invites a blind reprint") {
    using hc::kiosk::report::jobOutcomeText;
    using hc::kiosk::report::printerProblemText;
    CHECK(printerProblemText(IppPrinterStatus::fromAttributes("idle", { "none" }, "")).empty());
    CHECK(printerProblemText(IppPrinterStatus::fromAttributes("idle", { "media-empty-report" }, ""))
        == "报告打印机缺纸，请联系工作人员");
    CHECK(printerProblemText(IppPrinterStatus::fromAttributes("stopped", { "media-jam-error" }, ""))
        == "报告打印机卡纸，请联系工作人员");
    CHECK(printerProblemText(IppPrinterStatus::fromAttributes("", {}, "refused"))
        == "报告打印机未连接，请稍后再试或联系工作人员");

    IppJobResult done;
    done.state = IppJobState::Completed;
    CHECK(jobOutcomeText(done).empty());
    IppJobResult jammed;
    jammed.state = IppJobState::Aborted;
    jammed.printer = IppPrinterStatus::fromAttributes("idle", { "media-jam-report" }, "");
    CHECK(jobOutcomeText(jammed) == "报告未打印成功：报告打印机卡纸，请联系工作人员");
    const std::string unknown = jobOutcomeText(IppJobResult {});
    CHECK(unknown.find("可能已打印") != std::string::npos);
    CHECK(unknown.find("重试") == std::string::npos);
}
