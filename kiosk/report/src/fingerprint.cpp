#include "hc/base/bytes.hpp"
#include "hc/base/crypto/digest.hpp"
#include "hc/kiosk/report.hpp"
#include "number_text.hpp"

namespace hc::kiosk::report {

std::string ReportFingerprint::qrPayload() const {
    return "HCRPT1|" + reportId + "|" + digest;
}

std::string canonicalContent(const his::LabReport& report) {
    std::string out = "hc-lab-report/1\n";
    for (const std::string* field :
        { &report.id, &report.patientId, &report.name, &report.issued, &report.status }) {
        out += *field;
        out += '\n';
    }
    for (const auto& o : report.observations) {
        out += o.code + "|" + o.name + "|" + detail::numberText(o.value) + "|" + o.unit + "|"
            + (o.low ? detail::numberText(*o.low) : "") + "|"
            + (o.high ? detail::numberText(*o.high) : "") + "|" + o.flag + "\n";
    }
    return out;
}

ReportFingerprint fingerprint(const his::LabReport& report) {
    const std::string content = canonicalContent(report);
    hc::Bytes md;
    try {
        md = hc::crypto::sm3(std::string_view(content));
    } catch (const hc::Error&) {
        throw RenderError("SM3 is not available from OpenSSL", hc::NextStep::CheckConfiguration);
    }
    ReportFingerprint fp;
    fp.reportId = report.id;
    fp.digest = hc::crypto::toLowerHex(md);
    for (std::size_t i = 0; i < 8; i += 2) {
        fp.code += (i > 0 ? "-" : "") + hc::toHex(hc::ByteView(md).subspan(i, 2));
    }
    return fp;
}

} // namespace hc::kiosk::report
