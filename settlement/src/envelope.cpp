#include "hc/settle/envelope.hpp"

#include "hc/settle/error.hpp"
#include "hc/settle/json_in.hpp"
#include "hc/settle/wire_json.hpp"

#include <cstdio>
#include <ctime>
#include <thread>

namespace hc::settle {

namespace json = boost::json;

namespace {
std::string formatUtc(std::chrono::system_clock::time_point t, const char* fmt) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm {};
    ::gmtime_r(&tt, &tm);
    char buf[32];
    const auto n = std::strftime(buf, sizeof buf, fmt, &tm);
    return std::string(buf, n);
}
} // namespace

std::string compactTime(std::chrono::system_clock::time_point t) {
    return formatUtc(t, "%Y%m%d%H%M%S");
}
std::string isoTime(std::chrono::system_clock::time_point t) {
    return formatUtc(t, "%Y-%m-%d %H:%M:%S");
}
std::string isoDate(std::chrono::system_clock::time_point t) {
    return formatUtc(t, "%Y-%m-%d");
}

std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch())
        .count();
}

MsgidGenerator::MsgidGenerator(std::string fixmedinsCode, int seqLo, int seqHi)
    : m_code(std::move(fixmedinsCode))
    , m_lo(seqLo)
    , m_hi(seqHi)
    , m_seq(seqLo) {
    if (m_code.size() != 12) {
        throw InputError("fixmedins_code", "must be 12 characters");
    }
    if (m_lo < 0 || m_hi > 9999 || m_lo > m_hi) {
        throw InputError("msgid_seq_range", "must satisfy 0 <= lo <= hi <= 9999");
    }
    // The current second counts as used: a process restarted (or a CLI run again) within the
    // second its predecessor ended in could otherwise send that second's msgids again.
    m_second = compactTime(std::chrono::system_clock::now());
    m_seq = m_hi + 1;
}

std::string MsgidGenerator::next() {
    std::lock_guard lock(m_mutex);
    for (;;) {
        const auto second = compactTime(std::chrono::system_clock::now());
        if (second != m_second) {
            m_second = second;
            m_seq = m_lo;
        }
        if (m_seq <= m_hi) {
            char seq[8];
            std::snprintf(seq, sizeof seq, "%04d", m_seq++);
            return m_code + m_second + seq;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

json::object makeEnvelope(const EnvelopeContext& ctx, const std::string& infno,
    const std::string& msgid, const std::string& opterType, const std::string& opter,
    json::object input, bool psnNo) {
    json::object env;
    env["infno"] = infno;
    env["msgid"] = msgid;
    env["mdtrtarea_admvs"] = ctx.mdtrtareaAdmvs;
    env["insuplc_admdvs"] = psnNo ? ctx.insuplcAdmdvs : "";
    env["recer_sys_code"] = "YBXT";
    env["dev_no"] = ctx.devNo;
    env["dev_safe_info"] = "";
    env["cainfo"] = "";
    env["signtype"] = "";
    env["infver"] = "V1.0";
    env["opter_type"] = opterType;
    env["opter"] = opter;
    env["opter_name"] = opter;
    env["inf_time"] = isoTime(std::chrono::system_clock::now());
    env["fixmedins_code"] = ctx.fixmedinsCode;
    env["fixmedins_name"] = ctx.fixmedinsName;
    env["sign_no"] = ctx.signNo;
    env["input"] = std::move(input);
    return env;
}

CenterReply parseCenterReply(const json::value& value) {
    const JsonIn in(value, "reply");
    CenterReply r;
    const auto& code = in.raw().if_contains("infcode");
    if (code != nullptr && code->is_string() && !isWireDecimal(*code)) {
        const auto& s = code->get_string();
        if (s == "0") {
            r.infcode = 0;
        } else if (s == "-1") {
            r.infcode = -1;
        } else {
            throw InputError("reply.infcode", "expected 0 or -1");
        }
    } else {
        r.infcode = static_cast<int>(in.integer("infcode", -99999, 99999));
    }
    r.infRefmsgid = in.strOr("inf_refmsgid", "", 64);
    r.errMsg = in.strOr("err_msg", "", 2000);
    if (in.has("output")) {
        r.output = in.raw().at("output");
        if (!r.output.is_object()) {
            throw InputError("reply.output", "expected an object");
        }
    }
    return r;
}

CenterReply parseCenterReplyText(std::string_view body) {
    return parseCenterReply(parseWireJson(body, "reply"));
}

} // namespace hc::settle
