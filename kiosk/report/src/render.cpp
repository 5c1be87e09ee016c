#include "hc/card/health/model.hpp"
#include "hc/kiosk/report.hpp"
#include "number_text.hpp"

#include <algorithm>
#include <cairo-ft.h>
#include <cairo-pdf.h>
#include <cairo.h>
#include <filesystem>
#include <fontconfig/fontconfig.h>
#include <memory>
#include <qrencode.h>

namespace hc::kiosk::report {

namespace {

// A4 in PostScript points.
constexpr double kPageWidth = 595.276;
constexpr double kPageHeight = 841.89;
constexpr double kMargin = 48;
constexpr double kRight = kPageWidth - kMargin;
constexpr double kQrSize = 78;
constexpr double kTableTop = 212;
constexpr double kRowHeight = 20;
constexpr double kFooterTop = 742;
constexpr double kTextSize = 10.5;

struct SurfaceDeleter {
    void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextDeleter {
    void operator()(cairo_t* c) const { cairo_destroy(c); }
};
struct FaceDeleter {
    void operator()(cairo_font_face_t* f) const { cairo_font_face_destroy(f); }
};
struct QrDeleter {
    void operator()(QRcode* q) const { QRcode_free(q); }
};

cairo_status_t appendToVector(void* closure, const unsigned char* data, unsigned int length) {
    auto* out = static_cast<std::vector<std::uint8_t>*>(closure);
    out->insert(out->end(), data, data + length);
    return CAIRO_STATUS_SUCCESS;
}

void check(cairo_status_t status, const char* what) {
    if (status == CAIRO_STATUS_INVALID_STRING) {
        throw RenderError(
            std::string("report PDF: ") + what + ": a text field of the report is not valid UTF-8",
            hc::NextStep::FixInput);
    }
    if (status != CAIRO_STATUS_SUCCESS) {
        throw RenderError(
            std::string("report PDF: ") + what + ": " + cairo_status_to_string(status),
            hc::NextStep::CallStaff);
    }
}

std::unique_ptr<cairo_font_face_t, FaceDeleter> loadFace(const RenderOptions& options) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(options.fontPath, ec)) {
        throw RenderError("report font " + options.fontPath
                + " is missing (Debian: fonts-wqy-microhei; see RenderOptions::fontPath)",
            hc::NextStep::CheckConfiguration);
    }
    // cairo-ft opens the face itself (FreeType, its own library instance) from the file and the
    // index in the collection; the pattern holds nothing else, so no font substitution happens.
    FcPattern* pattern = FcPatternCreate();
    FcPatternAddString(
        pattern, FC_FILE, reinterpret_cast<const FcChar8*>(options.fontPath.c_str()));
    FcPatternAddInteger(pattern, FC_INDEX, options.faceIndex);
    std::unique_ptr<cairo_font_face_t, FaceDeleter> face(
        cairo_ft_font_face_create_for_pattern(pattern));
    FcPatternDestroy(pattern);
    check(cairo_font_face_status(face.get()), "font face");
    return face;
}

enum class Align { Left, Center, Right };

class Painter {
public:
    explicit Painter(cairo_t* cr)
        : m_cr(cr) { }

    void text(double x, double y, const std::string& utf8, double size, Align align = Align::Left) {
        if (utf8.empty()) {
            return;
        }
        cairo_set_font_size(m_cr, size);
        if (align != Align::Left) {
            cairo_text_extents_t extents;
            cairo_text_extents(m_cr, utf8.c_str(), &extents);
            x -= align == Align::Center ? extents.x_advance / 2 : extents.x_advance;
        }
        cairo_move_to(m_cr, x, y);
        // cairo_show_text passes the UTF-8 with the glyphs: the PDF gets a ToUnicode map.
        cairo_show_text(m_cr, utf8.c_str());
    }

    double width(const std::string& utf8, double size) {
        cairo_set_font_size(m_cr, size);
        cairo_text_extents_t extents;
        cairo_text_extents(m_cr, utf8.c_str(), &extents);
        return extents.x_advance;
    }

    void rule(double x1, double y, double x2, double lineWidth) {
        cairo_set_line_width(m_cr, lineWidth);
        cairo_move_to(m_cr, x1, y);
        cairo_line_to(m_cr, x2, y);
        cairo_stroke(m_cr);
    }

