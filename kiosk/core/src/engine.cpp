#include "engine_impl.hpp"
#include "hc/kiosk/core/recovery_executor.hpp"

#include <cstdio>
#include <fstream>

namespace hc::kiosk::core {

std::string yuan(std::int64_t fen) {
    char buf[32];
    const auto a = fen < 0 ? -fen : fen;
    std::snprintf(buf, sizeof buf, "%s%lld.%02lld", fen < 0 ? "-" : "",
        static_cast<long long>(a / 100), static_cast<long long>(a % 100));
    return buf;
}

std::string maskName(const std::string& name) {
    if (name.empty()) {
        return {};
    }
    std::size_t n = 1;
    const auto c = static_cast<unsigned char>(name[0]);
    if (c >= 0xF0) {
        n = 4;
    } else if (c >= 0xE0) {
        n = 3;
    } else if (c >= 0xC0) {
        n = 2;
    }
    return name.substr(0, std::min(n, name.size())) + "*";
}

json::object item(
    const std::string& id, const std::string& label, const std::string& detail, bool disabled) {
    return json::object { { "id", id }, { "label", label }, { "detail", detail },
        { "disabled", disabled } };
}

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

Engine::Impl::Impl(std::vector<Flow> f, EngineParts p, EngineConfig c)
    : flows(std::move(f))
    , parts(p)
    , config(std::move(c)) {
    registerHandlers();
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

Engine::Engine(std::vector<Flow> flows, EngineParts parts, EngineConfig config)
    : m_impl(std::make_unique<Impl>(std::move(flows), parts, std::move(config))) {
    if (parts.journal == nullptr || parts.his == nullptr || parts.clock == nullptr) {
        throw hc::Error(
            "Engine: journal, HIS and clock are required", NextStep::CheckConfiguration);
    }
    for (const auto& f : m_impl->flows) {
        for (const auto& s : f.steps) {
            if (!s.on.empty() && m_impl->handlers.count(s.on) == 0) {
                throw FlowError(f.business + ": step " + s.id + ": unknown handler " + s.on);
            }
            if (!s.load.empty() && m_impl->loaders.count(s.load) == 0) {
                throw FlowError(f.business + ": step " + s.id + ": unknown loader " + s.load);
            }
        }
        if (!f.complete.empty() && m_impl->completers.count(f.complete) == 0) {
            throw FlowError(f.business + ": unknown complete handler " + f.complete);
        }
    }
    if (!m_impl->config.printedReportsFile.empty()) {
        std::ifstream in(m_impl->config.printedReportsFile);
        std::string line;
        while (std::getline(in, line)) {
            if (!line.empty() && line.size() <= 64) {
                m_impl->printed.insert(line);
            }
        }
    }
    m_impl->loadShift();
    m_impl->loadStaffPins();
    m_impl->showIdle({});
}

Engine::~Engine() = default;

namespace {

/** Runs `body` under the mutex, then hands the outbox to the listener outside it. */
template <typename F> void withLock(Engine::Impl& impl, F&& body) {
    std::vector<json::object> out;
    hc::kiosk::UiPort::Listener listener;
    {
        std::lock_guard lock(impl.mutex);
        body();
        out.swap(impl.outbox);
        listener = impl.listener;
    }
    if (listener) {
        for (const auto& m : out) {
            listener(m);
        }
    }
}

const std::string& stringField(const json::object& m, const char* name) {
    const auto it = m.find(name);
    if (it == m.end() || !it->value().is_string()) {
        throw hc::InputError(std::string("message.") + name + ": expected a string");
    }
    static thread_local std::string s;
    s = std::string(it->value().get_string());
    if (s.size() > 200) {
        throw hc::InputError(std::string("message.") + name + ": longer than 200 bytes");
    }
    return s;
}

} // namespace

json::object Engine::currentView() {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->view();
}

void Engine::setListener(Listener listener) {
    std::lock_guard lock(m_impl->mutex);
    m_impl->listener = std::move(listener);
}

void Engine::setUiCardSource(std::function<std::shared_ptr<PatientCard>()> source) {
    std::lock_guard lock(m_impl->mutex);
    m_impl->uiCardSource = std::move(source);
}

std::set<std::string> Engine::printedReports() {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->printed;
}

void Engine::handleInput(const json::object& message) {
    const std::string type = stringField(message, "type");
    if (type == "card") {
        const std::string ev = stringField(message, "event");
        std::function<std::shared_ptr<PatientCard>()> source;
        {
            std::lock_guard lock(m_impl->mutex);
            source = m_impl->uiCardSource;
        }
        if (!source) {
            throw hc::InputError("message.type: card events from the UI are not allowed (kioskd "
                                 "--allow-ui-card-events)");
        }
        if (ev == "inserted") {
            cardInserted(source());
        } else if (ev == "removed") {
            cardRemoved();
        } else {
            throw hc::InputError("message.event: expected inserted or removed");
        }
        return;
    }
    UserEvent e;
    if (type == "choose") {
        e = { UserEvent::Kind::Choose, stringField(message, "item") };
    } else if (type == "action") {
        e = { UserEvent::Kind::Action, stringField(message, "action") };
    } else if (type == "input") {
        e = { UserEvent::Kind::Input, stringField(message, "value") };
    } else if (type == "mode") {
        const auto it = message.find("elderly");
        if (it == message.end() || !it->value().is_bool()) {
            throw hc::InputError("message.elderly: expected true or false");
        }
        const bool on = it->value().get_bool();
        withLock(*m_impl, [&] {
            auto& m = *m_impl;
            if (m.elderly != on) {
                m.elderly = on;
                if (m.baseCountdown != 0) {
                    m.resetCountdown();
                }
            }
            m.push();
        });
        return;
    } else {
        throw hc::InputError("message.type: expected choose, action, input, mode or card");
    }
    withLock(*m_impl, [&] {
        auto& m = *m_impl;
        try {
            if (m.screen == "staff_login" || m.screen == "staff_password") {
                if (e.kind == UserEvent::Kind::Input) {
                    m.login(e.value);
                }
            } else if (m.screen == "idle") {
                // Nothing to do until a card arrives, but card issuance (no card yet).
                if (e.kind == UserEvent::Kind::Action && e.value == "issue_card"
                    && m.config.cardIssuance && m.parts.issuer != nullptr) {
                    for (const auto& f : m.flows) {
                        if (f.business == "issuance") {
                            m.startBusiness(f);
                        }
                    }
                }
            } else if (e.kind == UserEvent::Kind::Action && e.value == "call_staff") {
                if (m.elderly && m.errorCount >= 3) {
                    m.event("staff_called", json::object { { "screen", m.screen } });
                    m.message = "已呼叫工作人员，请稍候";
                }
            } else if (m.screen == "menu") {
                if (e.kind == UserEvent::Kind::Action && e.value == "logout" && m.cashier()) {
                    m.endCardSession(SessionEnd::Completed, "已退出登录");
                } else if (e.kind == UserEvent::Kind::Action && e.value == "exit") {
                    m.endCardSession(SessionEnd::Completed, "请取走您的卡片");
                } else if (e.kind == UserEvent::Kind::Choose && m.hasItem(e.value)) {
                    for (const auto& f : m.flows) {
                        if (f.business == e.value) {
                            m.startBusiness(f);
                        }
                    }
                }
            } else if (const auto* s = m.currentStep(); s != nullptr) {
                const bool result = s->on.empty() && s->next.empty();
                if (e.kind == UserEvent::Kind::Action && (e.value == "home" || e.value == "done")) {
                    m.finishBusiness(
                        result || m.biz.completed ? SessionEnd::Completed : SessionEnd::Cancelled);
                    m.showMenu();
                } else if (e.kind == UserEvent::Kind::Action && e.value == "back") {
                    if (!m.history.empty() && !m.biz.paid) {
                        if (m.screen == "qr_pay") {
                            m.closeOrder();
                        }
                        const auto prev = m.history.back();
                        m.history.pop_back();
                        m.enterStep(prev, false);
                    } else if (m.history.empty()) {
                        m.finishBusiness(SessionEnd::Cancelled);
                        m.showMenu();
                    }
                } else if (e.kind == UserEvent::Kind::Choose && !m.hasItem(e.value)) {
                    // A stale click: the view is pushed again below.
                } else if (e.kind == UserEvent::Kind::Action
                    && std::find(s->actions.begin(), s->actions.end(), e.value)
                        == s->actions.end()) {
                    // An action this screen does not offer.
                } else if (e.kind == UserEvent::Kind::Input && !s->input) {
                    // No input on this screen.
                } else {
                    m.error = nullptr;
                    m.act(e);
                }
            }
        } catch (const std::exception& ex) {
            m.fail(ex);
        }
        m.push();
    });
}

void Engine::cardInserted(std::shared_ptr<PatientCard> card) {
    withLock(*m_impl, [&] {
        auto& m = *m_impl;
        if (m.cashier() && card && !m.windowCard) {
            // The reader at the cashier window: the patient's card for an e-purse refund. No
            // card session; a refund waiting for this card is completed by recovery.
            try {
                m.windowWho = card->identity();
                m.windowCard = std::move(card);
                m.event("card_inserted", json::object { { "name", maskName(m.windowWho.name) } });
                if (m.parts.recovery != nullptr) {
                    try {
                        m.parts.recovery->recoverCard(*m.windowCard, m.windowWho);
                    } catch (const std::exception&) { }
                }
                if (m.screen == "refund_card") {
                    m.enterStep(m.screen, false); // shows the card now present
                }
            } catch (const std::exception& ex) {
                m.windowCard.reset();
                m.fail(ex);
            }
            m.push();
            return;
        }
        if (m.card || !card || m.cashier()) {
            return;
        }
        try {
            m.who = card->identity();
            m.card = std::move(card);
            m.errorCount = 0;
            m.event("card_inserted", json::object { { "name", maskName(m.who.name) } });
            m.showMenu();
            if (m.parts.recovery != nullptr) {
                // A debit left UNKNOWN by a card pulled earlier is settled now it is back.
                try {
                    m.parts.recovery->recoverCard(*m.card, m.who);
                } catch (const std::exception&) { }
            }
        } catch (const std::exception& ex) {
            m.card.reset();
            m.showIdle("读卡失败，请将卡片芯片朝上重新插入");
            m.fail(ex);
        }
        m.push();
    });
}

void Engine::cardUnreadable(const std::exception& error) {
    withLock(*m_impl, [&] {
        auto& m = *m_impl;
        if (m.card || m.cashier()) {
            return;
        }
        m.showIdle("读卡失败，请将卡片芯片朝上重新插入");
        m.fail(error);
        const auto* h = dynamic_cast<const hc::Error*>(&error);
        m.error = json::object { { "text", "读卡失败，请将卡片芯片朝上重新插入" },
            { "next",
                std::string(describe(h != nullptr ? h->nextStep() : NextStep::ReinsertCard)) },
            { "code", "card_unreadable" } };
        m.push();
    });
}

void Engine::cardRemoved() {
    withLock(*m_impl, [&] {
        auto& m = *m_impl;
        if (m.cashier() && m.windowCard) {
            m.windowCard.reset();
            m.windowWho = {};
            m.event("card_removed");
            if (m.screen == "refund_card") {
                m.enterStep(m.screen, false);
            }
            m.push();
            return;
        }
        if (!m.card) {
            return;
        }
        m.event("card_removed");
        m.endCardSession(SessionEnd::CardPulled, {});
        m.push();
    });
}

void Engine::tick() {
    withLock(*m_impl, [&] {
        auto& m = *m_impl;
        m.issuanceTick(); // the issued card at the gate (card_issuance.cpp)
        if (m.screen == "idle" || m.screen == "staff_login" || m.baseCountdown == 0) {
            return;
        }
        if (m.screen == "qr_pay" && m.biz.payStep) {
            try {
                m.act(UserEvent { UserEvent::Kind::Tick, {} });
                if (m.screen != "qr_pay") {
                    m.push();
                    return;
                }
            } catch (const std::exception& ex) {
                m.fail(ex);
                m.push();
            }
        }
        if (m.countdownLeft() == 0) {
            m.endCardSession(SessionEnd::Timeout, "操作超时，请取走您的卡片");
            m.push();
        }
    });
}

} // namespace hc::kiosk::core
