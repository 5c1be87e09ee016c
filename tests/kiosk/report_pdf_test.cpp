// The lab report PDF, checked with the tools a reader would use: pdftotext (the Chinese text
// copies out as the same Unicode), pdffonts (the font is embedded and subset), pdftoppm +
// zbarimg (the QR code decodes to the payload). Also the fingerprint (stable, content-bound).
#include "hc/kiosk/report.hpp"
#include "hc/testing/process.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>

using namespace hc::kiosk::report;
using hc::testing::runCommand;
namespace fs = std::filesystem;

namespace {

hc::kiosk::his::LabReport bloodCount() {
    hc::kiosk::his::LabReport r;
    r.id = "DR000001";
    r.patientId = "P0001";
    r.name = "血常规";
    r.issued = "2026-11-23T09:30:00+08:00";
    r.status = "final";
    r.observations.push_back({ "WBC", "白细胞计数", 11.2, "10^9/L", 3.5, 9.5, "H" });
    r.observations.push_back({ "RBC", "红细胞计数", 4.61, "10^12/L", 4.3, 5.8, "N" });
    r.observations.push_back({ "HGB", "血红蛋白", 98, "g/L", 130, 175, "L" });
    r.observations.push_back({ "PLT", "血小板计数", 210, "10^9/L", 125, 350, "N" });
    r.observations.push_back({ "CRP", "C反应蛋白", 3.2, "mg/L", std::nullopt, 10, "N" });
    return r;
}

hc::kiosk::his::Patient zhangSan() {
    return { "P0001", "110101199003071234", "张三丰", "male", "1990-03-07", "13800000000" };
}

fs::path writePdf(const hc::testing::TempDir& dir, const std::vector<std::uint8_t>& pdf) {
    const fs::path path = dir / "report.pdf";
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(pdf.data()), static_cast<std::streamsize>(pdf.size()));
    return path;
}

/** Fails the test case (never skips it) when `tool` is not on the PATH, with what installs it. */
void requireTool(const std::string& tool) {
    const bool found = runCommand({ "sh", "-c", "command -v " + tool }).status == 0;
    REQUIRE_MESSAGE(found,
        tool << " is not installed: the report checks need it (apt-get install poppler-utils "
                "zbar-tools, or ./scripts/setup)");
}

} // namespace

TEST_CASE("the report's Chinese text copies out as the same Unicode") {
    hc::testing::TempDir dir("hc-report-");
    const auto report = bloodCount();
    RenderOptions options;
    options.printedAt = "2026-11-23 14:05";
    options.kioskId = "KIOSK-01";
    const auto pdf = renderLabReportPdf(report, zhangSan(),
        { "示例市第一人民医院", "检验科", "地址: 示例市人民路1号" },
        fingerprint(report).qrPayload(), options);
    REQUIRE(pdf.size() > 1000);
    CHECK(std::string(pdf.begin(), pdf.begin() + 5) == "%PDF-");
    const fs::path path = writePdf(dir, pdf);

    requireTool("pdftotext");
    const auto text = runCommand({ "pdftotext", "-enc", "UTF-8", "-layout", path.string(), "-" });
    REQUIRE(text.status == 0);
    INFO(text.out);
    for (const char* expected :
        { "示例市第一人民医院", "检验报告单", "检验科 · 血常规", "姓名: 张*", "性别: 男",
            "年龄: 36岁", "110101********1234", "白细胞计数", "红细胞计数", "血红蛋白", "C反应蛋白",
            "10^9/L", "3.5-9.5", "<10", "↑", "↓", "最终报告", "打印时间: 2026-11-23 14:05",
            "终端: KIOSK-01", "第1/1页", "地址: 示例市人民路1号" }) {
        CHECK_MESSAGE(text.out.find(expected) != std::string::npos, expected);
    }
    // The patient is masked: the full name and ID number never reach the paper.
    CHECK(text.out.find("张三丰") == std::string::npos);
    CHECK(text.out.find("110101199003071234") == std::string::npos);
    CHECK(text.out.find("验证码: " + fingerprint(report).code) != std::string::npos);
    // ↑ on the WBC row, ↓ on the HGB row.
    const auto wbcLine = text.out.substr(text.out.find("白细胞计数"), 200);
    CHECK(wbcLine.substr(0, wbcLine.find('\n')).find("↑") != std::string::npos);
    const auto hgbLine = text.out.substr(text.out.find("血红蛋白"), 200);
    CHECK(hgbLine.substr(0, hgbLine.find('\n')).find("↓") != std::string::npos);
}

TEST_CASE("the font is embedded and subset") {
    hc::testing::TempDir dir("hc-report-");
    const auto report = bloodCount();
    const fs::path path = writePdf(dir,
        renderLabReportPdf(report, zhangSan(), { "示例市第一人民医院", "检验科", "" }, "HCRPT1|x"));
    requireTool("pdffonts");
    const auto fonts = runCommand({ "pdffonts", path.string() });
    REQUIRE(fonts.status == 0);
    INFO(fonts.out);
    // name type encoding emb sub uni object ID: every font line says emb yes, sub yes, uni yes.
    int fontLines = 0;
    std::size_t pos = fonts.out.find("-----\n");
    REQUIRE(pos != std::string::npos);
    std::string rest = fonts.out.substr(pos + 6);
    std::size_t start = 0;
    while (start < rest.size()) {
        const std::size_t end = rest.find('\n', start);
        const std::string line = rest.substr(start, end - start);
        start = end == std::string::npos ? rest.size() : end + 1;
        if (line.empty()) {
            continue;
        }
        ++fontLines;
        CHECK_MESSAGE(line.find("WenQuanYi") != std::string::npos, line);
        CHECK_MESSAGE(line.find("yes yes yes") != std::string::npos, line);
        // A subset's name has the six-letter tag: ABCDEF+WenQuanYi...
        CHECK_MESSAGE(line.find('+') == 6, line);
    }
    CHECK(fontLines >= 1);
    // Subset: a whole wqy-microhei face is ~5 MB; the report must stay small.
    CHECK(fs::file_size(path) < 200 * 1024);
}

