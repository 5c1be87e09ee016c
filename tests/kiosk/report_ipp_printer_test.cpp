// Integration: hc::printer::IppPrinter against CUPS' ippeveprinter (Debian cups-ipp-utils),
// started on a free port with a private dbus-daemon (it refuses to start without a D-Bus system
// bus) and kiosk/report/tools/ipp-print-command as its print command. Paper out is switched at
// runtime through ippeveprinter's /media web form (a source with 0 sheets gives media-empty);
// a jam through the print command's control directory (STATE: +media-jam, exit 1 → aborted).
#include "hc/kiosk/report.hpp"
#include "hc/kiosk/report_printer.hpp"
#include "hc/printer/ipp_printer.hpp"
#include "hc/testing/process.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <csignal>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>
#include <unistd.h>

using namespace hc::printer;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// A plain HTTP GET to 127.0.0.1 (ippeveprinter's web forms): the status line and headers, and
// whether the whole body arrived. ippeveprinter keeps connections open, so the end of the body is
// found from the chunked encoding (its last, empty chunk) rather than from the connection closing.
//
// Reading the whole body matters: ippeveprinter sends the status line and headers of /media
// *before* it applies the form (show_media: respond_http first, then the update under the
// printer's lock, then the page). A caller that stopped at the headers could ask for the
// printer's state before the change was made (seen as a flaky "still media-empty" under load).
// The page is written after the update, so its last chunk is the signal that the change is in.
struct HttpReply {
    std::string head; ///< "" when it could not connect
    bool bodyComplete = false;
};

HttpReply httpGet(unsigned short port, const std::string& target) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    timeval timeout { 5, 0 };
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    HttpReply reply;
    std::string data;
    const auto more = [&] {
        char buf[4096];
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            data.append(buf, static_cast<std::size_t>(n));
        }
        return n > 0;
    };
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        const std::string request = "GET " + target + " HTTP/1.1\r\nHost: localhost:"
            + std::to_string(port) + "\r\nConnection: close\r\n\r\n";
        if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
            while (data.find("\r\n\r\n") == std::string::npos && more()) { }
            const std::size_t headEnd = data.find("\r\n\r\n");
            if (headEnd != std::string::npos) {
                reply.head = data.substr(0, headEnd + 4);
                // The chunks: "<hex size>\r\n<data>\r\n", ending with a chunk of size 0.
                std::size_t pos = headEnd + 4;
                while (true) {
                    std::size_t eol;
                    while ((eol = data.find("\r\n", pos)) == std::string::npos && more()) { }
                    if (eol == std::string::npos) {
                        break;
                    }
                    const std::size_t size = std::stoul(data.substr(pos, eol - pos), nullptr, 16);
                    if (size == 0) {
                        reply.bodyComplete = true;
                        break;
                    }
                    pos = eol + 2 + size + 2;
                    while (data.size() < pos && more()) { }
                    if (data.size() < pos) {
                        break;
                    }
                }
            }
        }
    }
    ::close(fd);
    return reply;
}

struct EvePrinter {
    hc::testing::TempDir dir { "hc-ipp-" };
    unsigned short port = hc::testing::freeTcpPort();
    std::unique_ptr<hc::testing::Process> dbus;
    std::unique_ptr<hc::testing::Process> printer;

    EvePrinter() {
        fs::create_directories(dir / "spool");
        fs::create_directories(dir / "control");
        const std::string bus = "unix:path=" + (dir / "bus").string();
        dbus = std::make_unique<hc::testing::Process>(
            std::vector<std::string> { "dbus-daemon", "--session", "--nofork", "--address=" + bus },
            dir / "dbus.log");
        for (int i = 0; i < 100 && !fs::exists(dir / "bus"); ++i) {
            std::this_thread::sleep_for(50ms);
        }
        REQUIRE(fs::exists(dir / "bus"));
        printer = std::make_unique<hc::testing::Process>(
            std::vector<std::string> { "env", "DBUS_SYSTEM_BUS_ADDRESS=" + bus,
                "HC_IPP_CONTROL=" + (dir / "control").string(), "ippeveprinter", "-p",
                std::to_string(port), "-f", "application/pdf", "-k", "-d", (dir / "spool").string(),
                "-c", hc::testing::sourcePath("kiosk/report/tools/ipp-print-command").string(),
                "-r", "off", "-n", "localhost", "HC Report Printer" },
            dir / "ippeveprinter.log");
        IppPrinter probe(uri(), options());
        for (int i = 0; i < 100 && probe.status().state == IppPrinterState::Offline; ++i) {
            std::this_thread::sleep_for(100ms);
        }
        INFO(hc::testing::readFile(dir / "ippeveprinter.log"));
        REQUIRE(probe.status().state == IppPrinterState::Ready);
    }

