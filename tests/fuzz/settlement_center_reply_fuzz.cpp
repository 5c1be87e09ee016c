// Fuzz: every parser of the center's replies. The first byte picks the transaction whose reply
// the rest is read as: the wire JSON parser (exact decimals), the envelope, checkReply against a
// request as the gateway sends it (2201 ipt_otp_no, 2204 feedetl_sn, 2207/2208 setlinfo),
// splitFromJson (2207/5203 setlinfo), 3201 stmtinfo, 3202 fileinfo, 9101 file_qury_no, and the
// 9102 answer: a ZIP (libzip) holding the result .txt, through parseCenterResultFile.
#include "hc/settle/envelope.hpp"
#include "hc/settle/error.hpp"
#include "hc/settle/gateway.hpp"
#include "hc/settle/json_in.hpp"
#include "hc/settle/policy.hpp"
#include "hc/settle/reconcile.hpp"
#include "hc/settle/wire_json.hpp"
#include "hc/settle/zip_file.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

const char* kSent[] = {
    R"({"input":{"data":{"ipt_otp_no":"V1","psn_no":"P1"}}})",
    R"({"input":{"feedetail":[{"feedetl_sn":"B1-1"},{"feedetl_sn":"B1-2"}]}})",
    R"({"input":{"data":{"mdtrt_id":"MD1","chrg_bchno":"B1"}}})",
    R"({"input":{"data":{"mdtrt_id":"MD1","setl_id":"S1"}}})",
};
const char* kInfno[] = { "2201", "2204", "2207", "2208" };
constexpr const char* kMsgid = "H51180000001202611230000000001";

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) {
        return 0;
    }
    const auto which = data[0] % 6;
    const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
    try {
        if (which == 5) { // 9102: the result file itself
            const auto entry = hc::settle::readSingleTextZip(body, "9102", 1 << 20);
            (void)hc::settle::parseCenterResultFile(entry.content);
            return 0;
        }
        const auto reply = hc::settle::parseCenterReplyText(body);
        if (!reply.output.is_object()) {
            return 0;
        }
        const auto& output = reply.output.as_object();
        if (which < 4) {
            const auto sent = hc::settle::parseWireJson(kSent[which], "sent");
            hc::settle::checkReply(kInfno[which], kMsgid, sent, output);
        }
        const hc::settle::JsonIn out(output, "output");
        if (out.has("setlinfo")) {
            (void)hc::settle::splitFromJson(output.at("setlinfo"));
        }
        if (out.has("stmtinfo")) {
            (void)hc::settle::parseStmtResult(out.object("stmtinfo").str("stmt_rslt", 8));
        }
        if (out.has("fileinfo")) {
            const auto f = out.object("fileinfo");
            (void)f.str("file_qury_no", 30);
            (void)f.str("filename", 200);
        }
        if (out.has("file_qury_no")) {
            (void)out.str("file_qury_no", 30);
        }
        for (const auto& [k, v] : output) {
            if (hc::settle::isWireDecimal(v)) {
                try {
                    (void)hc::settle::fenFromNumberText(hc::settle::wireDecimalText(v));
                } catch (const std::invalid_argument&) { }
            }
        }
    } catch (const hc::settle::Error&) { }
    return 0;
}
