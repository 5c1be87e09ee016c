// The engine's screens (Engine::Impl): the view sent to the UI, idle / menu / a flow's step, the
// business's start and end (its journal session, recovery at the end), errors on the screen,
// countdowns. The businesses fill the screens through their handlers (business.hpp).
#include "engine_impl.hpp"
#include "hc/kiosk/core/recovery_executor.hpp"

#include <algorithm>

namespace hc::kiosk::core {

namespace {

const char* actionLabel(const std::string& id) {
    static const std::map<std::string, const char*> labels { { "back", "返回" }, { "home", "首页" },
        { "confirm", "确认" }, { "paid", "我已支付" }, { "print", "打印" }, { "exit", "退卡" },
        { "call_staff", "呼叫工作人员" }, { "cancel", "取消" }, { "done", "完成" },
        { "logout", "退出登录" }, { "issue_card", "办理健康卡" },
        { "cash_instead", "患者无卡，改退现金（须主管授权）" } };
    const auto it = labels.find(id);
    return it == labels.end() ? "" : it->second;
}

std::string businessOfFlow(const Flow* f) {
    return f == nullptr ? std::string() : f->business;
}

} // namespace

json::object Engine::Impl::view() {
    json::object v;
    v["type"] = "view";
    v["session"] = journalSession;
    v["business"] = businessOfFlow(flow);
    v["screen"] = screen;
    v["title"] = title;
    v["message"] = message;
    v["mode"] = config.mode == "cashier" ? "cashier" : (elderly ? "elderly" : "patient");
    v["countdown"] = countdownLeft();
    v["items"] = items;
    json::array actions;
    auto add = [&](const std::string& id) {
        actions.push_back(json::object { { "id", id }, { "label", actionLabel(id) } });
    };
    if (screen == "idle" && config.cardIssuance && parts.issuer != nullptr) {
        add("issue_card"); // card issuance needs no card (card_issuance.cpp)
        if (const auto why = issuanceUnavailable(); !why.empty()) {
            actions.back().as_object()["disabled"] = true; // stock out, jam: like paper-out
            actions.back().as_object()["detail"] = why;
        }
    }
    if (screen == "menu") {
        add(cashier() ? "logout" : "exit");
    } else if (const auto* s = currentStep(); s != nullptr) {
        const bool result = s->on.empty() && s->next.empty();
        if (!result && !history.empty() && !biz.paid) {
            add("back");
        }
        for (const auto& a : s->actions) {
            if (a == "cash_instead" && (biz.method != "purse" || biz.paid)) {
                continue; // only an e-purse payment, and only before the HIS refund is done
            }
            add(a);
        }
        add(result ? "done" : "home");
    }
    if (elderly && errorCount >= 3 && screen != "idle") {
        add("call_staff");
    }
    v["actions"] = std::move(actions);
    v["input"] = input;
    v["error"] = error;
    v["data"] = data;
    if (data.contains("pin")) {
        // The issued card's initial PIN: only for the kiosk's own screen (the web server
        // removes it from what a local tool is sent).
        v["confidential"] = json::array { "pin" };
    }
    return v;
}

void Engine::Impl::push() {
    outbox.push_back(view());
}

void Engine::Impl::event(const std::string& name, json::object detail) {
    outbox.push_back(
        json::object { { "type", "event" }, { "event", name }, { "detail", std::move(detail) } });
}

void Engine::Impl::showIdle(const std::string& why) {
    if (cashier()) {
        staffUser.reset();
        showLogin(why, false);
        return;
    }
    flow = nullptr;
    screen = "idle";
    history.clear();
    title = "请插入居民健康卡";
    message = why.empty() ? "请将卡片芯片朝上插入读卡器" : why;
    items = {};
    data = {};
    input = nullptr;
    error = nullptr;
    baseCountdown = 0;
}

void Engine::Impl::showMenu() {
    if (!cashier() && !card) {
        // A business without a card (card issuance) ends back on idle.
        who = {};
        patient.reset();
        showIdle({});
        return;
    }
    flow = nullptr;
    screen = "menu";
    history.clear();
    title = "请选择业务";
    message = cashier() ? "收费员 " + (staffUser ? staffUser->name : std::string())
                        : "您好，" + maskName(who.name);
    items = {};
    for (const auto& f : flows) {
        if (f.mode != (cashier() ? "cashier" : "patient")) {
            continue;
        }
        const bool offered = f.available || (f.business == "issuance" && config.cardIssuance);
        const auto why = offered && f.business == "issuance" ? issuanceUnavailable() : "";
        items.push_back(item(f.business, f.label,
            !why.empty() ? why : (offered ? f.detail : "本机暂不提供"), !why.empty()));
    }
    data = json::object { { "name", maskName(who.name) } };
    input = nullptr;
    error = nullptr;
    baseCountdown = config.menuCountdown;
    resetCountdown();
}

void Engine::Impl::startBusiness(const Flow& f) {
    const bool offered = f.available || (f.business == "issuance" && config.cardIssuance);
    if (!offered || f.steps.empty()) {
        throw KioskError("not_available", "本机暂不提供“" + f.label + "”服务，请到人工窗口办理",
            NextStep::CallStaff);
    }
    if (f.business == "issuance") {
        if (const auto why = issuanceUnavailable(); !why.empty()) {
            throw KioskError("issuance_unavailable", why, NextStep::CallStaff);
        }
    }
    journalSession = parts.journal->openSession(config.terminalId, f.code);
    recordShiftSession();
    biz = BusinessState {};
    flow = &f;
    history.clear();
    enterStep(f.steps.front().id, false);
}

void Engine::Impl::enterStep(const std::string& id, bool remember) {
    const auto* s = flow->step(id);
    if (s == nullptr) {
        throw KioskError(
            "flow_error", "流程配置错误，请联系工作人员", NextStep::CheckConfiguration);
    }
    if (remember && screen != id) {
        history.push_back(screen);
    }
    screen = s->id;
    title = s->title;
    message = s->message;
    items = {};
    data = {};
    error = nullptr;
    input = nullptr;
    if (s->input) {
        input = json::object { { "kind", s->input->kind }, { "label", s->input->label },
            { "min", s->input->min }, { "max", s->input->max } };
    }
    baseCountdown = s->countdown;
    if (s->id == "qr_pay") {
        baseCountdown = config.qrCountdown;
    }
    resetCountdown();
    if (!s->load.empty()) {
        loaders.at(s->load)(*this);
    }
}

void Engine::Impl::finishBusiness(SessionEnd reason) {
    if (journalSession.empty()) {
        return;
    }
    if (biz.payStep) {
        closeOrder();
    }
    biz.payStep.reset();
    const auto session = journalSession;
    // A refund left half done (HIS refunded, money not yet back) is finished by recovery below
    // from the plan in the HIS step, or at the next boot / card insertion.
    try {
        parts.journal->endSession(session, reason);
    } catch (const std::exception&) {
        // The session stays open; endOpenSessionsAfterCrash() ends it at the next boot.
    }
    journalSession.clear();
    biz = BusinessState {};
    if (parts.recovery != nullptr) {
        try {
            parts.recovery->recoverSession(session, cashier() ? windowCard.get() : card.get());
        } catch (const std::exception&) {
            // Left for the next pass (boot, or the next session end).
        }
    }
}

void Engine::Impl::endCardSession(SessionEnd reason, const std::string& why) {
    finishBusiness(reason);
    card.reset();
    who = {};
    patient.reset();
    errorCount = 0;
    showIdle(why);
}

void Engine::Impl::fail(const std::exception& e) {
    std::string code = "error";
    std::string text;
    NextStep next = NextStep::CallStaff;
    if (const auto* k = dynamic_cast<const KioskError*>(&e)) {
        code = k->code();
        text = k->what();
        next = k->nextStep();
    } else if (const auto* h = dynamic_cast<const hc::Error*>(&e)) {
        next = h->nextStep();
        switch (next) {
        case NextStep::ReinsertCard:
        case NextStep::ReselectApplication:
            code = "card_error";
            text = "读卡失败，请将卡片芯片朝上重新插入";
            break;
        case NextStep::Retry:
            code = "service_unavailable";
            text = "服务暂时不可用，请稍后重试";
            break;
        case NextStep::FixInput:
            code = "refused";
            text = "业务未能办理，请核对后重试";
            break;
        default:
            code = "device_error";
            text = "设备或系统故障，请联系工作人员";
            break;
        }
    } else {
        text = "系统故障，请联系工作人员";
    }
    error = json::object { { "text", text }, { "next", std::string(describe(next)) },
        { "code", code } };
    ++errorCount;
    // A wrong PIN never buys time: the login / approval countdown runs on.
    const bool guessing
        = code == "login_failed" || code == "approval_refused" || code == "staff_wait";
    if (baseCountdown != 0 && !guessing) {
        resetCountdown();
    }
}

void Engine::Impl::act(const UserEvent& e) {
    const auto* s = currentStep();
    if (s == nullptr) {
        return;
    }
    if (e.kind == UserEvent::Kind::Action && s->on.empty()) {
        // A confirm on a step without a handler just moves on.
        if (s->next.empty()) {
            finishBusiness(SessionEnd::Completed);
            showMenu();
        } else {
            enterStep(s->next, true);
        }
        return;
    }
    std::optional<std::string> override;
    if (!s->on.empty()) {
        override = handlers.at(s->on)(*this, e);
    }
    if (e.kind == UserEvent::Kind::Tick && !override) {
        return;
    }
    const std::string next = override ? *override : s->next;
    if (next.empty()) {
        finishBusiness(SessionEnd::Completed);
        showMenu();
    } else if (next != screen) {
        enterStep(next, true);
    }
}

const FlowStep* Engine::Impl::currentStep() const {
    return flow == nullptr ? nullptr : flow->step(screen);
}

bool Engine::Impl::hasItem(const std::string& id) const {
    for (const auto& v : items) {
        const auto& o = v.as_object();
        if (o.at("id").as_string() == id) {
            return !o.at("disabled").as_bool();
        }
    }
    return false;
}

int Engine::Impl::countdownLeft() {
    if (baseCountdown == 0) {
        return 0;
    }
    const auto left = deadline - parts.clock->now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(left).count();
    return ms <= 0 ? 0 : static_cast<int>((ms + 999) / 1000);
}

void Engine::Impl::resetCountdown() {
    const int secs = baseCountdown * (elderly ? 2 : 1);
    deadline = parts.clock->now() + std::chrono::seconds(secs);
}

void Engine::Impl::setElderly(bool on) {
    if (elderly != on) {
        elderly = on;
        if (baseCountdown != 0) {
            resetCountdown();
        }
    }
    push();
}

void Engine::Impl::dispatch(const UserEvent& e) {
    if (screen == "staff_login" || screen == "staff_password") {
        if (e.kind == UserEvent::Kind::Input) {
            login(e.value);
        }
    } else if (screen == "idle") {
        // Nothing to do until a card arrives, but card issuance (no card yet).
        if (e.kind == UserEvent::Kind::Action && e.value == "issue_card" && config.cardIssuance
            && parts.issuer != nullptr) {
            startBusinessNamed("issuance");
        }
    } else if (e.kind == UserEvent::Kind::Action && e.value == "call_staff") {
        if (elderly && errorCount >= 3) {
            event("staff_called", json::object { { "screen", screen } });
            message = "已呼叫工作人员，请稍候";
        }
    } else if (screen == "menu") {
        onMenu(e);
    } else if (const auto* s = currentStep(); s != nullptr) {
        onStep(*s, e);
    }
}

void Engine::Impl::startBusinessNamed(const std::string& business) {
    for (const auto& f : flows) {
        if (f.business == business) {
            startBusiness(f);
        }
    }
}

void Engine::Impl::onMenu(const UserEvent& e) {
    if (e.kind == UserEvent::Kind::Action && e.value == "logout" && cashier()) {
        endCardSession(SessionEnd::Completed, "已退出登录");
    } else if (e.kind == UserEvent::Kind::Action && e.value == "exit") {
        endCardSession(SessionEnd::Completed, "请取走您的卡片");
    } else if (e.kind == UserEvent::Kind::Choose && hasItem(e.value)) {
        startBusinessNamed(e.value);
    }
}

void Engine::Impl::onStep(const FlowStep& s, const UserEvent& e) {
    const bool result = s.on.empty() && s.next.empty();
    const bool action = e.kind == UserEvent::Kind::Action;
    if (action && (e.value == "home" || e.value == "done")) {
        finishBusiness(result || biz.completed ? SessionEnd::Completed : SessionEnd::Cancelled);
        showMenu();
    } else if (action && e.value == "back") {
        if (!history.empty() && !biz.paid) {
            if (screen == "qr_pay") {
                closeOrder();
            }
            const auto prev = history.back();
            history.pop_back();
            enterStep(prev, false);
        } else if (history.empty()) {
            finishBusiness(SessionEnd::Cancelled);
            showMenu();
        }
    } else if (e.kind == UserEvent::Kind::Choose && !hasItem(e.value)) {
        // A stale click: the view is pushed again.
    } else if (action
        && std::find(s.actions.begin(), s.actions.end(), e.value) == s.actions.end()) {
        // An action this screen does not offer.
    } else if (e.kind == UserEvent::Kind::Input && !s.input) {
        // No input on this screen.
    } else {
        error = nullptr;
        act(e);
    }
}

} // namespace hc::kiosk::core
