// The devices and services the kiosk engine drives, as small interfaces so that the engine's
// flows are tested with fakes and kioskd plugs in the real parts (drivers/pcsc + the card layer,
// drivers/printer, settlementd's client, the payment gateway). Every call may block (a card, a
// network); the engine calls them from the thread that delivered the user's input. Errors:
// ServiceError (service_error.hpp), hc::Error subclasses from the drivers.
//
// Threading: each object is used by one thread at a time (the engine serialises its calls).
#pragma once

#include "hc/kiosk/core/service_error.hpp"
#include "hc/kiosk/his/types.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hc::kiosk::core {

/** Who the card in the reader belongs to (read from the health card's EF05/EF06). */
struct CardIdentity {
    std::string cardNumber; ///< card number (the ID number on a resident card)
    std::string idNumber; ///< resident ID number (GB 11643); never logged in full
    std::string name; ///< holder name
};

/** How a purse transaction ended (hc::card::epurse::Outcome reduced for the engine). */
enum class PurseStatus {
    Done, ///< the card committed; the money moved
    Declined, ///< the money did not move
    Unknown, ///< the commit's answer was lost: settle with the transaction proof before anything
};

/** The result of a purchase or a load. */
struct PurseResult {
    PurseStatus status = PurseStatus::Declined; ///< outcome
    std::int64_t balanceAfter = 0; ///< fen, when Done
    std::string tac; ///< hex TAC, when Done
    std::string reason; ///< why Declined / Unknown (English)
    std::string pending; ///< PendingTransaction JSON (journal detail, proof query key)
    bool insufficientFunds = false; ///< Declined with 9401
    /** Done only: the card's proof was checked by the kiosk's side — a purchase's MAC2 accepted
     * by the PSAM, a load's (or a transaction proof's) TAC verified by the issuer keys. A Done
     * that is not verified is NOT money moved for the engine: a counterfeit card answers a
     * debit with 9000 and any MAC2. The engine journals it UNKNOWN, asks for staff and never
     * counts it as paid (nor a give-back load as given back). Default false: whatever is not
     * explicitly verified is not trusted. */
    bool verified = false;
};

/** True when `r` is money moved that the kiosk may count: Done and verified. */
inline bool provenDone(const PurseResult& r) {
    return r.status == PurseStatus::Done && r.verified;
}

/** One line of the purse log (newest first). */
struct PurseLogEntry {
    std::string when; ///< "YYYY-MM-DD HH:MM:SS"
    std::int64_t amountFen = 0; ///< amount
    bool load = false; ///< top-up (true) or purchase
    std::string terminal; ///< terminal id, hex
};

/** The patient's card while it is in the reader: identity, and the e-purse when it has one. */
class PatientCard {
public:
    virtual ~PatientCard() = default;
    /** Identity read at insertion. */
    virtual CardIdentity identity() = 0;
    /** True when the card carries the PBOC e-purse application. */
    virtual bool hasPurse() = 0;
    /** Balance, fen. */
    virtual std::int64_t balance() = 0;
    /** Debits `fen` with the PSAM. */
    virtual PurseResult purchase(std::int64_t fen) = 0;
    /** Credits `fen`, authorised by the issuer side. */
    virtual PurseResult load(std::int64_t fen) = 0;
    /** Settles a transaction left Unknown (GET TRANSACTION PROOF): Done, Declined or Unknown;
     * Done is `verified` only when the proof's TAC was checked with the issuer keys. */
    virtual PurseResult settle(const std::string& pendingJson) = 0;
    /** Up to `max` log records, newest first. */
    virtual std::vector<PurseLogEntry> log(std::size_t max) = 0;
};

/** A receipt (ESC/POS) printer. */
class ReceiptPrinter {
public:
    virtual ~ReceiptPrinter() = default;
    /** Empty when the printer can print now; otherwise a short Chinese reason ("凭条纸已用完"). */
    virtual std::optional<std::string> problem() = 0;
    /** Prints a receipt: a title, lines, an optional QR code. Throws hc::Error on failure. */
    virtual void print(
        const std::string& title, const std::vector<std::string>& lines, const std::string& qr)
        = 0;
};

/** What the report printer prints: one lab report, already rendered or rendered by it. */
struct ReportDocument {
    std::string reportId; ///< HIS DiagnosticReport id
    std::string title; ///< "血常规"
    std::string patientName; ///< holder
    std::string issued; ///< ISO 8601
    std::vector<std::string> lines; ///< one line per observation ("白细胞计数 6.1 10^9/L N")
    his::LabReport lab; ///< the whole report as the HIS gave it (for a PDF renderer)
};

