// Daily reconciliation with the center: 3201 totals per (insutype, clr_type); when they differ,
// 3202 details (uploaded with 9101, result fetched with 9102); classification; the automatic
// repairs of the reference table, each with an audit entry; a forced re-run of 3201 afterwards.
// Thread-safety: one reconciliation at a time per store (the caller's job).
#pragma once

#include "hc/settle/gateway.hpp"
#include "hc/settle/ledger.hpp"

#include <boost/json/object.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hc::settle {

/** Classification of one detail row. */
enum class ReconClass {
    Balanced, ///< both sides agree
    CenterOnly, ///< 中心多: the center has it, we do not (as settled)
    LocalOnly, ///< 机构多: we have it as settled, the center does not
    AmountMismatch, ///< 数据不一致 on amounts (stale rules / totals)
    StatusMismatch, ///< cancelled or reversed on one side only
    Held ///< near the cut-off or still in the outbox: wait one cycle
};

/** Name for reports. */
const char* reconClassName(ReconClass c) noexcept;

/** Map a stmt_rslt (0-3 or the 6-digit 000000/000101/000102/000103) to 0..3; throws InputError. */
int parseStmtResult(std::string_view code);

/** One classified row. */
struct ReconItem {
    ReconClass cls = ReconClass::Balanced; ///< class
    std::string msgid; ///< our msgid (medins_setl_id)
    std::string setlId; ///< center setl_id
    Fen localMedfee = 0; ///< our medfee
    Fen localFund = 0; ///< our fund share
    Fen centerMedfee = 0; ///< center medfee
    Fen centerFund = 0; ///< center fund share
    std::string memo; ///< center memo
    std::string repair; ///< what was done
};

/** A day's reconciliation. */
struct ReconReport {
    std::string date; ///< yyyy-mm-dd
    bool totalsBalanced = false; ///< 3201 balanced before any detail work
    bool balancedAfterRepair = false; ///< 3201 balanced after the repairs
    std::int64_t localCount = 0; ///< settled rows of the day
    Fen localMedfee = 0; ///< their medfee
    Fen localFund = 0; ///< their fund share
    std::vector<ReconItem> items; ///< every non-balanced or held row
    std::map<std::string, std::int64_t> counts; ///< rows per class
};

/** Reconciliation settings. */
struct ReconOptions {
    /** The one-cycle holding pool: a row that is center-only or local-only and whose time
     *  (our creation time; for an unknown msgid the UTC time inside the msgid) lies within this
     *  window of either end of the day (UTC midnight, as setl_date) is not repaired in this run:
     *  it is held (class Held, audit "recon.held") and repaired by the next run that still finds
     *  it unbalanced. 0 = no holding by time. */
    std::chrono::minutes holdWindow { 15 };
};

/** One line of the center's 3202 comparison result (downloaded by 9102): 10 TAB-separated
 *  columns psn_no, mdtrt_id, setl_id, msgid, result, refd_setl_flag, memo, medfee, fund, acct
 *  (yuan). */
struct CenterResultLine {
    std::string setlId; ///< center setl_id
    std::string msgid; ///< our msgid (medins_setl_id)
    std::string memo; ///< center memo ("status CANCELLED", "amounts differ", ...)
    int rslt = 0; ///< 0 balanced, 1 center-only, 2 local-only, 3 mismatch (parseStmtResult)
    Fen medfee = 0; ///< the center's medfee
    Fen fund = 0; ///< the center's fund share
    Fen acct = 0; ///< the center's personal-account share
    bool foundLocally = false; ///< set by matchResultLocally: the center missed this difference
    bool omitted = false; ///< added by matchResultLocally: our settled row the result omits
};

/** Parse the 3202 result file; throws InputError naming the line (column count, result code,
 *  amounts). */
std::vector<CenterResultLine> parseCenterResultFile(const std::string& content);

/** The local match of reconcileDay: our SETTLED `rows` against the center's own numbers in
 *  `lines` (DetailMatcher). A line the center marked balanced that differs locally gets the
 *  local class as its result (3 amount/status, 1 center-only) and `foundLocally`; a settled row
 *  the result does not list is appended as result 2 with `omitted`. Non-zero center codes are
 *  kept. Returns how many lines were found locally. */
std::int64_t matchResultLocally(
    const std::vector<SettlementRecord>& rows, std::vector<CenterResultLine>& lines);

/** Reconcile one day against the center and apply the automatic repairs. The report is also
 *  stored in the ledger (the latest run per date), for storedReport() / `settle report`. */
ReconReport reconcileDay(LedgerStore& store, CenterGateway& gateway, const std::string& date,
    const ReconOptions& options = {});

/** The stored report of the latest reconciliation run for `date`, if any. */
std::optional<ReconReport> storedReport(StoreTransaction& tx, const std::string& date);

/** Read a report back from reportToJson's JSON; throws InputError naming the field. */
ReconReport reportFromJson(const boost::json::value& json);

/** Report as JSON. */
boost::json::object reportToJson(const ReconReport& report);
/** Report as CSV (one line per item, header first). */
std::string reportToCsv(const ReconReport& report);
/** Printable summary. */
std::string reportToText(const ReconReport& report);

} // namespace hc::settle
