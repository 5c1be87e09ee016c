// Refunds (退费, flow 80-refund at the cashier window) and appointment cancellations (退号: flow
// 15-cancel-appointment at the kiosk with the patient's own card, 85-cancel-window at the cashier
// window with a supervisor's approval). One pipeline for both:
//   1. where the money came from, read from the journal session that paid (the invoice's request
//      id is "<session>-HIS", the appointment's "<session>-BOOK"); nothing is refunded while a
//      step of that payment has no known outcome (kiosk-reference §1.4) or once it was refunded;
//   2. 退费: insurance cancel, then the HIS refund (his_refund); 退号: the HIS cancellation first
//      (his_cancel_appointment; the HIS may refuse it after its cut-off, then nothing was done),
//      then the insurance cancel. The HIS step's detail carries the whole plan (means, the paying
//      step, the own share, the card key), so recovery finishes a refund the kiosk did not;
//   3. the money back the way it came: e-purse -> a load onto the same card (card_refund_load,
//      authorised by the issuer like a top-up), QR -> gateway refund, cash -> due at the window;
//   4. the receipt.
// Every external step is a JournalStep; an unknown outcome is queried at once (findRefund,
// findCancellation, the card's transaction proof) and never repeated blind.
#include "hc/kiosk/core/card_key.hpp"
#include "hc/kiosk/core/purse_journal.hpp"
#include "refund_helpers.hpp"

