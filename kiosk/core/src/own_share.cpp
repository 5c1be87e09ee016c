// Paying the patient's own share, shared by registration, payment and top-up: the payment
// means screen (e-purse with its balance, QR, cash disabled at the kiosk), insurance settled
// first, then the e-purse debit (card_debit: money moves only on a verified MAC2) or the QR order
// (payment, polled every 2 s and on "我已支付"), then the flow's `complete`; the result screen.
#include "business.hpp"
#include "external_call.hpp"

namespace hc::kiosk::core {

namespace {

using Kind = UserEvent::Kind;

} // namespace

class OwnShare final : public Business {
public:
    const char* name() const override { return "own_share"; }
    void registerHandlers(HandlerTable& t) override {
        t.loader("pay_methods", &OwnShare::payMethods);
        t.handler("pay", &OwnShare::pay);
        t.loader("qr_order", &OwnShare::qrOrder);
        t.handler("qr_check", &OwnShare::qrCheck);
        t.loader("result", &OwnShare::result);
    }

private:
    static void payMethods(Impl& m);
    static std::optional<std::string> pay(Impl& m, const UserEvent& e);
    static void qrOrder(Impl& m);
    static std::optional<std::string> qrCheck(Impl& m, const UserEvent& e);
    static void result(Impl& m);
    static void settleInsurance(Impl& m);
    static PurseResult debitPurse(Impl& m);
    static PurseResult settleLostDebit(Impl& m, JournalStep& step, const PurseResult& lost);
};

void OwnShare::payMethods(Impl& m) {
    const bool topup = m.flow->business == "topup";
    if (!topup) {
        bool purse = false;
        std::string detail = "本卡无电子钱包";
        try {
            purse = m.card->hasPurse();
            if (purse) {
                const auto b = m.card->balance();
                detail = "余额 " + yuan(b) + " 元";
                m.data["balanceFen"] = b;
            }
        } catch (const std::exception&) {
            detail = "读卡失败";
            purse = false;
        }
        m.items.push_back(item("purse", "健康卡电子钱包", detail, !purse));
    }
    m.items.push_back(item("qr", "微信/支付宝扫码",
        m.parts.gateway == nullptr ? "本机暂不支持" : "", m.parts.gateway == nullptr));
    if (topup) {
        m.items.push_back(item("cash", "现金", "本机不收现金，请到人工窗口", true));
    }
    m.data["amountFen"] = m.biz.ownFen;
    m.data["totalFen"] = m.biz.totalFen;
    if (m.biz.quote && m.parts.insurance != nullptr) {
        m.data["insuranceFen"] = m.biz.quote->fundFen;
        m.message = "医保支付 " + yuan(m.biz.quote->fundFen) + " 元，个人支付 " + yuan(m.biz.ownFen)
            + " 元";
    } else {
        m.message = "应付 " + yuan(m.biz.ownFen) + " 元";
    }
}

std::optional<std::string> OwnShare::pay(Impl& m, const UserEvent& e) {
    m.checkReceiptPrinter();
    settleInsurance(m);
    m.biz.method = e.value;
    if (m.biz.paid || m.biz.ownFen == 0) {
        m.biz.paid = true;
        m.runComplete();
        return std::nullopt;
    }
    if (e.value == "qr") {
        return std::string("qr_pay");
    }
    const auto r = debitPurse(m);
    m.failpoint("card_debit");
    m.biz.paid = true;
    m.biz.balanceAfter = r.balanceAfter;
    m.runComplete();
    return std::nullopt;
}

void OwnShare::settleInsurance(Impl& m) {
    // Insurance first (the brief's order); a later failure is struck by recovery.
    if (!m.biz.quote || m.biz.quote->fundFen <= 0 || m.biz.insuranceSettled
        || m.parts.insurance == nullptr) {
        return;
    }
    const auto rid = m.requestId("INS");
    ExternalCall call(
        m, { StepType::InsuranceSettle, rid, m.biz.quote->fundFen, m.biz.quote->reference });
    call.service([&] { return m.parts.insurance->settle(*m.biz.quote, rid); },
        [](const std::string& settlement) { return settlement; },
        KioskError(
            "insurance_failed", "医保结算未成功，未扣除个人费用，请稍后重试", NextStep::Retry));
    m.biz.insuranceSettled = true;
    m.failpoint("insurance_settle");
}

PurseResult OwnShare::debitPurse(Impl& m) {
    ExternalCall call(m,
        { StepType::CardDebit, m.requestId("DEBIT"), m.biz.ownFen,
            m.cardField() + balanceBefore(*m.card) });
    PurseResult r;
    try {
        r = m.card->purchase(m.biz.ownFen);
        m.failpoint("card_debit_answered");
    } catch (const std::exception& ex) {
        call.step().failed(ex.what()); // before the commit: nothing moved
        throw;
    }
    const auto verdict = call.purse(r);
    if (verdict == PurseVerdict::Unknown && r.status == PurseStatus::Done) {
        // The card says 9000 but its MAC2 was not accepted by the PSAM: a counterfeit or a
        // broken card. Not paid; recovery asks the card for its proof, staff look at it.
        throw KioskError("card_debit_unverified",
            "卡片扣款未通过安全校验，本次未计为已付款；请勿重复支付，请联系工作人员核实",
            NextStep::CallStaff);
    }
    if (verdict == PurseVerdict::Unknown) {
        return settleLostDebit(m, call.step(), r);
    }
    if (verdict == PurseVerdict::NotMoved) {
        if (r.insufficientFunds) {
            throw KioskError(
                "insufficient_funds", "余额不足，请充值或扫码支付", NextStep::FixInput);
        }
        throw KioskError("card_debit_failed", "卡片扣款未成功，未扣除费用，请重新插卡后重试",
            NextStep::ReinsertCard);
    }
    return r;
}

PurseResult OwnShare::settleLostDebit(Impl& m, JournalStep& step, const PurseResult& lost) {
    // Ask the card at once (GET TRANSACTION PROOF): never debit again blindly.
    PurseResult s;
    try {
        s = m.card->settle(lost.pending);
    } catch (const std::exception&) {
        s.status = PurseStatus::Unknown;
    }
    const auto found = settledStatus(s);
    if (found == StepStatus::Ok) {
        m.parts.journal->resolveStep(step.id(), StepStatus::Ok, "proof " + s.tac);
        return s;
    }
    if (found == StepStatus::Failed) {
        m.parts.journal->resolveStep(step.id(), StepStatus::Failed, "no proof: not debited");
        throw KioskError("card_debit_failed", "扣款未成功，未扣除费用，请重试", NextStep::Retry);
    }
    throw KioskError("card_debit_unknown", "扣款结果待核实，请勿拔卡并联系工作人员；不会重复扣款",
        NextStep::CallStaff);
}

void OwnShare::qrOrder(Impl& m) {
    if (m.parts.gateway == nullptr) {
        throw KioskError("qr_unavailable", "本机暂不支持扫码支付", NextStep::CheckConfiguration);
    }
    const auto rid = m.requestId("PAY");
    if (!m.biz.payStep) {
        m.biz.payStep = std::make_unique<JournalStep>(*m.parts.journal, m.journalSession,
            StepRequest { StepType::Payment, rid, m.biz.ownFen, "qr" });
        try {
            m.biz.order = m.parts.gateway->createOrder(rid, m.biz.ownFen, m.flow->label);
        } catch (const ServiceError& e) {
            journalOutcome(*m.biz.payStep, e);
            m.biz.payStep.reset();
            throw KioskError(
                "gateway_unavailable", "支付平台暂时无法连接，请选择其他支付方式", NextStep::Retry);
        }
    }
    m.data = json::object { { "qr", m.biz.order ? m.biz.order->qrText : "" },
        { "amountFen", m.biz.ownFen }, { "order", rid } };
    m.message = "请用微信或支付宝扫码支付 " + yuan(m.biz.ownFen) + " 元";
}

std::optional<std::string> OwnShare::qrCheck(Impl& m, const UserEvent& e) {
    if (!m.pollOrder(e.kind != Kind::Tick)) {
        return std::nullopt;
    }
    m.runComplete();
    const auto* s = m.currentStep();
    return s->next;
}

void OwnShare::result(Impl& m) {
    m.showResult();
}

std::unique_ptr<Business> makeOwnShare() {
    return std::make_unique<OwnShare>();
}

} // namespace hc::kiosk::core
