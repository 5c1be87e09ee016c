// Outpatient payment (门诊缴费, 20-payment.json) and cash payment at the window (70-cash-payment):
// the unpaid items (all selected) -> insurance pre-settlement (insurance_pre_settle) -> the own
// share (OwnShare, or cash taken by the cashier: a payment step "cash;staff=...") -> HIS confirm
// (his_confirm) -> receipt.
#include "business.hpp"
#include "external_call.hpp"

namespace hc::kiosk::core {

class Payment final : public Business {
public:
    const char* name() const override { return "payment"; }
    void registerHandlers(HandlerTable& t) override {
        t.loader("unpaid_items", &Payment::unpaidItems);
        t.handler("presettle", &Payment::presettle);
        t.completer("confirm_payment", &Payment::confirmPayment);
        t.handler("lookup_patient", &Payment::lookupPatient);
        t.loader("cash_summary", &Payment::cashSummary);
        t.handler("cash_pay", &Payment::cashPay);
    }

private:
    static void unpaidItems(Impl& m);
    static std::optional<std::string> presettle(Impl& m, const UserEvent& e);
    static std::optional<std::string> confirmPayment(Impl& m, const UserEvent& e);
    static std::optional<std::string> lookupPatient(Impl& m, const UserEvent& e);
    static void cashSummary(Impl& m);
    static std::optional<std::string> cashPay(Impl& m, const UserEvent& e);
};

void Payment::unpaidItems(Impl& m) {
    auto& p = m.ensurePatient();
    std::vector<his::ChargeItem> list;
    try {
        list = m.parts.his->unpaidItems(p.id);
    } catch (const his::HisError& e) {
        throw hisError(e);
    }
    std::int64_t total = 0;
    json::array ids;
    for (const auto& c : list) {
        m.items.push_back(item(c.id, c.description, yuan(c.priceFen) + " 元", true));
        total += c.priceFen;
        ids.push_back(json::string(c.id));
    }
    m.data = json::object { { "totalFen", total }, { "items", std::move(ids) } };
    m.message = list.empty()
        ? "您没有待缴费用"
        : "共 " + std::to_string(list.size()) + " 项，合计 " + yuan(total) + " 元";
}

std::optional<std::string> Payment::presettle(Impl& m, const UserEvent&) {
    const auto& ids = m.data.at("items").as_array();
    if (ids.empty()) {
        throw KioskError("nothing_to_pay", "您没有待缴费用，请按“首页”返回", NextStep::FixInput);
    }
    m.biz.itemIds.clear();
    for (const auto& i : ids) {
        m.biz.itemIds.emplace_back(i.as_string());
    }
    m.biz.totalFen = m.data.at("totalFen").as_int64();
    InsuranceQuote q { "", m.biz.totalFen, 0, m.biz.totalFen };
    if (m.parts.insurance != nullptr) {
        const auto rid = m.requestId("PRE");
        ExternalCall call(m, { StepType::InsurancePreSettle, rid, m.biz.totalFen });
        q = call.service(
            [&] { return m.parts.insurance->preSettle(m.who, m.biz.itemIds, m.biz.totalFen, rid); },
            [](const InsuranceQuote& quote) { return quote.reference; },
            KioskError("insurance_unavailable", "医保结算暂时无法办理，请稍后重试或到人工窗口缴费",
                NextStep::Retry));
    }
    m.biz.quote = q;
    m.biz.ownFen = q.ownFen;
    return std::nullopt;
}

std::optional<std::string> Payment::confirmPayment(Impl& m, const UserEvent&) {
    auto& p = m.ensurePatient();
    const auto rid = m.requestId("HIS");
    std::string detail = "items=";
    for (const auto& i : m.biz.itemIds) {
        detail += i + ",";
    }
    ExternalCall call(m, { StepType::HisConfirm, rid, m.biz.totalFen, detail });
    HisFailureText text;
    text.unavailable = KioskError("his_confirm_failed",
        "缴费未完成，医院系统无法连接；已付费用将原路退回", NextStep::CallStaff);
    text.refused = KioskError(
        "his_confirm_failed", "缴费未完成，医院系统拒绝；已付费用将原路退回", NextStep::CallStaff);
    text.conflict = text.refused;
    const auto inv
        = call.his([&] { return m.parts.his->pay(p.id, m.biz.itemIds, m.biz.totalFen, rid); },
            [](const his::Invoice& i) { return i.id; }, text);
    m.failpoint("his_confirm");
    const auto fund = m.biz.quote ? m.biz.quote->fundFen : 0;
    m.biz.resultMessage = "本次费用已结清：合计 " + yuan(m.biz.totalFen) + " 元，医保支付 "
        + yuan(fund) + " 元，个人支付 " + yuan(m.biz.ownFen) + " 元";
    m.biz.result = json::object { { "invoice", inv.id }, { "totalFen", m.biz.totalFen },
        { "insuranceFen", fund }, { "ownFen", m.biz.ownFen }, { "paidBy", m.biz.method } };
    m.resultLine("发票号", inv.id);
    m.resultLine("合计", yuan(m.biz.totalFen) + " 元");
    m.resultLine("医保支付", yuan(fund) + " 元");
    m.printReceipt("门诊缴费凭条",
        { "姓名: " + maskName(m.who.name), "发票号: " + inv.id,
            "合计: " + yuan(m.biz.totalFen) + " 元", "医保支付: " + yuan(fund) + " 元",
            "个人支付: " + yuan(m.biz.ownFen) + " 元" });
    return std::nullopt;
}

std::optional<std::string> Payment::lookupPatient(Impl& m, const UserEvent& e) {
    if (e.value.size() != 18) {
        throw KioskError("bad_id_number", "请输入 18 位身份证号", NextStep::FixInput);
    }
    std::optional<his::Patient> p;
    try {
        p = m.parts.his->findPatient(e.value);
    } catch (const his::HisError& ex) {
        throw hisError(ex);
    }
    if (!p) {
        throw KioskError("patient_not_found", "未找到该患者，请核对身份证号", NextStep::FixInput);
    }
    m.who = { p->idNumber, p->idNumber, p->name };
    m.patient = *p;
    return std::nullopt;
}

void Payment::cashSummary(Impl& m) {
    m.data = json::object { { "amountFen", m.biz.ownFen }, { "totalFen", m.biz.totalFen } };
    m.message = "应收现金 " + yuan(m.biz.ownFen) + " 元（患者 " + maskName(m.who.name) + "）";
}

std::optional<std::string> Payment::cashPay(Impl& m, const UserEvent&) {
    m.checkReceiptPrinter();
    if (!m.biz.paid && m.biz.ownFen > 0) {
        JournalStep step(*m.parts.journal, m.journalSession,
            { StepType::Payment, m.requestId("CASH"), m.biz.ownFen,
                "cash;staff=" + (m.staffUser ? m.staffUser->id : std::string()) });
        step.ok("cash received");
        m.failpoint("payment");
    }
    m.biz.method = "cash";
    m.biz.paid = true;
    m.runComplete();
    return std::nullopt;
}

std::unique_ptr<Business> makePayment() {
    return std::make_unique<Payment>();
}

} // namespace hc::kiosk::core
