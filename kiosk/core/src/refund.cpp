// Refunds (退费, 80-refund.json at the cashier window) and appointment cancellations (退号:
// 15-cancel-appointment at the kiosk with the patient's own card, 85-cancel-window with a
// supervisor): the screens. The pipeline they run (where the money came from, the HIS refund or
// cancel, the money back the way it came) is refund_pipeline.cpp.
#include "business.hpp"
#include "refund_helpers.hpp"

namespace hc::kiosk::core {

namespace {

using Kind = UserEvent::Kind;

} // namespace

class Refund final : public Business {
public:
    const char* name() const override { return "refund"; }
    void registerHandlers(HandlerTable& t) override {
        t.handler("lookup_invoice", &Refund::lookupInvoice);
        t.loader("refund_summary", &Refund::refundSummary);
        t.handler("refund_ask", &Refund::refundAsk);
        t.handler("supervisor_id", &Refund::supervisorId);
        t.handler("refund_approve", &Refund::refundApprove);
        t.loader("refund_card_info", &Refund::refundCardInfo);
        t.handler("refund_card_load", &Refund::refundCardLoad);
        t.loader("appointments", &Refund::appointments);
        t.handler("pick_appointment", &Refund::pickAppointment);
        t.handler("cancel_appointment", &Refund::cancelAppointment);
    }

private:
    static std::optional<std::string> lookupInvoice(Impl& m, const UserEvent& e);
    static void refundSummary(Impl& m);
    static std::optional<std::string> refundAsk(Impl& m, const UserEvent& e);
    static std::optional<std::string> supervisorId(Impl& m, const UserEvent& e);
    static std::optional<std::string> refundApprove(Impl& m, const UserEvent& e);
    static void refundCardInfo(Impl& m);
    static std::optional<std::string> refundCardLoad(Impl& m, const UserEvent& e);
    static void appointments(Impl& m);
    static std::optional<std::string> pickAppointment(Impl& m, const UserEvent& e);
    static std::optional<std::string> cancelAppointment(Impl& m, const UserEvent& e);
};

std::optional<std::string> Refund::lookupInvoice(Impl& m, const UserEvent& e) {
    std::optional<his::Invoice> inv;
    try {
        inv = m.parts.his->invoiceById(e.value);
    } catch (const his::HisError&) {
        throw KioskError("his_unavailable", "医院系统暂时无法连接，请稍后重试", NextStep::Retry);
    }
    if (!inv) {
        throw KioskError("invoice_not_found", "未找到该发票，请核对发票号", NextStep::FixInput);
    }
    if (inv->status == "cancelled") {
        throw KioskError("already_refunded", "该发票已退费", NextStep::FixInput);
    }
    m.biz = BusinessState {};
    m.biz.v["kind"] = "invoice";
    m.biz.v["target"] = inv->id;
    m.biz.v["invoice"] = inv->id;
    m.biz.totalFen = inv->totalFen;
    m.planFromPayment(endsWith(inv->requestId, "-HIS")
            ? inv->requestId.substr(0, inv->requestId.size() - 4)
            : std::string());
    return std::nullopt;
}

void Refund::refundSummary(Impl& m) {
    const bool appointment = m.biz.v["kind"] == "appointment";
    const auto ins = number(m.biz.v, "insFen");
    m.data = json::object { { appointment ? "appointment" : "invoice", m.biz.v["target"] },
        { "totalFen", m.biz.totalFen }, { "insuranceFen", ins }, { "ownFen", m.biz.ownFen },
        { "paidBy", m.biz.method }, { "refundTo", m.biz.method } };
    json::array lines;
    lines.push_back(json::object { { "label", appointment ? "预约" : "发票" },
        { "value", appointment ? m.biz.v["label"] : m.biz.v["target"] } });
    lines.push_back(
        json::object { { "label", "合计" }, { "value", yuan(m.biz.totalFen) + " 元" } });
    lines.push_back(json::object { { "label", "医保退回" }, { "value", yuan(ins) + " 元" } });
    lines.push_back(json::object { { "label", "退还个人" },
        { "value", yuan(m.biz.ownFen) + " 元，" + meansText(m.biz.method) } });
    m.data["lines"] = std::move(lines);
    m.message = std::string(appointment ? "退号：" : "发票 " + m.biz.v["target"] + "：") + "合计 "
        + yuan(m.biz.totalFen) + " 元，医保 " + yuan(ins) + " 元退回医保，个人 "
        + yuan(m.biz.ownFen) + " 元" + meansText(m.biz.method);
    if (m.cashier()) {
        m.message += "。须主管授权";
        if (m.biz.method == "purse") {
            m.message += "；须插入患者本人健康卡，患者无卡时可改退现金";
        }
    }
}

std::optional<std::string> Refund::refundAsk(Impl& m, const UserEvent& e) {
    if (m.biz.v.count("hisDone") != 0) {
        // The HIS refund is done and its journal step holds the plan: the means is fixed
        // (recovery finishes it by that plan; a second approval must not pay cash too).
        throw KioskError("refund_means_fixed",
            "医院系统已退费，退款方式已确定（" + meansText(m.biz.v["means"])
                + "），不能更改；请按“首页”结束，款项将按原方式退回",
            NextStep::FixInput);
    }
    m.biz.v["cashier"] = m.staffUser ? m.staffUser->id : std::string();
    m.biz.v["means"] = m.biz.method;
    if (e.kind == Kind::Action && e.value == "cash_instead") {
        if (m.biz.method != "purse") {
            throw KioskError(
                "cash_instead_refused", "只有电子钱包支付的费用可改退现金", NextStep::FixInput);
        }
        m.biz.v["means"] = "cash_for_purse";
    }
    return std::nullopt;
}

std::optional<std::string> Refund::supervisorId(Impl& m, const UserEvent& e) {
    m.biz.v["supervisor"] = e.value;
    return std::nullopt;
}

std::optional<std::string> Refund::refundApprove(Impl& m, const UserEvent& e) {
    const auto* a = m.authenticate(m.biz.v["supervisor"], e.value, "approval");
    if (a == nullptr || a->role != "supervisor" || a->id == m.biz.v["cashier"]) {
        throw KioskError("approval_refused",
            "主管工号或密码错误，或该工号无退费授权（收费员本人不能授权）", NextStep::FixInput);
    }
    m.biz.v["approved"] = "1";
    m.checkReceiptPrinter();
    return m.runRefund();
}

void Refund::refundCardInfo(Impl& m) {
    auto* c = m.refundCard();
    const bool present = c != nullptr;
    const bool right = present && m.keys().matches(m.biz.v["card"], m.refundCardWho().cardNumber);
    m.data = json::object { { "ownFen", m.biz.ownFen }, { "cardPresent", present },
        { "cardMatches", right } };
    m.message = right ? "已插入患者健康卡（" + maskName(m.refundCardWho().name)
            + "），请按“确认”将 " + yuan(m.biz.ownFen) + " 元圈存回卡内电子钱包"
        : present ? "插入的卡片不是原支付卡，请换插患者原支付所用的健康卡"
                  : insertCardText(m.biz.ownFen);
}

std::optional<std::string> Refund::refundCardLoad(Impl& m, const UserEvent&) {
    if (m.biz.v.count("moneyDone") == 0) {
        if (!m.refundToCard(m.biz.ownFen,
                "refund of " + m.biz.v["payRid"] + ";staff=" + m.biz.v["cashier"]
                    + ";supervisor=" + m.biz.v["supervisor"])) {
            const bool present = m.refundCard() != nullptr;
            throw KioskError(present ? "card_mismatch" : "card_needed",
                present ? "插入的卡片不是原支付卡，请换插患者原支付所用的健康卡"
                        : insertCardText(m.biz.ownFen),
                NextStep::ReinsertCard);
        }
        m.biz.v["moneyDone"] = "1";
    }
    m.finishRefund();
    return std::nullopt;
}

void Refund::appointments(Impl& m) {
    if (m.cashier() && !m.patient) {
        throw KioskError("patient_not_found", "请先查找患者", NextStep::FixInput);
    }
    const auto& p = m.cashier() ? *m.patient : m.ensurePatient();
    std::vector<his::Appointment> list;
    try {
        list = m.parts.his->appointments(p.id);
    } catch (const his::HisError&) {
        throw KioskError("his_unavailable", "医院系统暂时无法连接，请稍后重试", NextStep::Retry);
    }
    int open = 0;
    for (const auto& a : list) {
        if (a.status == "cancelled") {
            continue;
        }
        const auto when
            = a.start.size() >= 16 ? a.start.substr(0, 10) + " " + a.start.substr(11, 5) : a.start;
        std::string detail = "挂号费 " + yuan(a.priceFen) + " 元";
        const bool can = a.status == "booked" && a.cancellable;
        if (a.status != "booked") {
            detail += "；已就诊，不能退号";
        } else if (!a.cancellable) {
            detail += "；已过退号截止时间";
        } else if (a.cancelUntil.size() >= 16) {
            detail += "；退号截止 " + a.cancelUntil.substr(11, 5);
        }
        m.items.push_back(item(a.id, when, detail, !can));
        open += can ? 1 : 0;
    }
    m.message
        = open == 0 ? "没有可退的预约（已就诊或已过退号截止时间的不能退号）" : "请选择要退的预约";
}

std::optional<std::string> Refund::pickAppointment(Impl& m, const UserEvent& e) {
    if (m.cashier() && !m.patient) {
        throw KioskError("patient_not_found", "请先查找患者", NextStep::FixInput);
    }
    const auto p = m.cashier() ? *m.patient : m.ensurePatient();
    std::optional<his::Appointment> appt;
    try {
        for (const auto& a : m.parts.his->appointments(p.id)) {
            if (a.id == e.value) {
                appt = a;
            }
        }
    } catch (const his::HisError&) {
        throw KioskError("his_unavailable", "医院系统暂时无法连接，请稍后重试", NextStep::Retry);
    }
    if (!appt || appt->status != "booked" || !appt->cancellable) {
        throw KioskError("cancel_refused",
            "已超过退号截止时间或已就诊，医院系统不允许退号；未退任何费用", NextStep::FixInput);
    }
    m.biz = BusinessState {};
    m.biz.v["kind"] = "appointment";
    m.biz.v["target"] = appt->id;
    m.biz.v["label"] = appt->start.size() >= 16
        ? appt->start.substr(0, 10) + " " + appt->start.substr(11, 5)
        : appt->start;
    m.biz.totalFen = appt->priceFen;
    m.planFromPayment(endsWith(appt->requestId, "-BOOK")
            ? appt->requestId.substr(0, appt->requestId.size() - 5)
            : std::string());
    if (!m.cashier()) {
        if (m.biz.method == "cash") {
            throw KioskError(
                "cancel_at_window", "现金支付的挂号请到人工窗口退号", NextStep::CallStaff);
        }
        if (m.biz.method == "purse" && !m.keys().matches(m.biz.v["card"], m.who.cardNumber)) {
            throw KioskError("cancel_other_card",
                "该挂号由其他卡片支付，请插入原支付卡或到人工窗口退号", NextStep::CallStaff);
        }
    }
    return std::nullopt;
}

std::optional<std::string> Refund::cancelAppointment(Impl& m, const UserEvent&) {
    // The patient's own confirmation at the kiosk (their card is in the reader).
    m.checkReceiptPrinter();
    m.biz.v["means"] = m.biz.method;
    auto next = m.runRefund();
    if (next) {
        // The card left between the choice and the load: recovery loads it at the next
        // insertion of that card.
        throw KioskError(
            "card_needed", "退号已办理，退款将在您重新插入原卡时圈存回卡", NextStep::ReinsertCard);
    }
    return std::nullopt;
}

std::unique_ptr<Business> makeRefund() {
    return std::make_unique<Refund>();
}

} // namespace hc::kiosk::core
