// The business handlers the flow files name: registration, payment, top-up, balance and history,
// report printing. Each external step is journaled with JournalStep.
#include "engine_impl.hpp"
#include "hc/kiosk/core/card_key.hpp"
#include "hc/kiosk/core/purse_journal.hpp"

#include <algorithm>
#include <csignal>
#include <fstream>
#include <unistd.h>

namespace hc::kiosk::core {

namespace {

using Kind = UserEvent::Kind;

std::string hhmm(const std::string& isoLocal) {
    // YYYY-MM-DDTHH:MM:00+08:00 -> HH:MM
    return isoLocal.size() >= 16 ? isoLocal.substr(11, 5) : isoLocal;
}

/** Parses a yuan amount typed by the patient ("100", "100.5", "100.50") into fen. */
std::optional<std::int64_t> parseYuan(const std::string& s) {
    if (s.empty() || s.size() > 9) {
        return std::nullopt;
    }
    std::int64_t whole = 0;
    std::int64_t frac = 0;
    int fracDigits = -1;
    for (const char c : s) {
        if (c == '.') {
            if (fracDigits >= 0) {
                return std::nullopt;
            }
            fracDigits = 0;
        } else if (c >= '0' && c <= '9') {
            if (fracDigits < 0) {
                whole = whole * 10 + (c - '0');
            } else if (fracDigits < 2) {
                frac = frac * 10 + (c - '0');
                ++fracDigits;
            } else {
                return std::nullopt;
            }
        } else {
            return std::nullopt;
        }
    }
    if (fracDigits == 1) {
        frac *= 10;
    }
    return whole * 100 + frac;
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

} // namespace

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
    // ----- registration -----
    loaders["departments"] = [](Impl& m) {
        std::vector<his::Department> all;
        try {
            all = m.parts.his->departments();
        } catch (const his::HisError& e) {
            throw hisError(e);
        }
        std::map<std::string, std::string> names;
        bool twoLevels = false;
        for (const auto& d : all) {
            names[d.id] = d.name;
            twoLevels = twoLevels || !d.parentId.empty();
        }
        for (const auto& d : all) {
            if (!twoLevels || !d.parentId.empty()) {
                m.items.push_back(item(d.id, d.name, d.parentId.empty() ? "" : names[d.parentId]));
            }
        }
        m.message = "共 " + std::to_string(m.items.size()) + " 个科室";
    };
    handlers["pick_department"] = [](Impl& m, const UserEvent& e) -> std::optional<std::string> {
        m.biz.v["department"] = e.value;
        for (const auto& i : m.items) {
            if (i.at("id").as_string() == e.value) {
                m.biz.v["department_name"] = std::string(i.at("label").as_string());
            }
        }
        return std::nullopt;
    };
    loaders["doctors"] = [](Impl& m) {
        std::vector<his::Doctor> doctors;
        try {
            doctors = m.parts.his->doctors(m.biz.v["department"]);
        } catch (const his::HisError& e) {
            throw hisError(e);
        }
        for (const auto& d : doctors) {
            m.items.push_back(item(d.id, d.name, d.title));
        }
        m.message = m.biz.v["department_name"];
        if (doctors.empty()) {
            m.message += "：今日无出诊医生";
        }
    };
    handlers["pick_doctor"] = [](Impl& m, const UserEvent& e) -> std::optional<std::string> {
        m.biz.v["doctor"] = e.value;
        for (const auto& i : m.items) {
            if (i.at("id").as_string() == e.value) {
                m.biz.v["doctor_name"] = std::string(i.at("label").as_string());
                m.biz.v["doctor_title"] = std::string(i.at("detail").as_string());
            }
        }
        return std::nullopt;
    };
    loaders["slots"] = [](Impl& m) {
        std::vector<his::Slot> slots;
        try {
            slots = m.parts.his->slots(m.biz.v["doctor"], m.parts.clock->today());
        } catch (const his::HisError& e) {
            throw hisError(e);
        }
        json::object prices;
        for (const auto& s : slots) {
            const bool free = s.status == "free";
            m.items.push_back(item(s.id, hhmm(s.start) + "-" + hhmm(s.end),
                free ? "挂号费 " + yuan(s.priceFen) + " 元" : "已约满", !free));
            prices[s.id] = s.priceFen;
        }
        m.data["priceFen"] = std::move(prices);
        m.message = m.biz.v["doctor_name"] + " " + m.biz.v["doctor_title"];
        if (slots.empty()) {
            m.message += "：今日已无号";
        }
    };
    handlers["hold_slot"] = [](Impl& m, const UserEvent& e) -> std::optional<std::string> {
        const auto price = m.data.at("priceFen").as_object().at(e.value).as_int64();
        JournalStep step(*m.parts.journal, m.journalSession,
            { StepType::HisLockSlot, m.requestId("HOLD"), price,
                "slot=" + e.value + ";session=" + m.journalSession });
        try {
            m.parts.his->holdSlot(e.value, m.journalSession, m.requestId("HOLD"));
            step.ok(e.value);
        } catch (const his::HisConflict& ex) {
            step.failed(ex.what());
            throw KioskError("slot_taken", "该时段刚被他人选中，请另选时间", NextStep::Retry);
        } catch (const his::HisUnavailable& ex) {
            step.failed(ex.what());
            throw hisError(ex);
        } catch (const his::HisRefused& ex) {
            step.failed(ex.what());
            throw hisError(ex);
        } catch (const his::HisError& ex) {
            step.unknown(ex.what());
            throw hisError(ex);
        }
        m.biz.v["slot"] = e.value;
        for (const auto& i : m.items) {
            if (i.at("id").as_string() == e.value) {
                m.biz.v["slot_label"] = std::string(i.at("label").as_string());
            }
        }
        m.biz.totalFen = price;
        m.biz.ownFen = price;
        return std::nullopt;
    };
    loaders["registration_summary"] = [](Impl& m) {
        m.data = json::object { { "department", m.biz.v["department_name"] },
            { "doctor", m.biz.v["doctor_name"] }, { "title", m.biz.v["doctor_title"] },
            { "date", m.parts.clock->today() }, { "time", m.biz.v["slot_label"] },
            { "feeFen", m.biz.totalFen } };
        m.items.push_back(item("department", "科室", m.biz.v["department_name"], true));
        m.items.push_back(
            item("doctor", "医生", m.biz.v["doctor_name"] + " " + m.biz.v["doctor_title"], true));
        m.items.push_back(
            item("time", "时间", m.parts.clock->today() + " " + m.biz.v["slot_label"], true));
        m.items.push_back(item("fee", "挂号费", yuan(m.biz.totalFen) + " 元", true));
    };
    completers["book_registration"] = [](Impl& m, const UserEvent&) -> std::optional<std::string> {
        auto& p = m.ensurePatient();
        const auto rid = m.requestId("BOOK");
        JournalStep step(*m.parts.journal, m.journalSession,
            { StepType::HisRegister, rid, m.biz.totalFen,
                "slot=" + m.biz.v["slot"] + ";patient=" + p.id + ";session=" + m.journalSession });
        his::Appointment a;
        try {
            a = m.parts.his->book(m.biz.v["slot"], p.id, m.journalSession, rid);
            step.ok(a.id);
            m.failpoint("his_register");
        } catch (const his::HisUnavailable& ex) {
            step.failed(ex.what());
            throw KioskError("book_failed", "挂号未成功，医院系统无法连接；已付费用将原路退回",
                NextStep::CallStaff);
        } catch (const his::HisRefused& ex) {
            step.failed(ex.what());
            throw KioskError(
                "book_failed", "挂号未成功，该号已不可用；已付费用将原路退回", NextStep::CallStaff);
        } catch (const his::HisError& ex) {
            step.unknown(ex.what());
            throw hisError(ex);
        }
        m.biz.resultMessage = "请于 " + m.biz.v["slot_label"] + " 前到 "
            + m.biz.v["department_name"] + " 候诊"
            + (m.parts.receipt != nullptr ? "，凭挂号凭条就诊" : "");
        m.biz.result = json::object { { "appointment", a.id },
            { "department", m.biz.v["department_name"] }, { "doctor", m.biz.v["doctor_name"] },
            { "time", m.parts.clock->today() + " " + m.biz.v["slot_label"] },
            { "feeFen", m.biz.totalFen }, { "paidBy", m.biz.method } };
        m.resultLine("预约号", a.id);
        m.resultLine("科室", m.biz.v["department_name"]);
        m.resultLine("医生", m.biz.v["doctor_name"] + " " + m.biz.v["doctor_title"]);
        m.resultLine("就诊时间", m.parts.clock->today() + " " + m.biz.v["slot_label"]);
        m.resultLine("挂号费", yuan(m.biz.totalFen) + " 元");
        m.printReceipt("挂号凭条",
            { "姓名: " + maskName(m.who.name), "科室: " + m.biz.v["department_name"],
                "医生: " + m.biz.v["doctor_name"],
                "时间: " + m.parts.clock->today() + " " + m.biz.v["slot_label"],
                "挂号费: " + yuan(m.biz.totalFen) + " 元", "预约号: " + a.id });
        return std::nullopt;
    };