/** An A4 report printer (the IPP printer behind it checks ready / media-empty / jam / offline). */
class ReportPrinter {
public:
    virtual ~ReportPrinter() = default;
    /** Empty when the printer can print now; otherwise a short Chinese reason ("报告纸已用完"). */
    virtual std::optional<std::string> problem() = 0;
    /** Renders and prints the report, following the job to its end. Throws hc::Error. */
    virtual void print(const ReportDocument& report) = 0;
};

/** A QR payment order. */
struct PayOrder {
    std::string orderId; ///< gateway order id
    std::string qrText; ///< what the QR code encodes
};

/** Where a gateway order stands. */
enum class OrderState { Pending, Paid, Closed, Refunded };

/** Stable name ("pending", "paid", "closed", "refunded"). */
const char* describe(OrderState state);

/** A QR payment gateway (WeChat / Alipay aggregated). Orders are keyed by the kiosk's request id
 * (the merchant order number, out_trade_no): create, query, refund and close all take it, so a
 * query after a crash needs nothing but the journal. */
class PaymentGateway {
public:
    virtual ~PaymentGateway() = default;
    /** Creates an order; idempotent by `requestId` (the same id answers the same order). */
    virtual PayOrder createOrder(
        const std::string& requestId, std::int64_t fen, const std::string& subject)
        = 0;
    /** The order's state. */
    virtual OrderState query(const std::string& requestId) = 0;
    /** Refunds a paid order in full; idempotent by `refundRequestId`. */
    virtual void refund(
        const std::string& requestId, std::int64_t fen, const std::string& refundRequestId)
        = 0;
    /** Closes an unpaid order so it can no longer be paid (a paid order stays paid). */
    virtual void close(const std::string& requestId) = 0;
};

/** What the medical insurance pays of a bill and what is left to the patient. */
struct InsuranceQuote {
    std::string reference; ///< pre-settlement reference
    std::int64_t totalFen = 0; ///< the bill
    std::int64_t fundFen = 0; ///< paid by the fund
    std::int64_t ownFen = 0; ///< left to the patient
};

/** settlementd's totals of one settlement status for this terminal today (shift_totals). */
struct InsuranceShiftLine {
    std::string status; ///< settlement status as settlementd names it ("SETTLED", ...)
    std::int64_t count = 0; ///< settlements
    std::int64_t medfeeFen = 0; ///< sum of bills
    std::int64_t fundFen = 0; ///< sum of fund shares
    std::int64_t acctFen = 0; ///< sum of personal-account shares
    std::int64_t cashFen = 0; ///< sum of own (cash) shares
};

/** settlementd's shift totals (TerminalClient::shiftTotals). */
struct InsuranceShift {
    std::string date; ///< yyyy-mm-dd
    std::vector<InsuranceShiftLine> lines; ///< one per status
    std::int64_t openAdjustmentsFen = 0; ///< adjustments still to settle with patients
};

/** Medical insurance settlement (settlementd through hc::settle::TerminalClient). */
class InsuranceService {
public:
    virtual ~InsuranceService() = default;
    /** Pre-settles a bill for a card holder. */
    virtual InsuranceQuote preSettle(const CardIdentity& who,
        const std::vector<std::string>& itemIds, std::int64_t totalFen,
        const std::string& requestId)
        = 0;
    /** Commits a pre-settlement; returns the settlement number. Idempotent by `requestId`. */
    virtual std::string settle(const InsuranceQuote& quote, const std::string& requestId) = 0;
    /** Reverses (冲正) a committed settlement. Idempotent by `requestId`. */
    virtual void strike(const std::string& settlementRequestId, const std::string& requestId) = 0;
    /** Whether the settle with `requestId` committed: true, false, or nullopt when unreachable. */
    virtual std::optional<bool> settled(const std::string& requestId) = 0;
    /** Today's totals of this terminal at the insurance side (shift close); nullopt when the
     * service cannot say. The default: nullopt. */
    virtual std::optional<InsuranceShift> shiftTotals(const std::string& requestId) {
        (void)requestId;
        return std::nullopt;
    }
};

/** Time for countdowns (a fake clock in tests). */
class Clock {
public:
    virtual ~Clock() = default;
    /** Monotonic now. */
    virtual std::chrono::steady_clock::time_point now() = 0;
    /** Today's date in China, YYYY-MM-DD (slot lists). */
    virtual std::string today() = 0;
};

/** The steady clock and the real date in UTC+8. */
class SystemClock final : public Clock {
public:
    std::chrono::steady_clock::time_point now() override;
    std::string today() override;
};

} // namespace hc::kiosk::core
