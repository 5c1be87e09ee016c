// The center simulator's logic (no I/O): a strict national center written from the public
// field lists (docs/settlement.md "center-sim"), its own ledger in memory and the policy engine.
// Serves 9001, 2201, 2202, 2204, 2205, 2206, 2207, 2208, 2601, 3201, 3202, 5203, 5206, 9101
// and 9102, with only the interface's fields in their types (amounts are JSON numbers), and
// refuses what a real center refuses: a repeated msgid, a msgid that was reversed, an unknown
// fixmedins_code or mdtrt_id, 5203 without setl_id, an upload that is not a ZIP with one .txt,
// a second reversal of an omsgid, amounts that do not match the uploaded fees.
// The center knows what the hospital does not send: a hospital's level from its institution
// registry, an item's class, price cap and self-pay ratio from its catalogue, a person's type
// from its person registry (CenterData).
// Thread-safety: handle() is internally locked.
#pragma once

#include "hc/settle/code_table.hpp"
#include "hc/settle/error.hpp"
#include "hc/settle/policy.hpp"

#include <boost/json/object.hpp>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace hc::settle {

/** Fault switches of center-sim, set over its admin endpoint. Percentages are 0..100. */
struct FaultConfig {
    int dropRequestPct = 0; ///< close the connection without processing
    int dropResponsePct = 0; ///< commit, then close without answering
    /** Every Nth committed request (a reply with infcode 0 that changed the center's state)
     *  is committed and its reply dropped (0 = off): deterministic lost replies. */
    int dropEveryNthCommitted = 0;
    int delayMs = 0; ///< sleep before processing every request
    int replyDelayMs = 0; ///< sleep after processing, before answering
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

/** What the center knows on its own: institutions, catalogue, persons, dictionaries. */
struct CenterData {
    /** fixmedins_code → hospital level (the rule tables' hosp_lv key). */
    std::map<std::string, std::string> institutions;
    /** One catalogue item (med_list_codg). */
    struct Item {
        std::string chrgitmLv = "01"; ///< 01 甲 / 02 乙 / 03 丙
        BasisPoints selfpayProp = 0; ///< 先行自付 ratio of a 乙 item
        Fen pricUplmt = 0; ///< unit price cap (0 = none)
    };
    /** med_list_codg → item; the key "*" (if present) serves every other code. */
    std::map<std::string, Item> catalog;
    /** psn_no → person type (the rule tables' psn_type); others are "general". */
    std::map<std::string, std::string> persons;
    /** Dictionaries: med_type codes → the rule tables' med_type (CodeTable::alias). */
    CodeTable codes = CodeTable::builtin();
    /** Load institutions.json, catalog.json and (optional) persons.json and code-table.json
     *  from `dir`; throws InputError naming the file and field. */
    static CenterData load(const std::filesystem::path& dir);
};

/** A reply of center-sim: JSON (serialized with wire numbers) or a file (9102). */
struct CenterAnswer {
    std::string body; ///< reply body
    std::string contentType = "application/json"; ///< or application/octet-stream (9102)
    bool committed = false; ///< infcode 0 and the center's state changed
};

/** The simulated center. */
class CenterSim {
public:
    /** Use these rule tables and data; `admdvs` is the center's own region code. */
    CenterSim(PolicyLibrary policies, CenterData data, std::string admdvs = "511800");
    /** Process one request body (a national envelope) and return the answer. */
    CenterAnswer handle(std::string_view body);
    /** Replace the fault switches (the HTTP layer applies the transport faults). */
    void setFaults(FaultConfig faults);
    /** The current fault switches. */
    FaultConfig faults() const;
    /** Number of effective settlements (2207 committed, not cancelled/reversed). */
    std::size_t activeSettlements() const;
    /** Number of requests refused because their msgid had been received before. */
    std::size_t duplicateMsgids() const;
    /** Every settlement as JSON (setl_id, msgid, mdtrt_id, ipt_otp_no, chrg_bchno, psn_no,
     *  status, medfee/fund/acct/cash in fen), for tests and the admin endpoint. */
    boost::json::array settlements() const;
    /** Whether the HTTP layer must drop this committed reply (dropEveryNthCommitted). */
    bool dropCommittedReply();
    /** The center's clock year for rule tables in force (tests may pin it). */
    void setPolicyYear(int year);

private:
    struct Visit {
        std::string mdtrtId, iptOtpNo, psnNo, insutype, fixmedinsCode, region, msgid;
        std::map<std::string, std::vector<FeeItem>> batches; // chrg_bchno → lines
        std::map<std::string, std::string> batchMsgid; // chrg_bchno → 2204 msgid
        std::map<std::string, std::set<std::string>> batchSns; // chrg_bchno → feedetl_sn
        bool snUsed(const std::string& sn) const {
            for (const auto& [b, sns] : batchSns) {
                if (sns.count(sn) != 0) {
                    return true;
                }
            }
            return false;
        }
        std::map<std::string, bool> settledBatches;
        bool cancelled = false;
        bool reversed = false;
    };
    struct Setl {
        std::string setlId, msgid, mdtrtId, chrgBchno, psnNo, insutype, clrType, setlTime, date,
            medType, fixmedinsCode;
        SettlementSplit split;
        RunningTotals before;
        std::string status = "OK"; // OK / CANCELLED / REVERSED
        int year = 0;
    };
    struct Received {
        std::string infno, psnNo, key; // what a 2601 must undo (key: mdtrt_id, setl_id, ...)
        bool effective = false;
    };
    struct Ctx { // one request's checked envelope fields
        std::string infno, msgid, fixmedinsCode, region, opter, refmsgid;
        const boost::json::object* input = nullptr;
        bool committed = false;
    };