namespace hc::kiosk::core {

PatientCard* Engine::Impl::refundCard() {
    return cashier() ? windowCard.get() : card.get();
}

const CardIdentity& Engine::Impl::refundCardWho() const {
    return cashier() ? windowWho : who;
}

void Engine::Impl::planFromPayment(const std::string& paySession) {
    const auto steps = parts.journal->steps(paySession);
    if (steps.empty()) {
        throw KioskError("refund_not_ours",
            biz.v["kind"] == "appointment" ? "该挂号不是在本终端缴费，请到人工窗口退号"
                                           : "该发票不是本终端收费，请在医院收费系统中退费",
            NextStep::CallStaff);
    }
    biz.method = "none";
    biz.ownFen = 0;
    for (const auto& s : steps) {
        const bool forward = s.type == StepType::Payment || s.type == StepType::CardDebit
            || s.type == StepType::InsuranceSettle || s.type == StepType::HisConfirm
            || s.type == StepType::HisRegister;
        if (forward && (s.status == StepStatus::Pending || s.status == StepStatus::Unknown)) {
            throw KioskError("refund_outcome_unknown",
                "原交易结果待核实（对账中），暂不能退费，请稍后再试", NextStep::CallStaff);
        }
        const bool moneyBack = s.type == StepType::PaymentRefund
            || s.type == StepType::CardDebitReverse || s.type == StepType::InsuranceStrike;
        if (moneyBack && s.status == StepStatus::Ok) {
            throw KioskError(
                "already_refunded", "该笔费用已退回，请勿重复退费", NextStep::FixInput);
        }
        if (s.status != StepStatus::Ok) {
            continue;
        }
        if (s.type == StepType::InsuranceSettle) {
            biz.v["insRid"] = s.requestId;
            biz.v["insStep"] = std::to_string(s.id);
            biz.v["insFen"] = std::to_string(s.amountFen);
        } else if (s.type == StepType::Payment || s.type == StepType::CardDebit) {
            biz.method = s.type == StepType::CardDebit ? "purse"
                : s.detail.rfind("cash", 0) == 0       ? "cash"
                                                       : "qr";
            biz.v["payRid"] = s.requestId;
            biz.v["payStep"] = std::to_string(s.id);
            biz.v["card"] = fieldOf(s.detail, "card");
            biz.ownFen = s.amountFen;
        }
    }
    biz.v["means"] = biz.method;
}

bool Engine::Impl::settlePriorRefundLoad() {
    const auto payStep = number(biz.v, "payStep");
    // A load of this refund already journaled: settle an unknown one first, never load twice.
    for (const auto& s : parts.journal->steps(journalSession)) {
        if (s.type != StepType::CardRefundLoad || s.compensates != payStep) {
            continue;
        }
        if (s.status == StepStatus::Ok) {
            return true;
        }
        if (s.status == StepStatus::Pending || s.status == StepStatus::Unknown) {
            auto* c = refundCard();
            std::optional<StepStatus> found;
            if (c != nullptr && keys().matches(biz.v["card"], refundCardWho().cardNumber)) {
                if (!pendingOf(s.reason).empty()) {
                    // The transaction proof: Ok only when verified.
                    found = settledStatus(c->settle(pendingOf(s.reason)));
                } else if (const auto b = fieldOf(s.detail, "before"); !b.empty()) {
                    // Cut off mid-call, no transaction: the balance before decides.
                    const auto now = c->balance();
                    found = now == std::stoll(b) + s.amountFen ? std::optional(StepStatus::Ok)
                        : now == std::stoll(b)                 ? std::optional(StepStatus::Failed)
                                                               : std::nullopt;
                }
            }
            if (!found) {
                throw KioskError("card_refund_unknown",
                    "圈存结果待核实，请勿拔卡、勿重复退款，工作人员将核对卡内交易记录",
                    NextStep::CallStaff);
            }
            parts.journal->resolveStep(s.id, *found, "settled at the retry (proof or balance)");
            if (*found == StepStatus::Ok) {
                return true;
            }
        }
    }
    return false;
}

bool Engine::Impl::refundToCard(std::int64_t ownFen, const std::string& note) {
    if (settlePriorRefundLoad()) {
        return true;
    }
    const auto payStep = number(biz.v, "payStep");
    auto* c = refundCard();
    if (c == nullptr || !keys().matches(biz.v["card"], refundCardWho().cardNumber)) {
        return false;
    }
    const auto before = c->balance();
    JournalStep step(*parts.journal, journalSession,
        { StepType::CardRefundLoad,
            requestId("REFUND-LOAD-" + std::to_string(parts.journal->steps(journalSession).size())),
            ownFen, "card=" + biz.v["card"] + ";before=" + std::to_string(before) + ";" + note,
            payStep });
    PurseResult r;
    try {
        r = c->load(ownFen);
    } catch (const std::exception& ex) {
        // The credit may or may not have reached the card: the balance decides later.
        step.unknown(ex.what());
        throw KioskError("card_refund_unknown",
            "圈存结果待核实，请勿拔卡、勿重复退款，工作人员将核对卡内交易记录",
            NextStep::CallStaff);
    }
    const auto verdict = journalPurse(step, r);
    if (verdict == PurseVerdict::Unknown && r.status != PurseStatus::Done) {
        PurseResult s;
        try {
            s = c->settle(r.pending);
        } catch (const std::exception&) {
            s.status = PurseStatus::Unknown;
        }
        const auto found = settledStatus(s);
        if (found == StepStatus::Ok) {
            parts.journal->resolveStep(step.id(), StepStatus::Ok, "proof " + s.tac);
            r = s;
        } else if (found == StepStatus::Failed) {
            parts.journal->resolveStep(step.id(), StepStatus::Failed, "no proof: not loaded");
            throw KioskError("card_refund_failed", "圈存未成功，卡内金额未变，请重新插卡后重试",
                NextStep::ReinsertCard);
        } else {
            throw KioskError("card_refund_unknown",
                "圈存结果待核实，请勿拔卡、勿重复退款，工作人员将核对卡内交易记录",
                NextStep::CallStaff);
        }
    } else if (verdict == PurseVerdict::Unknown) {
        // The card answered the credit, but its TAC does not verify: not counted as refunded.
        throw KioskError("card_refund_unknown",
            "圈存结果待核实，请勿拔卡、勿重复退款，工作人员将核对卡内交易记录",
            NextStep::CallStaff);
    } else if (verdict == PurseVerdict::NotMoved) {
        throw KioskError("card_refund_failed", "圈存未成功，卡内金额未变，请重新插卡后重试",
            NextStep::ReinsertCard);
    }
    failpoint("card_refund_load");
    biz.v["balanceAfter"] = std::to_string(r.balanceAfter);
    return true;
}

void Engine::Impl::refundMoney(
    const std::string& means, std::int64_t ownFen, const std::string& note) {
    const auto payStep = number(biz.v, "payStep");
    const auto& payRid = biz.v["payRid"];
    if (means == "cash" || means == "cash_for_purse") {
        JournalStep step(*parts.journal, journalSession,
            { StepType::PaymentRefund, requestId("CASH-REFUND"), ownFen,
                "cash;means=" + means + ";" + note, payStep });
        step.ok("cash refund due at the cashier window (staff pays it back)");
        return;
    }
    if (means != "qr") {
        throw KioskError("refund_means", "该支付方式无法原路退款，请联系主管", NextStep::CallStaff);
    }
    if (parts.gateway == nullptr) {
        throw KioskError("gateway_unavailable", "本终端未连接支付平台，无法原路退款，请联系主管",
            NextStep::CallStaff);
    }
    const auto rid = requestId("QR-REFUND");
    JournalStep step(*parts.journal, journalSession,
        { StepType::PaymentRefund, rid, ownFen, "qr;" + note, payStep });
    try {
        parts.gateway->refund(payRid, ownFen, rid);
        step.ok("refunded");
    } catch (const ServiceError& ex) {
        std::optional<OrderState> st;
        if (ex.outcome() == CallOutcome::Unknown) {
            step.unknown(ex.what()); // then queried: never refunded twice or blind
            try {
                st = parts.gateway->query(payRid);
            } catch (const std::exception&) { }
            if (!st) {
                throw KioskError("refund_payment_unknown",
                    "退款结果待核实，请勿重复退款，工作人员将核对", NextStep::CallStaff);
            }
            if (*st == OrderState::Refunded) {
                parts.journal->resolveStep(step.id(), StepStatus::Ok, "queried: refunded");
                return;
            }
            parts.journal->resolveStep(step.id(), StepStatus::Failed, "queried: not refunded");
        } else {
            step.failed(ex.what());
        }
        throw KioskError("refund_payment_failed", "原路退款未成功，请重试", NextStep::Retry);
    }
}

std::string Engine::Impl::refundStaffNote() {
    return "staff=" + (biz.v["cashier"].empty() ? "-" : biz.v["cashier"])
        + ";supervisor=" + (biz.v["supervisor"].empty() ? "-" : biz.v["supervisor"]);
}

void Engine::Impl::refundInsurance() {
    const bool appointment = biz.v["kind"] == "appointment";
    if (!biz.v.count("insRid") || biz.v.count("insDone")) {
        return;
    }
    if (parts.insurance == nullptr) {
        throw KioskError("insurance_unavailable",
            appointment ? "本终端未连接医保，医保部分撤销待办，请联系主管"
                        : "本终端未连接医保，无法撤销医保结算，未退任何费用",
            NextStep::CallStaff);
    }
    const auto rid = requestId("INS-CANCEL");
    JournalStep step(*parts.journal, journalSession,
        { StepType::InsuranceStrike, rid, number(biz.v, "insFen"),
            std::string(appointment ? "cancel appointment=" : "refund invoice=") + biz.v["target"]
                + ";" + refundStaffNote(),
            number(biz.v, "insStep") });
    try {
        parts.insurance->strike(biz.v["insRid"], rid);
        step.ok("cancelled");
        biz.v["insDone"] = "1";
    } catch (const ServiceError& ex) {
        journalOutcome(step, ex);
        throw KioskError("refund_insurance_failed",
            appointment ? "医保撤销未完成，请稍后重试（号已退，不会重复退号）"
                        : "医保撤销未完成，未退任何费用，请稍后重试",
            NextStep::Retry);
    }
}

std::string Engine::Impl::refundPlan() {
    std::string plan = "means=" + biz.v["means"] + ";pay=" + biz.v["payRid"]
        + ";payStep=" + biz.v["payStep"] + ";own=" + std::to_string(biz.ownFen);
    if (!biz.v["card"].empty()) {
        plan += ";card=" + biz.v["card"];
    }
    if (biz.v.count("insRid")) {
        plan += ";insStep=" + biz.v["insStep"] + ";insRid=" + biz.v["insRid"]
            + ";insFen=" + biz.v["insFen"];
    }
    return plan;
}

void Engine::Impl::refundAtHis() {
    const bool appointment = biz.v["kind"] == "appointment";
    const auto& target = biz.v["target"];
    const auto rid = requestId(appointment ? "HIS-CANCEL" : "HIS-REFUND");
    // The step's detail holds the whole plan: recovery finishes a refund the kiosk did not.
    JournalStep step(*parts.journal, journalSession,
        { appointment ? StepType::HisCancelAppointment : StepType::HisRefund, rid, biz.totalFen,
            std::string(appointment ? "appointment=" : "his refund invoice=") + target + ";"
                + refundPlan() + ";" + refundStaffNote() });
    try {
        if (appointment) {
            parts.his->cancelAppointment(target, rid);
        } else {
            parts.his->refund(target, "收费窗口退费 " + refundStaffNote(), rid);
        }
        step.ok(target);
    } catch (const his::HisOutcomeUnknown& ex) {
        step.unknown(ex.what()); // then queried: never done twice or refunded blind
        queryLostHisRefund(step, rid, ex.what());
    } catch (const his::HisConflict& ex) {
        step.failed(ex.what());
        throw KioskError("already_refunded",
            appointment ? "该预约已退号，请勿重复退号" : "该发票已退费，请勿重复退费",
            NextStep::FixInput);
    } catch (const his::HisRefused& ex) {
        step.failed(ex.what());
        throw KioskError(appointment ? "cancel_refused" : "refund_refused",
            appointment ? "已超过退号截止时间或已就诊，医院系统不允许退号；未退任何费用"
                        : "医院系统拒绝退费，未退任何费用，请联系主管",
            NextStep::CallStaff);
    } catch (const his::HisError& ex) {
        step.failed(ex.what());
        throw KioskError(
            "his_unavailable", "医院系统暂时无法连接，未退任何费用，请稍后重试", NextStep::Retry);
    }
    biz.v["hisDone"] = "1";
    biz.paid = true; // the refund is committed: no way back to change the means
    failpoint(appointment ? "his_cancel_appointment" : "his_refund");
}

void Engine::Impl::queryLostHisRefund(
    JournalStep& step, const std::string& rid, const std::string& why) {
    const bool appointment = biz.v["kind"] == "appointment";
    bool done = false;
    try {
        done = appointment ? parts.his->findCancellation(rid).has_value()
                           : parts.his->findRefund(rid).has_value();
    } catch (const his::HisError&) {
        throw KioskError("refund_his_unknown", "医院系统结果待核实，未退还任何款项，请稍后重试",
            NextStep::CallStaff);
    }
    if (!done) {
        parts.journal->resolveStep(step.id(), StepStatus::Failed, "not done (queried): " + why);
        throw KioskError("refund_his_failed", "医院系统未完成，请重试", NextStep::Retry);
    }
    parts.journal->resolveStep(step.id(), StepStatus::Ok, "queried: done");
}

std::optional<std::string> Engine::Impl::runRefund() {
    const bool appointment = biz.v["kind"] == "appointment";
    // 1. 退费: the insurance settlement is cancelled before the HIS refund.
    if (!appointment) {
        refundInsurance();
    }
    // 2. The HIS: refund the invoice / cancel the appointment (queried after a lost reply).
    if (!biz.v.count("hisDone")) {
        refundAtHis();
    }
    // 3. 退号: the insurance part after the HIS let the appointment go.
    if (appointment) {
        refundInsurance();
    }
    // 4. The money back the way it came.
    if (biz.ownFen > 0 && !biz.v.count("moneyDone")) {
        const auto note = "refund of " + biz.v["payRid"] + ";" + refundStaffNote();
        if (biz.v["means"] == "purse") {
            if (!refundToCard(biz.ownFen, note)) {
                return std::string("refund_card"); // the cashier inserts the patient's card
            }
        } else {
            refundMoney(biz.v["means"], biz.ownFen, note);
        }
        biz.v["moneyDone"] = "1";
    }
    finishRefund();
    return std::nullopt;
}

void Engine::Impl::finishRefund() {
    const bool appointment = biz.v["kind"] == "appointment";
    const auto& target = biz.v["target"];
    const auto means = biz.v["means"];
    const auto insFen = number(biz.v, "insFen");
    biz.completed = true;
    std::string msg = appointment ? "退号成功" : "退费成功";
    if (means == "cash" || means == "cash_for_purse") {
        msg += "，请退还患者现金 " + yuan(biz.ownFen) + " 元";
        if (!cashier()) {
            msg = "退号成功，现金 " + yuan(biz.ownFen) + " 元请到人工窗口领取";
        }
    } else if (means == "purse" && biz.ownFen > 0) {
        msg += "，" + yuan(biz.ownFen) + " 元已圈存回卡，卡内余额 "
            + yuan(number(biz.v, "balanceAfter")) + " 元";
    } else if (means == "qr") {
        msg += "，款项将原路退回";
    }
    biz.resultMessage = msg;
    biz.result = json::object { { appointment ? "appointment" : "invoice", target },
        { "totalFen", biz.totalFen }, { "insuranceFen", insFen }, { "ownFen", biz.ownFen },
        { "paidBy", biz.method }, { "refundTo", means }, { "supervisor", biz.v["supervisor"] } };
    if (means == "purse") {
        biz.result["balanceFen"] = number(biz.v, "balanceAfter");
        if (biz.ownFen > 0) {
            biz.balanceAfter = number(biz.v, "balanceAfter");
        }
    }
    resultLine(appointment ? "预约号" : "发票号", target);
    resultLine("合计", yuan(biz.totalFen) + " 元");
    resultLine("医保撤销", yuan(insFen) + " 元");
    resultLine("退还个人", yuan(biz.ownFen) + " 元，" + meansText(means));
    std::vector<std::string> lines { std::string(appointment ? "预约号: " : "发票号: ") + target };
    if (appointment && !biz.v["label"].empty()) {
        lines.push_back("就诊时间: " + biz.v["label"]);
    }
    lines.push_back("合计: " + yuan(biz.totalFen) + " 元");
    lines.push_back("医保撤销: " + yuan(insFen) + " 元");
    lines.push_back("退还个人: " + yuan(biz.ownFen) + " 元 (" + meansText(means) + ")");
    if (cashier()) {
        lines.push_back("收费员: " + biz.v["cashier"] + "  授权主管: " + biz.v["supervisor"]);
    }
    printReceipt(appointment ? "退号凭条" : "退费凭条", lines);
}

} // namespace hc::kiosk::core
