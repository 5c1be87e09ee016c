#include "hc/kiosk/report.hpp"
#include "number_text.hpp"

#include <array>
#include <memory>
#include <openssl/evp.h>

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
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::array<unsigned char, EVP_MAX_MD_SIZE> md {};
    unsigned int mdLen = 0;
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sm3(), nullptr) != 1
        || EVP_DigestUpdate(ctx.get(), content.data(), content.size()) != 1
        || EVP_DigestFinal_ex(ctx.get(), md.data(), &mdLen) != 1) {
        throw RenderError("SM3 is not available from OpenSSL", hc::NextStep::CheckConfiguration);
    }
    static constexpr char hex[] = "0123456789abcdef";
    static constexpr char upper[] = "0123456789ABCDEF";
    ReportFingerprint fp;
    fp.reportId = report.id;
    for (unsigned int i = 0; i < mdLen; ++i) {
        fp.digest += hex[md[i] >> 4];
        fp.digest += hex[md[i] & 0x0F];
    }
    for (unsigned int i = 0; i < 8; ++i) {
        if (i > 0 && i % 2 == 0) {
            fp.code += '-';
        }
        fp.code += upper[md[i] >> 4];
        fp.code += upper[md[i] & 0x0F];
    }
    return fp;
}

} // namespace hc::kiosk::report