TEST_CASE("the QR code decodes to the verification payload") {
    requireTool("pdftoppm");
    requireTool("zbarimg");
    hc::testing::TempDir dir("hc-report-");
    const auto report = bloodCount();
    const std::string payload = fingerprint(report).qrPayload();
    const fs::path path = writePdf(dir,
        renderLabReportPdf(report, zhangSan(), { "示例市第一人民医院", "检验科", "" }, payload));
    REQUIRE(runCommand({ "pdftoppm", "-r", "200", "-png", "-singlefile", path.string(),
                           (dir / "page").string() })
                .status
        == 0);
    const auto decoded = runCommand({ "zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
        (dir / "page.png").string() });
    INFO(decoded.err);
    CHECK(decoded.status == 0);
    CHECK(decoded.out == payload + "\n");
}

TEST_CASE("many items continue on a second page") {
    auto report = bloodCount();
    for (int i = 0; i < 40; ++i) {
        report.observations.push_back(
            { "X" + std::to_string(i), "项目" + std::to_string(i), i * 1.5, "U/L", 0, 40, "N" });
    }
    hc::testing::TempDir dir("hc-report-");
    const fs::path path = writePdf(
        dir, renderLabReportPdf(report, zhangSan(), { "示例市第一人民医院", "", "" }, "HCRPT1|x"));
    requireTool("pdfinfo");
    requireTool("pdftotext");
    const auto info = runCommand({ "pdfinfo", path.string() });
    CHECK(info.out.find("Pages:           2") != std::string::npos);
    CHECK(info.out.find("595.276 x 841.89 pts (A4)") != std::string::npos);
    const auto text = runCommand({ "pdftotext", "-enc", "UTF-8", path.string(), "-" });
    CHECK(text.out.find("项目39") != std::string::npos);
    CHECK(text.out.find("第2/2页") != std::string::npos);
}

TEST_CASE("rendering is repeatable and errors say what to fix") {
    const auto report = bloodCount();
    const auto a = renderLabReportPdf(report, zhangSan(), { "医院", "", "" }, "p");
    const auto b = renderLabReportPdf(report, zhangSan(), { "医院", "", "" }, "p");
    CHECK(a == b);

    RenderOptions missing;
    missing.fontPath = "/nonexistent/font.ttc";
    try {
        renderLabReportPdf(report, zhangSan(), { "医院", "", "" }, "p", missing);
        FAIL("rendered without a font");
    } catch (const RenderError& e) {
        CHECK(e.nextStep() == hc::NextStep::CheckConfiguration);
    }
    CHECK_THROWS_AS(renderLabReportPdf(report, zhangSan(), { "医院", "", "" }, ""), RenderError);
    auto broken = report;
    broken.observations[0].name = "白细胞\xE8"; // truncated UTF-8 from the HIS
    try {
        renderLabReportPdf(broken, zhangSan(), { "医院", "", "" }, "p");
        FAIL("rendered invalid UTF-8");
    } catch (const RenderError& e) {
        CHECK(e.nextStep() == hc::NextStep::FixInput);
    }
    auto undated = report;
    undated.issued = "yesterday";
    CHECK_FALSE(renderLabReportPdf(undated, zhangSan(), { "医院", "", "" }, "p").empty());
}

TEST_CASE("the fingerprint binds the report's id and content") {
    const auto report = bloodCount();
    const ReportFingerprint fp = fingerprint(report);
    CHECK(fp.reportId == "DR000001");
    CHECK(fp.digest.size() == 64);
    CHECK(fp.code.size() == 19);
    CHECK(fp.code == [&] {
        std::string c;
        for (std::size_t i = 0; i < 16; ++i) {
            if (i > 0 && i % 4 == 0) {
                c += '-';
            }
            c += static_cast<char>(std::toupper(static_cast<unsigned char>(fp.digest[i])));
        }
        return c;
    }());
    CHECK(fp.qrPayload() == "HCRPT1|DR000001|" + fp.digest);
    CHECK(fingerprint(report).digest == fp.digest);

    // SM3 of the canonical text, checked against OpenSSL's command line.
    hc::testing::TempDir dir("hc-report-");
    std::ofstream(dir / "content.txt", std::ios::binary) << canonicalContent(report);
    const auto sm3
        = runCommand({ "openssl", "dgst", "-sm3", "-r", (dir / "content.txt").string() });
    CHECK(sm3.out.substr(0, 64) == fp.digest);
    CHECK(canonicalContent(report).starts_with(
        "hc-lab-report/1\nDR000001\nP0001\n血常规\n2026-11-23T09:30:00+08:00\nfinal\n"
        "WBC|白细胞计数|11.2|10^9/L|3.5|9.5|H\n"));
    CHECK(canonicalContent(report).find("CRP|C反应蛋白|3.2|mg/L||10|N\n") != std::string::npos);

    auto corrected = report;
    corrected.observations[0].value = 11.3;
    CHECK(fingerprint(corrected).digest != fp.digest);
    auto other = report;
    other.id = "DR000002";
    CHECK(fingerprint(other).digest != fp.digest);
}