    void qr(const QRcode& code, double x, double y, double size) {
        const double module = size / code.width;
        for (int row = 0; row < code.width; ++row) {
            for (int col = 0; col < code.width; ++col) {
                const auto index = static_cast<std::size_t>(row * code.width + col);
                if (code.data[index] & 1) {
                    cairo_rectangle(m_cr, x + col * module, y + row * module, module, module);
                }
            }
        }
        cairo_fill(m_cr);
    }

private:
    cairo_t* m_cr;
};

std::string genderText(const std::string& gender) {
    if (gender == "male") {
        return "男";
    }
    if (gender == "female") {
        return "女";
    }
    return "未知";
}

std::string statusText(const std::string& status) {
    if (status == "final") {
        return "最终报告";
    }
    if (status == "preliminary") {
        return "初步报告";
    }
    if (status == "amended" || status == "corrected") {
        return "修正报告";
    }
    return status;
}

// "2026-11-23T09:30:00+08:00" -> "2026-11-23 09:30".
std::string timeText(const std::string& iso) {
    std::string out = iso.substr(0, std::min<std::size_t>(iso.size(), 16));
    if (out.size() > 10 && out[10] == 'T') {
        out[10] = ' ';
    }
    return out;
}

bool parseDate(const std::string& s, int& y, int& m, int& d) {
    if (s.size() < 10 || s[4] != '-' || s[7] != '-') {
        return false;
    }
    for (std::size_t i : { 0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u }) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    y = std::stoi(s.substr(0, 4));
    m = std::stoi(s.substr(5, 2));
    d = std::stoi(s.substr(8, 2));
    return true;
}

// Age in whole years on the report date ("" when either date does not parse).
std::string ageText(const std::string& birthDate, const std::string& issued) {
    int by = 0, bm = 0, bd = 0, iy = 0, im = 0, id = 0;
    if (!parseDate(birthDate, by, bm, bd) || !parseDate(issued, iy, im, id)) {
        return "";
    }
    int age = iy - by;
    if (im < bm || (im == bm && id < bd)) {
        --age;
    }
    return age >= 0 ? std::to_string(age) + "岁" : "";
}

// "YYYY-MM-DDThh:mm:ss" at the start (what cairo accepts as a PDF date, with any zone after).
bool isIsoDateTime(const std::string& s) {
    if (s.size() < 19) {
        return false;
    }
    for (std::size_t i = 0; i < 19; ++i) {
        const char c = s[i];
        const bool ok = (i == 4 || i == 7) ? c == '-'
            : i == 10                      ? c == 'T'
            : (i == 13 || i == 16)         ? c == ':'
                                           : (c >= '0' && c <= '9');
        if (!ok) {
            return false;
        }
    }
    return true;
}

std::string rangeText(const his::Observation& o) {
    if (o.low && o.high) {
        return detail::numberText(*o.low) + "-" + detail::numberText(*o.high);
    }
    if (o.high) {
        return "<" + detail::numberText(*o.high);
    }
    if (o.low) {
        return ">" + detail::numberText(*o.low);
    }
    return "";
}

std::string flagText(const std::string& flag) {
    if (flag == "H" || flag == "HH") {
        return "↑";
    }
    if (flag == "L" || flag == "LL") {
        return "↓";
    }
    return "";
}

struct Column {
    double x;
    const char* title;
};
constexpr Column kColumns[] = {
    { kMargin, "序号" },
    { kMargin + 34, "检验项目" },
    { kMargin + 170, "代码" },
    { kMargin + 228, "结果" },
    { kMargin + 292, "提示" },
    { kMargin + 326, "单位" },
    { kMargin + 410, "参考范围" },
};

} // namespace

