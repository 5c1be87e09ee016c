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
    /** Next msgid; when the range of the current second is used up, waits for the next one. The
     *  second the generator was made in counts as used up (a restarted process never repeats a
     *  msgid of its predecessor's last second), so the first msgid may wait up to 1 s. */
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

/** Build a request envelope (reference §2.1). `input` is the transaction's input object
 *  ({"data": …}, {"feedetail": […]}, {"fsUploadIn": …}, …); amounts in it are wire decimals
 *  (wire_json.hpp). `opterType` 1 staff, 2 kiosk; `opter` is the terminal id. `psnNo` says
 *  whether the input names a person: then insuplc_admdvs is filled, as the interface requires. */
boost::json::object makeEnvelope(const EnvelopeContext& ctx, const std::string& infno,
    const std::string& msgid, const std::string& opterType, const std::string& opter,
    boost::json::object input, bool psnNo = true);

/** A parsed, checked center reply (only the interface's fields). */
struct CenterReply {
    int infcode = -1; ///< 0 OK, otherwise failure (a number, or a numeric string)
    std::string infRefmsgid; ///< center message id (admdvs 6 + time 14 + sequence 10)
    std::string errMsg; ///< error text when infcode != 0
    boost::json::value output; ///< the output object (null when absent); wire decimals inside
};

/** Parse a reply parsed with parseWireJson; throws InputError naming the bad field (e.g.
 *  "reply.infcode"). */
CenterReply parseCenterReply(const boost::json::value& json);

/** Parse a reply body: parseWireJson then parseCenterReply. */
CenterReply parseCenterReplyText(std::string_view body);

} // namespace hc::settle
