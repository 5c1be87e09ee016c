// Detail matching for reconciliation: our settled rows of a day against the center's detail list,
// by msgid (= medins_setl_id), in the roncoo-pay way (both sides sorted, one merge pass).
// Rows are fixed-size (no per-row allocation) so 1,000,000 details per side fit in ~200 MB.
// The center's detail list is a text file, one row per line, TAB-separated:
//   msgid  setl_id  medfee(yuan)  fund(yuan)  acct(yuan)  status(OK|CANCELLED|REVERSED)
// (our layout for a downloaded detail list; the national 3202 comparison result is read by
// reconcileDay, see reconcile.hpp).
// Thread-safety: a DetailMatcher is used by one thread.
#pragma once

#include "hc/settle/ledger.hpp"
#include "hc/settle/money.hpp"
#include "hc/settle/reconcile.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <istream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hc::settle {

/** Status of a detail row as reconciliation compares it. */
enum class DetailStatus : std::uint8_t {
    Settled, ///< active settlement (local SETTLED, center OK)
    Cancelled, ///< cancelled (2208)
    Reversed ///< reversed (2601)
};

/** One detail row of either side. Ids longer than 30 bytes are refused. */
struct DetailRow {
    std::array<char, 31> msgid {}; ///< NUL-terminated
    std::array<char, 31> setlId {}; ///< NUL-terminated ("" when unknown)
    DetailStatus status = DetailStatus::Settled; ///< status
    Fen medfee = 0; ///< total
    Fen fund = 0; ///< fund share
    Fen acct = 0; ///< personal account
    /** The msgid as a view. */
    std::string_view msgidView() const noexcept { return msgid.data(); }
};

/** Build a row; throws InputError when an id is empty or longer than 30 bytes. */
DetailRow makeDetailRow(std::string_view msgid, std::string_view setlId, DetailStatus status,
    Fen medfee, Fen fund, Fen acct);

/** Parse one line of the center's detail list; throws InputError naming the column. */
DetailRow parseCenterDetailLine(std::string_view line, std::size_t lineNo);

/** Counts per class after a match. */
struct MatchSummary {
    std::int64_t local = 0; ///< local rows
    std::int64_t center = 0; ///< center rows
    std::map<ReconClass, std::int64_t> counts; ///< rows per class
};

/** Collects both sides, then classifies every msgid once. */
class DetailMatcher {
public:
    /** Reserve room for about `local` and `center` rows (optional). */
    void reserve(std::size_t local, std::size_t center);
    /** Add one of our rows. */
    void addLocal(const DetailRow& row) { m_local.push_back(row); }
    /** Add one of the center's rows. */
    void addCenter(const DetailRow& row) { m_center.push_back(row); }
    /** Read the center's detail list (format in the file comment); returns rows read. */
    std::size_t readCenterList(std::istream& in);
    /** Add the local rows of `date` with status SETTLED, CANCELLED or REVERSED from the ledger
     *  (streamed; other statuses are not the center's business yet). */
    std::size_t readLocalDay(StoreTransaction& tx, const std::string& date);
    /** Sort both sides and classify. `onDiff` gets every row that is not balanced, with the
     *  local and center rows (nullptr for the missing side). A msgid repeated on one side is
     *  refused (InputError). */
    MatchSummary match(
        const std::function<void(ReconClass, const DetailRow*, const DetailRow*)>& onDiff);

private:
    std::vector<DetailRow> m_local;
    std::vector<DetailRow> m_center;
};

} // namespace hc::settle