    std::string uri() const { return "ipp://localhost:" + std::to_string(port) + "/ipp/print"; }

    static IppPrinterOptions options(std::chrono::milliseconds jobTimeout = 20000ms) {
        IppPrinterOptions o;
        o.requestTimeout = 2000ms;
        o.jobTimeout = jobTimeout;
        o.pollInterval = 100ms;
        return o;
    }

    /** Sets the sheets in the main tray through the /media web form (0 = paper out). The form
     * sets every source at once, and ippeveprinter reports media-empty while any source is
     * empty, so the envelope feeder (source 3) is kept loaded. Returns once the change is made
     * (the whole page has arrived, see httpGet). */
    void setSheets(int sheets) const {
        const HttpReply reply = httpGet(port,
            "/media?size1=iso_a4_210x297mm&type1=stationery&level1=" + std::to_string(sheets)
                + "&size3=na_number-10_4.125x9.5in&type3=envelope&level3=25");
        INFO(reply.head);
        REQUIRE(reply.head.rfind("HTTP/1.1 200", 0) == 0);
        REQUIRE(reply.bodyComplete);
    }

    std::vector<fs::path> spooledPdfs() const {
        std::vector<fs::path> out;
        for (const auto& e : fs::directory_iterator(dir / "spool")) {
            if (e.path().extension() == ".pdf") {
                out.push_back(e.path());
            }
        }
        return out;
    }
};

std::vector<std::uint8_t> samplePdf() {
    hc::kiosk::his::LabReport report;
    report.id = "DR000042";
    report.patientId = "P0001";
    report.name = "血常规";
    report.issued = "2026-11-23T09:30:00+08:00";
    report.status = "final";
    report.observations.push_back({ "WBC", "白细胞计数", 11.2, "10^9/L", 3.5, 9.5, "H" });
    hc::kiosk::his::Patient patient { "P0001", "110101199003071234", "张三", "male", "1990-03-07",
        "" };
    return hc::kiosk::report::renderLabReportPdf(report, patient,
        { "示例市第一人民医院", "检验科", "" }, hc::kiosk::report::fingerprint(report).qrPayload());
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return { std::istreambuf_iterator<char>(in), {} };
}

} // namespace

TEST_CASE("a lab report PDF is printed: the job completes and the file lands in the spool") {
    EvePrinter eve;
    IppPrinter printer(eve.uri(), EvePrinter::options());
    const IppPrinterStatus before = printer.status();
    CHECK(before.canPrint());
    CHECK(before.printerState == "idle");

    const auto pdf = samplePdf();
    const IppJobResult job = printer.print(pdf, "report DR000042", "kiosk-01");
    INFO(job.message);
    CHECK(job.completed());
    CHECK(job.jobId > 0);
    REQUIRE(job.printer.has_value());
    CHECK(job.printer->canPrint());

    const auto files = eve.spooledPdfs();
    REQUIRE(files.size() == 1);
    CHECK(slurp(files.front()) == std::string(pdf.begin(), pdf.end()));
    // The job can be asked for later (after a restart, from the journal's job id).
    CHECK(printer.jobState(job.jobId).state == IppJobState::Completed);
}

TEST_CASE("paper out is seen by status() before printing; print() refuses and sends nothing") {
    EvePrinter eve;
    IppPrinter printer(eve.uri(), EvePrinter::options());
    eve.setSheets(0);
    const IppPrinterStatus status = printer.status();
    CHECK(status.state == IppPrinterState::MediaEmpty);
    CHECK_FALSE(status.canPrint());
    CHECK(std::find(status.reasons.begin(), status.reasons.end(), std::string("media-empty-report"))
        != status.reasons.end());
    CHECK(status.nextStep() == hc::NextStep::CallStaff);

    const std::string pdf = "%PDF-1.4\n%%EOF\n";
    const std::vector<std::uint8_t> bytes(pdf.begin(), pdf.end());
    try {
        printer.print(bytes, "report", "kiosk-01");
        FAIL("printed with no paper");
    } catch (const IppPrinterNotReady& e) {
        CHECK(e.status().state == IppPrinterState::MediaEmpty);
        CHECK(e.nextStep() == hc::NextStep::CallStaff);
    }
    CHECK(eve.spooledPdfs().empty());

    eve.setSheets(250); // staff refill the tray
    CHECK(printer.status().state == IppPrinterState::Ready);
}