    // ----- payment of unpaid items -----
    loaders["unpaid_items"] = [](Impl& m) {
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
    };
    handlers["presettle"] = [](Impl& m, const UserEvent&) -> std::optional<std::string> {
        const auto& ids = m.data.at("items").as_array();
        if (ids.empty()) {
            throw KioskError(
                "nothing_to_pay", "您没有待缴费用，请按“首页”返回", NextStep::FixInput);
        }
        m.biz.itemIds.clear();
        for (const auto& i : ids) {
            m.biz.itemIds.emplace_back(i.as_string());
        }
        m.biz.totalFen = m.data.at("totalFen").as_int64();
        InsuranceQuote q { "", m.biz.totalFen, 0, m.biz.totalFen };
        if (m.parts.insurance != nullptr) {
            const auto rid = m.requestId("PRE");
            JournalStep step(*m.parts.journal, m.journalSession,
                { StepType::InsurancePreSettle, rid, m.biz.totalFen });
            try {
                q = m.parts.insurance->preSettle(m.who, m.biz.itemIds, m.biz.totalFen, rid);
                step.ok(q.reference);
            } catch (const ServiceError& e) {
                journalOutcome(step, e);
                throw KioskError("insurance_unavailable",
                    "医保结算暂时无法办理，请稍后重试或到人工窗口缴费", NextStep::Retry);
            }
        }
        m.biz.quote = q;
        m.biz.ownFen = q.ownFen;
        return std::nullopt;
    };
    completers["confirm_payment"] = [](Impl& m, const UserEvent&) -> std::optional<std::string> {
        auto& p = m.ensurePatient();
        const auto rid = m.requestId("HIS");
        std::string detail = "items=";
        for (const auto& i : m.biz.itemIds) {
            detail += i + ",";
        }
        JournalStep step(*m.parts.journal, m.journalSession,
            { StepType::HisConfirm, rid, m.biz.totalFen, detail });
        his::Invoice inv;
        try {
            inv = m.parts.his->pay(p.id, m.biz.itemIds, m.biz.totalFen, rid);
            step.ok(inv.id);
            m.failpoint("his_confirm");
        } catch (const his::HisUnavailable& ex) {
            step.failed(ex.what());
            throw KioskError("his_confirm_failed",
                "缴费未完成，医院系统无法连接；已付费用将原路退回", NextStep::CallStaff);
        } catch (const his::HisRefused& ex) {
            step.failed(ex.what());
            throw KioskError("his_confirm_failed", "缴费未完成，医院系统拒绝；已付费用将原路退回",
                NextStep::CallStaff);
        } catch (const his::HisError& ex) {
            step.unknown(ex.what());
            throw hisError(ex);
        }
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
    };

