// A terminal's client for settlementd (kiosks, cashier windows): ZeroMQ DEALER with CURVE,
// one JSON request and one JSON reply per call, exactly as settlementd expects (see
// docs/settlement.md, "Terminal API").
//
// Every call takes a caller-supplied request id. Keep the id of a call until you know its
// outcome: sending the same id again is answered with the stored reply, never redone.
// Each call ends in one of four ways:
//   - a reply with ok=true            → the typed result (DONE);
//   - NotSentError                    → the request never left this process (no completed,
//                                       CURVE-authenticated connection within connectTimeout):
//                                       FAILED, nothing happened; retry or give up;
//   - OutcomeUnknownError             → the request was handed to a live connection but no reply
//                                       came within replyTimeout (or the server says the first
//                                       call with this id is still running): UNKNOWN; call again
//                                       with the SAME request id (or query()) before doing
//                                       anything else for this patient;
//   - RefusedError                    → settlementd answered ok=false: FAILED with the server's
//                                       code, message, next step and field.
// Threading: a TerminalClient is not thread-safe (one ZeroMQ socket); use one per thread.
// Keys and patient identifiers are never written to logs by this class.
#pragma once

#include "hc/settle/error.hpp"
#include "hc/settle/money.hpp"

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hc::settle {

/** Where settlementd is and the keys of this terminal. */
struct TerminalClientConfig {
    std::string endpoint; ///< e.g. "tcp://127.0.0.1:5570"
    std::string serverPublicKey; ///< settlementd's CURVE public key (Z85, 40 chars); empty = no
                                 ///< CURVE (only against `settlementd --insecure`, benchmarks)
    std::string publicKey; ///< this terminal's CURVE public key (Z85), on the server's allow-list
    std::string secretKey; ///< this terminal's CURVE secret key (Z85); never logged
    std::string insecureTerminal; ///< without CURVE only: sent as the request's "terminal" field
    /** How long a call waits for a completed (authenticated) connection before NotSentError. */
    std::chrono::milliseconds connectTimeout { 2000 };
    /** How long a sent call waits for its reply before OutcomeUnknownError. Longer than
     *  settlementd's --settle-wait-ms, or settle() times out while the server still waits. */
    std::chrono::milliseconds replyTimeout { 5000 };
};

/** How a failed call left things: FAILED (nothing happened) or UNKNOWN (must ask again). */
enum class CallOutcome {
    Failed, ///< not done: safe to retry (same request id) or to give up
    Unknown ///< may or may not have been done: call again with the same request id
};

/** Name of an outcome ("FAILED", "UNKNOWN"). */
const char* describe(CallOutcome outcome) noexcept;

/** Base of the client's errors; says whether the outcome is FAILED or UNKNOWN. */
class TerminalError : public Error {
public:
    /** `code` is stable ("terminal.not_sent", ...); see the subclasses. */
    TerminalError(std::string code, const std::string& message, NextStep next, CallOutcome outcome);
    /** FAILED or UNKNOWN. */
    CallOutcome outcome() const noexcept { return m_outcome; }

private:
    CallOutcome m_outcome;
};

/** The request was not handed to a connection (settlementd down, unreachable, or this terminal's
 *  key refused by the allow-list). Outcome FAILED, next step retry. Code "terminal.not_sent". */
class NotSentError : public TerminalError {
public:
    /** `why` says what was missing. */
    explicit NotSentError(const std::string& why);
};

/** Sent, but no reply in time (or the first call with this id is still running). Outcome
 *  UNKNOWN, next step retry with the same request id. Code "terminal.outcome_unknown". */
class OutcomeUnknownError : public TerminalError {
public:
    /** `requestId` is the id to send again. */
    OutcomeUnknownError(const std::string& requestId, const std::string& why);
    /** The request id whose outcome is unknown. */
    const std::string& requestId() const noexcept { return m_requestId; }

private:
    std::string m_requestId;
};

/** settlementd answered ok=false. Outcome FAILED; code, next step and field are the server's
 *  (e.g. "input.bad_field" + fix_input + "items[0].amount_fen", "center.rejected" +
 *  call_staff). */
class RefusedError : public TerminalError {
public:
    /** From the server's error object. */
    RefusedError(std::string code, const std::string& message, NextStep next, std::string field);
    /** JSON path of the refused field ("" when the refusal is not about one field). */
    const std::string& field() const noexcept { return m_field; }

private:
    std::string m_field;
};

/** A visit to register (register_visit). */
struct VisitRegistration {
    std::string visitId; ///< local visit id (≤ 30 chars), also the center's ipt_otp_no
    std::string psnNo; ///< insured person number (masked in every reply and log)
    std::string insutype; ///< insurance type, e.g. "390"
    std::string psnType = "general"; ///< person type of the rule table
    std::string hospLv; ///< hospital level of the rule table, e.g. "county"
    std::string medType; ///< visit type of the rule table, e.g. "inpatient"
    int year = 0; ///< policy year
    std::string region; ///< region code; empty = settlementd's default
};

/** One fee line (upload_fees). Money in fen. */
struct FeeLine {
    std::string code; ///< catalog code (hilist_code)
    std::string itemClass; ///< "A"/"B"/"C", "甲"/"乙"/"丙" or "01"/"02"/"03"
    Fen amount = 0; ///< line amount
    std::int64_t qtyMilli = 1000; ///< quantity in thousandths
    std::optional<Fen> priceCap; ///< unit price cap
    std::optional<BasisPoints> selfpay; ///< 先行自付 ratio of this line (basis points)
};

/** Reply of register_visit and upload_fees: the queued center message. */
struct Queued {
    std::string status; ///< "registered" / "uploaded"
    std::string msgid; ///< msgid of the queued 2201 / 2204
    bool replayed = false; ///< true: the stored reply of an earlier call with this id
};

/** Reply of pre_settle: the local estimate (nothing stored). */
struct Estimate {
    Fen medfee = 0; ///< total
    Fen fund = 0; ///< fund share
    Fen acct = 0; ///< personal account
    Fen cash = 0; ///< patient's cash
    std::string ruleVersion; ///< rule table version used
};

/** A settlement as settlementd reports it (settle, query). */
struct SettlementResult {
    std::string status; ///< SETTLED, PROVISIONAL, SELF_PAY, PENDING, FAILED, CANCELLED, REVERSED
    std::string msgid; ///< our msgid (medins_setl_id): the key for query() and cancel()
    std::string setlId; ///< the center's setl_id ("" until the center confirmed)
    std::string visitId; ///< visit
    std::string chrgBchno; ///< fee batch
    std::string terminal; ///< terminal that settled it
    std::string psnNoMasked; ///< person number, masked
    bool provisional = false; ///< settled with the estimator while offline
    Fen medfee = 0; ///< total
    Fen fund = 0; ///< fund share
    Fen acct = 0; ///< personal account
    Fen cash = 0; ///< patient's cash to collect
    Fen hosp = 0; ///< hospital's share
    std::string setlDate; ///< yyyy-mm-dd
    bool replayed = false; ///< the answer to a repeated request id
};

/** Totals of one status in a shift. */
struct StatusTotals {
    std::int64_t count = 0; ///< settlements
    Fen medfee = 0; ///< sum of totals
    Fen fund = 0; ///< sum of fund shares
    Fen acct = 0; ///< sum of personal account
    Fen cash = 0; ///< sum of cash
};

/** An open adjustment the cashier must settle with the patient. */
struct OpenAdjustment {
    std::string msgid; ///< settlement msgid
    Fen amount = 0; ///< > 0 collect from the patient, < 0 refund
    std::string reason; ///< e.g. "center_result_differs"
};

/** Reply of shift_totals for this terminal. */
struct ShiftTotals {
    std::string terminal; ///< the authenticated terminal id
    std::string date; ///< yyyy-mm-dd
    std::map<std::string, StatusTotals> byStatus; ///< per settlement status
    std::vector<OpenAdjustment> openAdjustments; ///< to collect or refund
    Fen openAdjustmentsTotal = 0; ///< sum of openAdjustments
};

/** The terminal client. Connects lazily; reconnects after a timeout (a late reply to a timed-out
 *  call is never taken for the answer to a later one). */
class TerminalClient {
public:
    /** Does not block; the first call connects. */
    explicit TerminalClient(TerminalClientConfig config);
    ~TerminalClient();
    TerminalClient(const TerminalClient&) = delete;
    TerminalClient& operator=(const TerminalClient&) = delete;

    /** register_visit; queues the 2201. */
    Queued registerVisit(const std::string& requestId, const VisitRegistration& visit);
    /** upload_fees of one batch; queues the 2204. */
    Queued uploadFees(const std::string& requestId, const std::string& visitId,
        const std::string& chrgBchno, const std::vector<FeeLine>& items);
    /** pre_settle: the local estimate. */
    Estimate preSettle(const std::string& requestId, const std::string& visitId,
        const std::string& chrgBchno, bool useAccount = false);
    /** settle: SETTLED (the center's numbers), PROVISIONAL or SELF_PAY (offline), or PENDING when
     *  repeated while the center has not answered. The center refusing it is a RefusedError
     *  ("center.rejected"). */
    SettlementResult settle(const std::string& requestId, const std::string& visitId,
        const std::string& chrgBchno, bool useAccount = false);
    /** cancel (2208) of a settlement the center confirmed; returns the 2208's msgid. */
    Queued cancel(const std::string& requestId, const std::string& msgid);
    /** query the stored settlement with this msgid. */
    SettlementResult query(const std::string& requestId, const std::string& msgid);
    /** shift_totals of this terminal for `date` (yyyy-mm-dd; empty = today). */
    ShiftTotals shiftTotals(const std::string& requestId, const std::string& date = "");

    /** Any call as raw JSON: `request` must hold "call"; "request_id" is set from `requestId`.
     *  Returns the ok=true reply; throws the errors above. */
    boost::json::object call(const std::string& requestId, boost::json::object request);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/** Read a settlement reply object (settle, query) into a SettlementResult. */
SettlementResult settlementResultFromJson(const boost::json::object& reply);

} // namespace hc::settle