TEST_CASE("a jam mid-job aborts the job and shows as media-jam") {
    EvePrinter eve;
    IppPrinter printer(eve.uri(), EvePrinter::options());
    std::ofstream(eve.dir / "control" / "jam") << "1";
    const std::string pdf = "%PDF-1.4\n%%EOF\n";
    IppJobResult job;
    try {
        printer.printChecked(
            std::vector<std::uint8_t>(pdf.begin(), pdf.end()), "report DR000043", "kiosk-01");
        FAIL("a jammed job reported as printed");
    } catch (const IppJobFailed& e) {
        CHECK_FALSE(e.outcomeUnknown());
        CHECK(e.nextStep() == hc::NextStep::CallStaff);
        job = e.result();
    }
    INFO(job.message);
    CHECK(job.state == IppJobState::Aborted);
    REQUIRE(job.printer.has_value());
    CHECK(job.printer->state == IppPrinterState::MediaJam);
    CHECK(job.nextStep() == hc::NextStep::CallStaff);
    // The next patient is not charged: the jam is still reported.
    CHECK(printer.status().state == IppPrinterState::MediaJam);
}

TEST_CASE("the printer gone: offline before printing, unknown outcome mid-job") {
    SUBCASE("stopped before printing") {
        EvePrinter eve;
        IppPrinter printer(eve.uri(), EvePrinter::options());
        eve.printer->stop();
        const IppPrinterStatus status = printer.status();
        CHECK(status.state == IppPrinterState::Offline);
        CHECK(status.nextStep() == hc::NextStep::Retry);
        CHECK_FALSE(status.message.empty());
        const std::string pdf = "%PDF-1.4\n%%EOF\n";
        CHECK_THROWS_AS(
            printer.print(std::vector<std::uint8_t>(pdf.begin(), pdf.end()), "r", "kiosk-01"),
            IppPrinterNotReady);
    }
    SUBCASE("killed while the job prints") {
        EvePrinter eve;
        std::ofstream(eve.dir / "control" / "delay") << "5";
        IppPrinter printer(eve.uri(), EvePrinter::options(2500ms));
        std::jthread killer([&] {
            // Kill it once the job is on the printer (its spool file exists), mid-"printing".
            for (int i = 0; i < 200 && eve.spooledPdfs().empty(); ++i) {
                std::this_thread::sleep_for(20ms);
            }
            std::this_thread::sleep_for(100ms);
            eve.printer->signal(SIGKILL);
        });
        const std::string pdf = "%PDF-1.4\n%%EOF\n";
        const auto started = std::chrono::steady_clock::now();
        IppJobResult job;
        try {
            printer.printChecked(
                std::vector<std::uint8_t>(pdf.begin(), pdf.end()), "report DR000044", "kiosk-01");
        } catch (const IppJobFailed& e) {
            CHECK(e.outcomeUnknown());
            job = e.result();
        }
        killer.join();
        INFO(job.message);
        CHECK(job.state == IppJobState::Unknown);
        CHECK(job.jobId > 0);
        CHECK(job.nextStep() == hc::NextStep::CallStaff);
        REQUIRE(job.printer.has_value());
        CHECK(job.printer->state == IppPrinterState::Offline);
        CHECK(std::chrono::steady_clock::now() - started < 10s);
    }
}

TEST_CASE("LabReportPrinter: problem() before charging, print(), the PDF lands") {
    EvePrinter eve;
    hc::kiosk::report::LabReportPrinter reports(
        eve.uri(), { "示例市第一人民医院", "检验科", "" }, "KIOSK-01", EvePrinter::options());
    CHECK_FALSE(reports.problem().has_value());

    hc::kiosk::his::LabReport report;
    report.id = "DR000050";
    report.patientId = "P0002";
    report.name = "肝功能";
    report.issued = "2026-11-23T10:00:00+08:00";
    report.status = "final";
    report.observations.push_back({ "ALT", "丙氨酸氨基转移酶", 88, "U/L", 9, 50, "H" });
    const hc::kiosk::his::Patient patient { "P0002", "", "李娜", "female", "1985-06-01", "" };
    const auto printed = reports.print(report, patient);
    CHECK(printed.reportId == "DR000050");
    CHECK(printed.digest == hc::kiosk::report::fingerprint(report).digest);
    CHECK(printed.jobId > 0);
    const auto files = eve.spooledPdfs();
    REQUIRE(files.size() == 1);
    CHECK(fs::file_size(files.front()) == printed.pdfBytes);
    const auto text
        = hc::testing::runCommand({ "pdftotext", "-enc", "UTF-8", files.front().string(), "-" });
    CHECK(text.out.find("丙氨酸氨基转移酶") != std::string::npos);
    CHECK(text.out.find("终端: KIOSK-01") != std::string::npos);
    CHECK(text.out.find(printed.code) != std::string::npos);

    eve.setSheets(0);
    CHECK(reports.problem() == std::optional<std::string>("报告打印机缺纸，请联系工作人员"));
    CHECK_THROWS_AS(reports.print(report, patient), IppPrinterNotReady);
    CHECK(eve.spooledPdfs().size() == 1);
}
