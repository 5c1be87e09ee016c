// The center simulator's logic (no I/O): its own ledger in memory and the policy engine.
// Serves 9001, 2201-2208, 2601, 3201, 3202, 5203, 5206, 9101, 9102. Idempotent by msgid: a
// repeated msgid gets the stored reply, never a second effect.
// Thread-safety: handle() is internally locked.
#pragma once

#include "hc/settle/policy.hpp"

#include <boost/json/object.hpp>
#include <map>
#include <mutex>
#include <string>

namespace hc::settle {

/** Fault switches of center-sim, set over its admin endpoint. Percentages are 0..100. */
struct FaultConfig {
    int dropRequestPct = 0; ///< close the connection without processing
    int dropResponsePct = 0; ///< commit, then close without answering
    int delayMs = 0; ///< sleep before processing every request
    int http5xxPct = 0; ///< answer 503 without processing
    int duplicateResponsePct = 0; ///< write the response twice on the connection
    bool down = false; ///< refuse everything (connection closed) until cleared
    std::int64_t downUntilMs = 0; ///< come back automatically at this time (0 = manual)
    std::string ruleVersion; ///< compute with this table version ("" = newest)
    bool sixDigitResults = false; ///< 3202 results as 000000/000101/000102/000103
    /** 3202 mis-reports amount differences as balanced (result 0, center amounts kept): a
     *  center whose comparison is wrong, which the hospital's own detail match must catch. */
    bool misreportAmounts = false;
    /** Parse from admin JSON; errors name the field. */
    static FaultConfig fromJson(const boost::json::value& json);
    /** As JSON. */
    boost::json::object toJson() const;
};

/** The simulated center. */
class CenterSim {
public:
    /** Use these rule tables; `admdvs` is the center's own region code. */
    explicit CenterSim(PolicyLibrary policies, std::string admdvs = "511800");
    /** Process one request envelope and return the reply envelope. */
    boost::json::object handle(const boost::json::value& request);
    /** Replace the fault switches (the HTTP layer applies the transport faults). */
    void setFaults(FaultConfig faults);
    /** The current fault switches. */
    FaultConfig faults() const;
    /** Number of distinct effective settlements (2207 committed, not cancelled/reversed). */
    std::size_t activeSettlements() const;
    /** Number of 2207 requests that were answered from the msgid cache (duplicates). */
    std::size_t duplicateMsgids() const;

private:
    struct Visit {
        std::string mdtrtId, iptOtpNo, psnNo, insutype, psnType, hospLv, medType, region;
        int year = 0;
        std::map<std::string, std::vector<FeeItem>> batches;
        std::map<std::string, bool> settledBatches;
        bool cancelled = false;
    };
    struct Setl {
        std::string setlId, msgid, mdtrtId, chrgBchno, psnNo, insutype, clrType, setlTime, date;
        SettlementSplit split;
        RunningTotals before;
        std::string status = "OK"; // OK / CANCELLED / REVERSED
        int year = 0;
    };

    boost::json::object dispatch(
        const std::string& infno, const std::string& msgid, const boost::json::value& envelope);
    Visit& visitFor(const boost::json::object& input);
    boost::json::object settle(const std::string& msgid, const boost::json::value& env, bool store);
    boost::json::object setlinfo(const Setl& s) const;
    void undoTotals(const Setl& s);
    boost::json::object reconcileTotals(const boost::json::value& env);
    boost::json::object reconcileDetails(const boost::json::value& env);

    mutable std::mutex m_mutex;
    PolicyLibrary m_policies;
    std::string m_admdvs;
    FaultConfig m_faults;
    std::int64_t m_counter = 0;
    std::map<std::string, boost::json::object> m_replies; // msgid → reply (idempotency)
    std::map<std::string, Visit> m_visits; // mdtrt_id → visit
    std::map<std::string, std::string> m_visitByOtp; // ipt_otp_no → mdtrt_id
    std::map<std::string, Setl> m_setls; // setl_id → settlement
    std::map<std::string, std::string> m_setlByMsgid; // msgid → setl_id
    std::map<std::string, std::string> m_reversals; // omsgid → 2601 msgid
    std::map<std::string, RunningTotals> m_totals; // psn|year|insutype → totals
    std::map<std::string, std::string> m_files; // file_qury_no → content
    std::size_t m_duplicates = 0;
};

} // namespace hc::settle