    // ----- payment of the patient's own share (registration, payment, top-up) -----
    loaders["pay_methods"] = [](Impl& m) {
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
            m.message = "医保支付 " + yuan(m.biz.quote->fundFen) + " 元，个人支付 "
                + yuan(m.biz.ownFen) + " 元";
        } else {
            m.message = "应付 " + yuan(m.biz.ownFen) + " 元";
        }
    };
    handlers["pay"] = [](Impl& m, const UserEvent& e) -> std::optional<std::string> {
        m.checkReceiptPrinter();
        // Insurance first (the brief's order); a later failure is struck by recovery.
        if (m.biz.quote && m.biz.quote->fundFen > 0 && !m.biz.insuranceSettled
            && m.parts.insurance != nullptr) {
            const auto rid = m.requestId("INS");
            JournalStep step(*m.parts.journal, m.journalSession,
                { StepType::InsuranceSettle, rid, m.biz.quote->fundFen, m.biz.quote->reference });
            try {
                step.ok(m.parts.insurance->settle(*m.biz.quote, rid));
                m.biz.insuranceSettled = true;
                m.failpoint("insurance_settle");
            } catch (const ServiceError& ex) {
                if (ex.outcome() == CallOutcome::Unknown) {
                    step.unknown(ex.what());
                } else {
                    step.failed(ex.what());
                }
                throw KioskError("insurance_failed", "医保结算未成功，未扣除个人费用，请稍后重试",
                    NextStep::Retry);
            }
        }
        m.biz.method = e.value;
        if (m.biz.paid || m.biz.ownFen == 0) {
            m.biz.paid = true;
            m.runComplete();
            return std::nullopt;
        }
        if (e.value == "qr") {
            return std::string("qr_pay");
        }
        // The card's e-purse.
        const auto rid = m.requestId("DEBIT");
        JournalStep step(*m.parts.journal, m.journalSession,
            { StepType::CardDebit, rid, m.biz.ownFen, m.cardField() + balanceBefore(*m.card) });
        PurseResult r;
        try {
            r = m.card->purchase(m.biz.ownFen);
            m.failpoint("card_debit_answered");
        } catch (const std::exception& ex) {
            step.failed(ex.what());
            throw;
        }
        const auto verdict = journalPurse(step, r);
        if (verdict == PurseVerdict::Unknown && r.status == PurseStatus::Done) {
            // The card says 9000 but its MAC2 was not accepted by the PSAM: a counterfeit or a
            // broken card. Not paid; recovery asks the card for its proof, staff look at it.
            throw KioskError("card_debit_unverified",
                "卡片扣款未通过安全校验，本次未计为已付款；请勿重复支付，请联系工作人员核实",
                NextStep::CallStaff);
        }
        if (verdict == PurseVerdict::Unknown) {
            // Ask the card at once (GET TRANSACTION PROOF): never debit again blindly.
            PurseResult s;
            try {
                s = m.card->settle(r.pending);
            } catch (const std::exception&) {
                s.status = PurseStatus::Unknown;
            }
            const auto found = settledStatus(s);
            if (found == StepStatus::Ok) {
                m.parts.journal->resolveStep(step.id(), StepStatus::Ok, "proof " + s.tac);
                r = s;
            } else if (found == StepStatus::Failed) {
                m.parts.journal->resolveStep(
                    step.id(), StepStatus::Failed, "no proof: not debited");
                throw KioskError(
                    "card_debit_failed", "扣款未成功，未扣除费用，请重试", NextStep::Retry);
            } else {
                throw KioskError("card_debit_unknown",
                    "扣款结果待核实，请勿拔卡并联系工作人员；不会重复扣款", NextStep::CallStaff);
            }
        } else if (verdict == PurseVerdict::NotMoved) {
            if (r.insufficientFunds) {
                throw KioskError(
                    "insufficient_funds", "余额不足，请充值或扫码支付", NextStep::FixInput);
            }
            throw KioskError("card_debit_failed", "卡片扣款未成功，未扣除费用，请重新插卡后重试",
                NextStep::ReinsertCard);
        }
        m.failpoint("card_debit");
        m.biz.paid = true;
        m.biz.balanceAfter = r.balanceAfter;
        m.runComplete();
        return std::nullopt;
    };
    loaders["qr_order"] = [](Impl& m) {
        if (m.parts.gateway == nullptr) {
            throw KioskError(
                "qr_unavailable", "本机暂不支持扫码支付", NextStep::CheckConfiguration);
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
                throw KioskError("gateway_unavailable", "支付平台暂时无法连接，请选择其他支付方式",
                    NextStep::Retry);
            }
        }
        m.data = json::object { { "qr", m.biz.order ? m.biz.order->qrText : "" },
            { "amountFen", m.biz.ownFen }, { "order", rid } };
        m.message = "请用微信或支付宝扫码支付 " + yuan(m.biz.ownFen) + " 元";
    };
    handlers["qr_check"] = [](Impl& m, const UserEvent& e) -> std::optional<std::string> {
        if (!m.pollOrder(e.kind != Kind::Tick)) {
            return std::nullopt;
        }
        m.runComplete();
        const auto* s = m.currentStep();
        return s->next;
    };
    loaders["result"] = [](Impl& m) { m.showResult(); };

    // ----- cashier mode -----
    handlers["lookup_patient"] = [](Impl& m, const UserEvent& e) -> std::optional<std::string> {
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
            throw KioskError(
                "patient_not_found", "未找到该患者，请核对身份证号", NextStep::FixInput);
        }
        m.who = { p->idNumber, p->idNumber, p->name };
        m.patient = *p;
        return std::nullopt;
    };
    loaders["cash_summary"] = [](Impl& m) {
        m.data = json::object { { "amountFen", m.biz.ownFen }, { "totalFen", m.biz.totalFen } };
        m.message = "应收现金 " + yuan(m.biz.ownFen) + " 元（患者 " + maskName(m.who.name) + "）";
    };
    handlers["cash_pay"] = [](Impl& m, const UserEvent&) -> std::optional<std::string> {
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
    };

    // ----- shift close (结班): the open shift's sessions from the journal + settlementd -----
    loaders["shift_report"] = [](Impl& m) {
        struct Totals {
            std::int64_t cashN = 0, cashFen = 0, qrN = 0, qrFen = 0, purseN = 0, purseFen = 0;
            std::int64_t insN = 0, insFen = 0, refundN = 0, refundFen = 0, insRefundN = 0,
                         insRefundFen = 0, loadN = 0, loadFen = 0, cashRefundFen = 0;
        };
        std::map<std::string, Totals> byStaff;
        for (const auto& [session, staff] : m.shiftSessions) {
            if (session == m.journalSession) {
                continue;
            }
            auto& t = byStaff[staff];
            for (const auto& s : m.parts.journal->steps(session)) {
                if (s.status != StepStatus::Ok) {
                    continue;
                }
                switch (s.type) {
                case StepType::Payment:
                    if (s.detail.rfind("cash", 0) == 0) {
                        ++t.cashN;
                        t.cashFen += s.amountFen;
                    } else {
                        ++t.qrN;
                        t.qrFen += s.amountFen;
                    }
                    break;
                case StepType::CardDebit:
                    ++t.purseN;
                    t.purseFen += s.amountFen;
                    break;
                case StepType::CardLoad:
                    ++t.loadN;
                    t.loadFen += s.amountFen;
                    break;
                case StepType::InsuranceSettle:
                    ++t.insN;
                    t.insFen += s.amountFen;
                    break;
                case StepType::PaymentRefund:
                case StepType::CardDebitReverse:
                case StepType::CardRefundLoad:
                    ++t.refundN;
                    t.refundFen += s.amountFen;
                    if (s.type == StepType::PaymentRefund && s.detail.rfind("cash", 0) == 0) {
                        t.cashRefundFen += s.amountFen; // paid out of the drawer
                    }
                    break;
                case StepType::InsuranceStrike:
                    ++t.insRefundN;
                    t.insRefundFen += s.amountFen;
                    break;
                default:
                    break;
                }
            }
        }
        json::array staffRows;
        std::vector<std::string> lines;
        const auto n = [](std::int64_t c, std::int64_t fen) {
            return std::to_string(c) + " 笔 " + yuan(fen) + " 元";
        };
        for (const auto& [staff, t] : byStaff) {
            const std::string label = staff == "-" ? "自助" : "收费员 " + staff;
            staffRows.push_back(json::object { { "staff", staff }, { "cashCount", t.cashN },
                { "cashFen", t.cashFen }, { "qrCount", t.qrN }, { "qrFen", t.qrFen },
                { "purseCount", t.purseN }, { "purseFen", t.purseFen },
                { "insuranceCount", t.insN }, { "insuranceFundFen", t.insFen },
                { "refundCount", t.refundN }, { "refundFen", t.refundFen },
                { "insuranceRefundCount", t.insRefundN },
                { "insuranceRefundFundFen", t.insRefundFen }, { "loadCount", t.loadN },
                { "loadFen", t.loadFen },
                { "netCashFen", t.cashFen - (staff == "-" ? 0 : t.cashRefundFen) } });
            const auto detail = "现金 " + n(t.cashN, t.cashFen) + "；扫码 " + n(t.qrN, t.qrFen)
                + "；电子钱包 " + n(t.purseN, t.purseFen) + "；医保统筹 " + n(t.insN, t.insFen)
                + "；退费 " + n(t.refundN, t.refundFen) + "（医保撤销 "
                + n(t.insRefundN, t.insRefundFen) + "）";
            m.items.push_back(item(staff, label, detail, true));
            lines.push_back(label + ":");
            lines.push_back("  现金 " + n(t.cashN, t.cashFen));
            lines.push_back("  扫码 " + n(t.qrN, t.qrFen));
            lines.push_back("  电子钱包 " + n(t.purseN, t.purseFen));
            lines.push_back("  医保统筹 " + n(t.insN, t.insFen));
            lines.push_back("  圈存 " + n(t.loadN, t.loadFen));
            lines.push_back("  退费 " + n(t.refundN, t.refundFen));
            lines.push_back("  医保撤销 " + n(t.insRefundN, t.insRefundFen));
        }
        json::value insurance = nullptr;
        if (m.parts.insurance != nullptr) {
            try {
                if (const auto ins = m.parts.insurance->shiftTotals(m.requestId("SHIFT"))) {
                    json::array rows;
                    for (const auto& l : ins->lines) {
                        rows.push_back(json::object { { "status", l.status }, { "count", l.count },
                            { "medfeeFen", l.medfeeFen }, { "fundFen", l.fundFen },
                            { "acctFen", l.acctFen }, { "cashFen", l.cashFen } });
                        lines.push_back("医保中心 " + l.status + " " + n(l.count, l.medfeeFen)
                            + " 统筹 " + yuan(l.fundFen) + " 元");
                    }
                    lines.push_back("医保待调整 " + yuan(ins->openAdjustmentsFen) + " 元");
                    insurance = json::object { { "date", ins->date }, { "lines", std::move(rows) },
                        { "openAdjustmentsFen", ins->openAdjustmentsFen } };
                }
            } catch (const std::exception& e) {
                lines.push_back("医保中心汇总暂不可用");
                insurance = json::object { { "error", e.what() } };
            }
        }
        if (byStaff.empty()) {
            lines.push_back("本班无交易");
        }
        m.data = json::object { { "shift", m.shiftNo }, { "terminal", m.config.terminalId },
            { "sessions", static_cast<std::int64_t>(m.shiftSessions.size()) - 1 },
            { "staff", std::move(staffRows) }, { "insurance", std::move(insurance) } };
        m.biz.result = m.data;
        m.biz.v["shiftLines"].clear();
        for (const auto& l : lines) {
            m.biz.v["shiftLines"] += l + "\n";
        }
        m.message = "第 " + std::to_string(m.shiftNo) + " 班，终端 " + m.config.terminalId
            + "，业务 " + std::to_string(m.shiftSessions.size() - 1) + " 笔。确认后打印并结班";
    };
    handlers["shift_close"] = [](Impl& m, const UserEvent&) -> std::optional<std::string> {
        m.checkReceiptPrinter();
        std::vector<std::string> lines { "终端: " + m.config.terminalId,
            "班次: 第 " + std::to_string(m.shiftNo) + " 班",
            "结班人: " + (m.staffUser ? m.staffUser->id : std::string("-")) };
        std::string block = m.biz.v["shiftLines"];
        std::size_t pos = 0;
        while (pos < block.size()) {
            const auto nl = block.find('\n', pos);
            lines.push_back(block.substr(pos, nl - pos));
            pos = nl == std::string::npos ? block.size() : nl + 1;
        }
        const auto report = m.biz.result;
        if (!m.config.shiftFile.empty()) {
            std::ofstream(m.config.shiftFile, std::ios::app)
                << "C\t" << (m.staffUser ? m.staffUser->id : std::string("-")) << "\t"
                << json::serialize(report) << "\n";
        }
        m.biz.resultMessage = "第 " + std::to_string(m.shiftNo) + " 班已结班，新班次开始";
        m.biz.result = report;
        ++m.shiftNo;
        m.shiftSessions.clear();
        m.biz.completed = true;
        m.printReceipt("结班报表", lines);
        return std::nullopt;
    };

    // ----- top-up -----
    loaders["topup_amounts"] = [](Impl& m) {
        bool purse = false;
        try {
            purse = m.card->hasPurse();
        } catch (const std::exception&) { }
        if (!purse) {
            throw KioskError("no_purse", "您的卡片没有电子钱包，无法充值，请到人工窗口办理",
                NextStep::CallStaff);
        }
        for (const auto fen : m.config.topupPresetsFen) {
            m.items.push_back(item(std::to_string(fen), yuan(fen) + " 元"));
        }
        m.data["maxFen"] = m.config.topupMaxFen;
    };
    handlers["pick_amount"] = [](Impl& m, const UserEvent& e) -> std::optional<std::string> {
        std::optional<std::int64_t> fen;
        if (e.kind == Kind::Choose) {
            fen = std::stoll(e.value);
        } else if (e.kind == Kind::Input) {
            fen = parseYuan(e.value);
        }
        if (!fen || *fen <= 0 || *fen > m.config.topupMaxFen) {
            throw KioskError("bad_amount",
                "请输入 0.01 至 " + yuan(m.config.topupMaxFen) + " 元之间的金额",
                NextStep::FixInput);
        }
        m.biz.totalFen = *fen;
        m.biz.ownFen = *fen;
        return std::nullopt;
    };
    completers["load_purse"] = [](Impl& m, const UserEvent&) -> std::optional<std::string> {
        const auto rid = m.requestId("LOAD");
        JournalStep step(*m.parts.journal, m.journalSession,
            { StepType::CardLoad, rid, m.biz.totalFen, m.cardField() + balanceBefore(*m.card) });
        PurseResult r;
        try {
            r = m.card->load(m.biz.totalFen);
            m.failpoint("card_load_answered");
        } catch (const std::exception& ex) {
            step.failed(ex.what());
            throw KioskError("card_load_failed",
                "充值未写入卡片，已付款项将原路退回，请联系工作人员", NextStep::CallStaff);
        }
        const auto verdict = journalPurse(step, r);
        if (verdict == PurseVerdict::NotMoved) {
            throw KioskError("card_load_failed",
                "充值未写入卡片，已付款项将原路退回，请联系工作人员", NextStep::CallStaff);
        }
        if (verdict == PurseVerdict::Unknown) {
            // A lost answer, or a TAC the issuer keys do not verify: not counted as loaded (the
            // payment is not refunded either until the card's proof settles it).
            throw KioskError(
                "card_load_unknown", "充值结果待核实，请勿拔卡并联系工作人员", NextStep::CallStaff);
        }
        m.failpoint("card_load");
        m.biz.resultMessage = yuan(m.biz.totalFen) + " 元已存入健康卡电子钱包，余额 "
            + yuan(r.balanceAfter) + " 元";
        m.biz.result
            = json::object { { "amountFen", m.biz.totalFen }, { "balanceFen", r.balanceAfter } };
        m.biz.balanceAfter = r.balanceAfter;
        m.resultLine("充值金额", yuan(m.biz.totalFen) + " 元");
        m.resultLine("付款方式", m.biz.method == "qr" ? "微信/支付宝扫码" : "现金");
        m.printReceipt("充值凭条",
            { "姓名: " + maskName(m.who.name), "充值: " + yuan(m.biz.totalFen) + " 元",
                "余额: " + yuan(r.balanceAfter) + " 元" });
        return std::nullopt;
    };

    // ----- balance and history -----
    loaders["balance"] = [](Impl& m) {
        if (!m.card->hasPurse()) {
            throw KioskError("no_purse", "您的卡片没有电子钱包", NextStep::CallStaff);
        }
        const auto b = m.card->balance();
        json::array log;
        for (const auto& r : m.card->log(10)) {
            m.items.push_back(item(
                r.when, (r.load ? "充值 +" : "消费 -") + yuan(r.amountFen) + " 元", r.when, true));
            log.push_back(json::object { { "when", r.when }, { "amountFen", r.amountFen },
                { "load", r.load }, { "terminal", r.terminal } });
        }
        m.data = json::object { { "balanceFen", b }, { "log", std::move(log) } };
        m.message = "电子钱包余额 " + yuan(b) + " 元";
    };

    // ----- report printing -----
    loaders["reports"] = [](Impl& m) {
        auto& p = m.ensurePatient();
        std::vector<his::LabReport> list;
        try {
            list = m.parts.his->labReports(p.id);
        } catch (const his::HisError& e) {
            throw hisError(e);
        }
        for (const auto& r : list) {
            const bool done = m.printed.count(r.id) != 0;
            m.items.push_back(item(
                r.id, r.name, done ? "已打印，补打请找工作人员" : r.issued.substr(0, 10), done));
        }
        m.data["feeFen"] = m.config.reportFeeFen;
        m.message = list.empty() ? "暂无可打印的报告" : "请选择要打印的报告";
    };
    handlers["print_report"] = [](Impl& m, const UserEvent& e) -> std::optional<std::string> {
        if (m.parts.report == nullptr) {
            throw KioskError("report_unavailable", "本机未配置报告打印机，请到报告打印机或人工窗口",
                NextStep::CheckConfiguration);
        }
        if (m.printed.count(e.value) != 0) {
            throw KioskError(
                "already_printed", "该报告已打印，补打请找工作人员", NextStep::CallStaff);
        }
        // The printer is checked before the patient is charged.
        if (const auto p = m.parts.report->problem()) {
            throw KioskError("report_printer",
                *p + "，暂时无法打印，未收取任何费用，请联系工作人员", NextStep::CallStaff);
        }
        auto& p = m.ensurePatient();
        std::optional<his::LabReport> rep;
        for (auto& r : m.parts.his->labReports(p.id)) {
            if (r.id == e.value) {
                rep = r;
            }
        }
        if (!rep) {
            throw KioskError("report_missing", "未找到该报告，请联系工作人员", NextStep::CallStaff);
        }
        if (m.config.reportFeeFen > 0 && !m.biz.paid) {
            const auto rid = m.requestId("DEBIT");
            JournalStep step(*m.parts.journal, m.journalSession,
                { StepType::CardDebit, rid, m.config.reportFeeFen,
                    m.cardField() + balanceBefore(*m.card) });
            const auto r = m.card->purchase(m.config.reportFeeFen);
            m.failpoint("report_fee_answered"); // the card answered; the journal does not know
            const auto verdict = journalPurse(step, r);
            if (verdict == PurseVerdict::NotMoved) {
                throw KioskError(r.insufficientFunds ? "insufficient_funds" : "card_debit_failed",
                    r.insufficientFunds ? "余额不足，请充值后再打印" : "卡片扣款未成功，请重试",
                    NextStep::FixInput);
            }
            if (verdict == PurseVerdict::Unknown) {
                throw KioskError(
                    r.status == PurseStatus::Done ? "card_debit_unverified" : "card_debit_unknown",
                    "扣款结果待核实，未打印，请联系工作人员", NextStep::CallStaff);
            }
            m.biz.balanceAfter = r.balanceAfter;
            m.biz.paid = true;
        }
        ReportDocument doc { rep->id, rep->name, m.who.name, rep->issued, {}, *rep };
        for (const auto& o : rep->observations) {
            char v[32];
            std::snprintf(v, sizeof v, "%g", o.value);
            doc.lines.push_back(o.name + " " + v + " " + o.unit + " " + o.flag);
        }
        JournalStep step(*m.parts.journal, m.journalSession,
            { StepType::Print, m.requestId("RPT-" + rep->id), 0, "report=" + rep->id });
        try {
            m.parts.report->print(doc);
            step.ok(rep->id);
        } catch (const std::exception& ex) {
            step.failed(ex.what());
            throw KioskError(
                "print_failed", "报告打印失败，请联系工作人员补打", NextStep::CallStaff);
        }
        m.printed.insert(rep->id);
        if (!m.config.printedReportsFile.empty()) {
            std::ofstream(m.config.printedReportsFile, std::ios::app) << rep->id << "\n";
        }
        m.biz.completed = true;
        m.biz.resultMessage = "报告已打印，请从报告打印机出纸口取走";
        m.biz.result = json::object { { "report", rep->id }, { "name", rep->name },
            { "feeFen", m.config.reportFeeFen } };
        m.resultLine("报告", rep->name);
        m.resultLine("报告单", "已打印，请从报告打印机（A4）出纸口取走");
        if (m.config.reportFeeFen > 0) {
            m.biz.ownFen = m.config.reportFeeFen;
            m.biz.method = "purse";
        }
        return std::nullopt;
    };
    registerIssuanceHandlers();
    registerRefundHandlers(); // refund_services.cpp
}

void Engine::Impl::loadShift() {
    if (config.shiftFile.empty()) {
        return;
    }
    std::ifstream in(config.shiftFile);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("C\t", 0) == 0) {
            ++shiftNo;
            shiftSessions.clear();
        } else if (line.rfind("S\t", 0) == 0) {
            const auto tab = line.find('\t', 2);
            if (tab != std::string::npos) {
                shiftSessions.emplace_back(line.substr(2, tab - 2), line.substr(tab + 1));
            }
        }
    }
}

void Engine::Impl::recordShiftSession() {
    const std::string staff = staffUser ? staffUser->id : std::string("-");
    shiftSessions.emplace_back(journalSession, staff);
    if (!config.shiftFile.empty()) {
        std::ofstream(config.shiftFile, std::ios::app)
            << "S\t" << journalSession << "\t" << staff << "\n";
    }
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
