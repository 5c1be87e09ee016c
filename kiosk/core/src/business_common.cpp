// What the businesses share (business.hpp): the request ids, the patient at the HIS, the receipt
// printer checked before charging and the receipt journaled, the result screen, the QR order's
// polling and closing, the flow's `complete` run once; and the table of every business's
// handlers the engine is built with.
#include "business.hpp"
#include "hc/kiosk/core/card_key.hpp"
#include "hc/kiosk/core/purse_journal.hpp"

#include <algorithm>
#include <csignal>
#include <fstream>
#include <unistd.h>

namespace hc::kiosk::core {

std::string hhmm(const std::string& isoLocal) {
    // YYYY-MM-DDTHH:MM:00+08:00 -> HH:MM
    return isoLocal.size() >= 16 ? isoLocal.substr(11, 5) : isoLocal;
}

KioskError hisError(const std::exception& e) {
    if (dynamic_cast<const his::HisConflict*>(&e) != nullptr) {
        return KioskError("his_conflict", "该号源或费用已被处理，请重新选择", NextStep::Retry);
    }
    if (dynamic_cast<const his::HisRefused*>(&e) != nullptr) {
        return KioskError("his_refused", std::string("医院系统拒绝了本次业务，请到人工窗口办理"),
            NextStep::CallStaff);
    }
    if (dynamic_cast<const his::HisUnavailable*>(&e) != nullptr) {
        return KioskError(
            "his_unavailable", "医院系统暂时无法连接，请稍后重试或到人工窗口办理", NextStep::Retry);
    }
    return KioskError(
        "his_unknown", "医院系统未及时应答，请勿重复缴费，工作人员将为您核实", NextStep::CallStaff);
}

/** ";before=<fen>" for the journal detail of a card debit or load ("" when the balance cannot be
 * read): a kill after the card answered and before the outcome is written leaves the step
 * PENDING with no transaction to ask the card about; recovery compares the balance then. */
std::string balanceBefore(PatientCard& card) {
    try {
        return ";before=" + std::to_string(card.balance());
    } catch (const std::exception&) {
        return {};
    }
}

void Engine::Impl::failpoint(const char* name) const {
    if (!config.failpoint.empty() && config.failpoint == name) {
        ::kill(::getpid(), SIGKILL);
    }
}

std::string Engine::Impl::requestId(const std::string& tag) const {
    return journalSession + "-" + tag;
}

his::Patient& Engine::Impl::ensurePatient() {
    if (!patient) {
        try {
            auto p = parts.his->findPatient(who.idNumber);
            if (!p) {
                his::Patient n;
                n.idNumber = who.idNumber;
                n.name = who.name;
                p = parts.his->createPatient(n);
            }
            patient = *p;
        } catch (const his::HisError& e) {
            throw hisError(e);
        }
    }
    return *patient;
}

void Engine::Impl::checkReceiptPrinter() {
    if (parts.receipt == nullptr) {
        return;
    }
    if (const auto p = parts.receipt->problem()) {
        throw KioskError("receipt_printer", *p + "，暂停收费，未扣除任何费用，请到人工窗口办理",
            NextStep::CallStaff);
    }
}

void Engine::Impl::printReceipt(const std::string& head, const std::vector<std::string>& lines) {
    if (parts.receipt == nullptr) {
        return;
    }
    JournalStep step(
        *parts.journal, journalSession, { StepType::Print, requestId("RCPT"), 0, "receipt" });
    failpoint("print");
    try {
        parts.receipt->print(head, lines, journalSession);
        step.ok("receipt");
        biz.receipt = "printed";
    } catch (const std::exception& e) {
        step.failed(e.what());
        biz.receipt = "failed";
    }
}

void Engine::Impl::resultLine(const std::string& label, const std::string& value) {
    biz.lines.push_back(json::object { { "label", label }, { "value", value } });
}

namespace {

std::string paidByText(const std::string& method) {
    if (method == "purse") {
        return "健康卡电子钱包";
    }
    if (method == "qr") {
        return "微信/支付宝扫码";
    }
    if (method == "cash") {
        return "现金";
    }
    return "无需个人支付";
}

} // namespace

void Engine::Impl::showResult() {
    data = biz.result;
    auto lines = biz.lines;
    const auto add = [&](const std::string& label, const std::string& value) {
        lines.push_back(json::object { { "label", label }, { "value", value } });
    };
    const auto business = flow != nullptr ? flow->business : std::string();
    const bool paysShare = biz.paid
        && (business == "registration" || business == "payment" || business == "cash_payment"
            || (business == "report" && biz.ownFen > 0));
    if (paysShare) {
        add("个人支付", yuan(biz.ownFen) + " 元");
        add("支付方式", biz.ownFen > 0 ? paidByText(biz.method) : paidByText("none"));
        data["ownFen"] = biz.ownFen;
        data["paidBy"] = biz.ownFen > 0 ? biz.method : std::string("none");
    }
    if (biz.balanceAfter) {
        add("卡内余额", yuan(*biz.balanceAfter) + " 元");
        data["balanceAfterFen"] = *biz.balanceAfter;
    }
    if (biz.receipt == "printed") {
        add("凭条", "已打印，请从出纸口取走");
    } else if (biz.receipt == "failed") {
        add("凭条", "打印失败，请到人工窗口补打");
    }
    data["receipt"] = biz.receipt == "printed";
    data["lines"] = std::move(lines);
    if (!biz.resultMessage.empty()) {
        message = biz.resultMessage;
    }
}

void Engine::Impl::runComplete() {
    if (biz.completed) {
        return;
    }
    if (!flow->complete.empty()) {
        completers.at(flow->complete)(*this, UserEvent {});
    }
    biz.completed = true;
}

void Engine::Impl::closeOrder() {
    if (!biz.payStep || parts.gateway == nullptr) {
        return;
    }
    const auto id = requestId("PAY");
    try {
        parts.gateway->close(id);
        const auto state = parts.gateway->query(id);
        if (state == OrderState::Paid) {
            // Paid just before the close: the money is in, the business is not; recovery
            // refunds it when the session ends (payment OK, HIS never called).
            biz.payStep->ok(id);
            biz.paid = true;
        } else {
            biz.payStep->failed("order closed unpaid");
        }
    } catch (const std::exception& e) {
        biz.payStep->unknown(std::string("close: ") + e.what());
    }
    biz.payStep.reset();
    biz.order.reset();
}

bool Engine::Impl::pollOrder(bool userAsked) {
    if (!biz.payStep) {
        return biz.paid;
    }
    const auto now = parts.clock->now();
    if (!userAsked && now - biz.lastPoll < std::chrono::seconds(2)) {
        return false;
    }
    biz.lastPoll = now;
    const auto id = requestId("PAY");
    OrderState state = OrderState::Pending;
    try {
        state = parts.gateway->query(id);
    } catch (const ServiceError&) {
        if (userAsked) {
            throw KioskError(
                "gateway_unavailable", "支付平台暂时无法连接，请稍候再试", NextStep::Retry);
        }
        return false;
    }
    if (state == OrderState::Paid) {
        biz.payStep->ok(id);
        biz.payStep.reset();
        biz.paid = true;
        failpoint("payment");
        return true;
    }
    if (userAsked) {
        throw KioskError(
            "qr_not_paid", "尚未收到您的付款，请用微信或支付宝扫码支付后稍候", NextStep::Retry);
    }
    return false;
}

void Engine::Impl::registerHandlers() {
    HandlerTable table { loaders, handlers, completers };
    for (auto& b : allBusinesses()) {
        b->registerHandlers(table);
    }
}

std::vector<std::unique_ptr<Business>> allBusinesses() {
    std::vector<std::unique_ptr<Business>> out;
    out.push_back(makeRegistration());
    out.push_back(makeOwnShare());
    out.push_back(makePayment());
    out.push_back(makeTopup());
    out.push_back(makeBalance());
    out.push_back(makeReport());
    out.push_back(makeRefund());
    out.push_back(makeShift());
    out.push_back(makeIssuance());
    return out;
}

const std::set<std::string>& engineHandlers() {
    static const std::set<std::string> names { "departments", "pick_department", "doctors",
        "pick_doctor", "slots", "hold_slot", "registration_summary", "book_registration",
        "unpaid_items", "presettle", "confirm_payment", "pay_methods", "pay", "qr_order",
        "qr_check", "result", "topup_amounts", "pick_amount", "load_purse", "balance", "reports",
        "print_report", "lookup_patient", "cash_summary", "cash_pay", "lookup_invoice",
        "refund_summary", "refund_ask", "supervisor_id", "refund_approve", "refund_card_info",
        "refund_card_load", "appointments", "pick_appointment", "cancel_appointment",
        "shift_report", "shift_close", "issuance_lookup", "issuance_summary", "issuance_write",
        "issuance_result", "ethnicities", "pick_ethnicity" };
    return names;
}

} // namespace hc::kiosk::core