std::vector<std::uint8_t> renderLabReportPdf(const his::LabReport& report,
    const his::Patient& patient, const Hospital& hospital, const std::string& qrPayload,
    const RenderOptions& options) {
    if (qrPayload.empty()) {
        throw RenderError(
            "report PDF: the verification QR payload is empty", hc::NextStep::FixInput);
    }
    std::unique_ptr<QRcode, QrDeleter> qr(
        QRcode_encodeString(qrPayload.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
    if (!qr) {
        throw RenderError(
            "report PDF: the QR payload cannot be encoded (too long?)", hc::NextStep::FixInput);
    }
    auto face = loadFace(options);
    const ReportFingerprint fp = fingerprint(report);

    std::vector<std::uint8_t> out;
    std::unique_ptr<cairo_surface_t, SurfaceDeleter> surface(
        cairo_pdf_surface_create_for_stream(appendToVector, &out, kPageWidth, kPageHeight));
    check(cairo_surface_status(surface.get()), "PDF surface");
    const std::string title = "检验报告单 " + report.id;
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, title.c_str());
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "hc_kiosk_report");
    if (isIsoDateTime(report.issued)) {
        // A fixed creation date (the report's) keeps the bytes of a reprint identical.
        cairo_pdf_surface_set_metadata(
            surface.get(), CAIRO_PDF_METADATA_CREATE_DATE, report.issued.c_str());
    }
    std::unique_ptr<cairo_t, ContextDeleter> context(cairo_create(surface.get()));
    cairo_t* cr = context.get();
    cairo_set_font_face(cr, face.get());
    cairo_set_font_size(cr, kTextSize);
    if (cairo_scaled_font_status(cairo_get_scaled_font(cr)) != CAIRO_STATUS_SUCCESS) {
        throw RenderError("report font " + options.fontPath + " face "
                + std::to_string(options.faceIndex) + " cannot be loaded",
            hc::NextStep::CheckConfiguration);
    }
    Painter p(cr);

    const auto rowsPerPage = static_cast<std::size_t>((kFooterTop - kTableTop - 30) / kRowHeight);
    const std::size_t rows = report.observations.size();
    const std::size_t pages = std::max<std::size_t>(1, (rows + rowsPerPage - 1) / rowsPerPage);

    for (std::size_t page = 0; page < pages; ++page) {
        cairo_set_source_rgb(cr, 0, 0, 0);
        // Header: hospital, title, QR.
        p.text(kPageWidth / 2, 70, hospital.name, 19, Align::Center);
        p.text(kPageWidth / 2, 98, "检验报告单", 15, Align::Center);
        std::string sub = hospital.department;
        if (!report.name.empty()) {
            sub += (sub.empty() ? "" : " · ") + report.name;
        }
        p.text(kPageWidth / 2, 118, sub, kTextSize, Align::Center);
        p.qr(*qr, kRight - kQrSize, 36, kQrSize);
        p.text(kRight - kQrSize / 2, 36 + kQrSize + 11, "扫码核验", 8, Align::Center);

        // Patient and report.
        const double c2 = kMargin + 130, c3 = kMargin + 250, c4 = kMargin + 350;
        p.text(kMargin, 150, "姓名: " + hc::card::health::maskName(patient.name), kTextSize);
        p.text(c2, 150, "性别: " + genderText(patient.gender), kTextSize);
        p.text(c3, 150, "年龄: " + ageText(patient.birthDate, report.issued), kTextSize);
        p.text(c4, 150, "病人ID: " + patient.id, kTextSize);
        p.text(kMargin, 168, "身份证号: " + hc::card::health::maskIdentifier(patient.idNumber),
            kTextSize);
        p.text(c3, 168, "报告单号: " + report.id, kTextSize);
        p.text(kMargin, 186, "报告时间: " + timeText(report.issued), kTextSize);
        p.text(c3, 186, "报告状态: " + statusText(report.status), kTextSize);
        p.rule(kMargin, 196, kRight, 1.2);

        // Table.
        for (const auto& column : kColumns) {
            p.text(column.x, kTableTop, column.title, kTextSize);
        }
        p.rule(kMargin, kTableTop + 6, kRight, 0.6);
        const std::size_t first = page * rowsPerPage;
        const std::size_t last = std::min(rows, first + rowsPerPage);
        double y = kTableTop + 6 + kRowHeight;
        for (std::size_t i = first; i < last; ++i, y += kRowHeight) {
            const his::Observation& o = report.observations[i];
            p.text(kColumns[0].x, y, std::to_string(i + 1), kTextSize);
            p.text(kColumns[1].x, y, o.name, kTextSize);
            p.text(kColumns[2].x, y, o.code, kTextSize);
            p.text(kColumns[3].x, y, detail::numberText(o.value), kTextSize);
            p.text(kColumns[4].x + 4, y, flagText(o.flag), kTextSize + 1);
            p.text(kColumns[5].x, y, o.unit, kTextSize);
            p.text(kColumns[6].x, y, rangeText(o), kTextSize);
        }
        p.rule(kMargin, y - kRowHeight + 8, kRight, 0.6);

        // Footer.
        p.text(kMargin, kFooterTop - 8,
            "提示: ↑ 高于参考范围  ↓ 低于参考范围。本报告仅对所检标本负责。", 9);
        p.rule(kMargin, kFooterTop, kRight, 0.6);
        p.text(kMargin, kFooterTop + 16, "验证码: " + fp.code, kTextSize);
        p.text(kRight, kFooterTop + 16,
            "第" + std::to_string(page + 1) + "/" + std::to_string(pages) + "页", kTextSize,
            Align::Right);
        std::string printed;
        if (!options.printedAt.empty()) {
            printed += "打印时间: " + options.printedAt;
        }
        if (!options.kioskId.empty()) {
            printed += (printed.empty() ? "" : "   ") + std::string("终端: ") + options.kioskId;
        }
        p.text(kMargin, kFooterTop + 32, printed, 9);
        p.text(kMargin, kFooterTop + 46, hospital.footer, 9);
        cairo_show_page(cr);
    }
    check(cairo_status(cr), "drawing");
    context.reset();
    cairo_surface_finish(surface.get());
    check(cairo_surface_status(surface.get()), "writing");
    surface.reset();
    return out;
}

} // namespace hc::kiosk::report
