// The national platform envelope (reference §2.1): msgid generation, request and reply JSON.
// Thread-safety: MsgidGenerator is internally locked; the rest are value functions.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace hc::settle {

/** UTC "yyyyMMddHHmmss" of a time point. */
std::string compactTime(std::chrono::system_clock::time_point t);
/** UTC "yyyy-MM-dd HH:mm:ss" of a time point. */
std::string isoTime(std::chrono::system_clock::time_point t);
/** UTC "yyyy-MM-dd" of a time point. */
std::string isoDate(std::chrono::system_clock::time_point t);
/** Milliseconds since the epoch. */
std::int64_t nowMs();

/** msgid = fixmedins_code (12) + yyyyMMddHHmmss (14) + 4-digit sequence = 30 characters. */
class MsgidGenerator {
public:
    /** `fixmedinsCode` must be 12 characters; the sequence runs in [seqLo, seqHi] per second so
     *  several instances sharing one code can be given disjoint ranges. */
    explicit MsgidGenerator(std::string fixmedinsCode, int seqLo = 0, int seqHi = 9999);
    /** Next msgid; when the range of the current second is used up, waits for the next one. */
    std::string next();

private:
    std::mutex m_mutex;
    std::string m_code;
    int m_lo;
    int m_hi;
    std::string m_second;
    int m_seq;
};

/** The fixed part of every request (from configuration and the 9001 sign-in). */
struct EnvelopeContext {
    std::string fixmedinsCode = "H51180000001"; ///< 12-character institution code
    std::string fixmedinsName = "demo hospital"; ///< institution name
    std::string mdtrtareaAdmvs = "511800"; ///< where treated
    std::string insuplcAdmdvs = "511800"; ///< where insured
    std::string signNo; ///< from 9001
    std::string devNo = "settlementd"; ///< device number
};

/** Build a request envelope. `opterType` 1 staff, 2 kiosk; `opter` is the terminal id. */
boost::json::object makeEnvelope(const EnvelopeContext& ctx, const std::string& infno,
    const std::string& msgid, const std::string& opterType, const std::string& opter,
    boost::json::object input);

/** A parsed, checked center reply. */
struct CenterReply {
    int infcode = -1; ///< 0 OK, otherwise failure
    std::string infRefmsgid; ///< center message id
    std::string errMsg; ///< error text when infcode != 0
    std::string reqMsgid; ///< echo of our msgid (center-sim extension; empty if absent)
    boost::json::value output; ///< the output object (may be null)
};

/** Parse a reply; throws InputError naming the bad field (e.g. "reply.infcode"). */
CenterReply parseCenterReply(const boost::json::value& json);

/** Build a reply (used by center-sim). */
boost::json::object makeReply(int infcode, const std::string& refmsgid, const std::string& reqMsgid,
    const std::string& errMsg, boost::json::value output);

} // namespace hc::settle
