// Fuzz: a center reply envelope (2207/5203 setlinfo, 3201 stmtinfo) through the checked parsers.
#include "hc/settle/envelope.hpp"
#include "hc/settle/error.hpp"
#include "hc/settle/json_in.hpp"
#include "hc/settle/policy.hpp"
#include "hc/settle/reconcile.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const auto v = hc::settle::parseJsonText(
            std::string_view(reinterpret_cast<const char*>(data), size), "reply");
        const auto reply = hc::settle::parseCenterReply(v);
        if (!reply.output.is_object()) {
            return 0;
        }
        const hc::settle::JsonIn out(reply.output.as_object(), "output");
        if (out.has("setlinfo")) {
            (void)hc::settle::splitFromJson(reply.output.as_object().at("setlinfo"));
        }
        if (out.has("stmtinfo")) {
            (void)hc::settle::parseStmtResult(out.object("stmtinfo").str("stmt_rslt", 8));
        }
    } catch (const hc::settle::Error&) { }
    return 0;
}