    boost::json::object dispatch(Ctx& c);
    Visit& visitFor(const std::string& mdtrtId, const std::string& field);
    boost::json::object registerVisit(Ctx& c);
    boost::json::object uploadFees(Ctx& c);
    boost::json::object revokeFees(Ctx& c);
    boost::json::object settle(Ctx& c, bool store);
    boost::json::object cancelSettlement(Ctx& c);
    boost::json::object reverse(Ctx& c);
    boost::json::object querySettlement(Ctx& c);
    boost::json::object reconcileTotals(Ctx& c);
    boost::json::object uploadFile(Ctx& c);
    boost::json::object reconcileDetails(Ctx& c);
    std::string downloadFile(Ctx& c);
    boost::json::object setlinfo(const Setl& s, bool forQuery) const;
    void undoTotals(const Setl& s);
    PolicyKey keyFor(const Visit& v, const std::string& medTypeCode) const;
    std::string nextId(const char* prefix);
    static Error refusedFile(const std::string& fileQuryNo);

    mutable std::mutex m_mutex;
    PolicyLibrary m_policies;
    CenterData m_data;
    std::string m_admdvs;
    FaultConfig m_faults;
    int m_policyYear = 0;
    std::int64_t m_counter = 0;
    std::int64_t m_committed = 0;
    std::map<std::string, Received> m_received; // every msgid ever received
    std::set<std::string> m_reversedMsgids; // omsgids reversed by a 2601
    std::map<std::string, Visit> m_visits; // mdtrt_id → visit
    std::map<std::string, std::string> m_visitByOtp; // fixmedins|ipt_otp_no → mdtrt_id
    std::map<std::string, Setl> m_setls; // setl_id → settlement
    std::map<std::string, std::string> m_setlByMsgid; // msgid → setl_id
    std::map<std::string, RunningTotals> m_totals; // psn|year|insutype → totals
    std::map<std::string, std::string> m_files; // file_qury_no → ZIP bytes
    std::size_t m_duplicates = 0;
};

} // namespace hc::settle
