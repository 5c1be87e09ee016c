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

Engine::Impl::Impl(std::vector<Flow> f, EngineParts p, EngineConfig c)
    : flows(std::move(f))
    , parts(p)
    , config(std::move(c)) {
    registerHandlers();
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
        uiCardEvent(stringField(message, "event"));
        return;
    }
    if (type == "mode") {
        const auto it = message.find("elderly");
        if (it == message.end() || !it->value().is_bool()) {
            throw hc::InputError("message.elderly: expected true or false");
        }
        const bool on = it->value().get_bool();
        withLock(*m_impl, [&] { m_impl->setElderly(on); });
        return;
    }
    UserEvent e;
    if (type == "choose") {
        e = { UserEvent::Kind::Choose, stringField(message, "item") };
    } else if (type == "action") {
        e = { UserEvent::Kind::Action, stringField(message, "action") };
    } else if (type == "input") {
        e = { UserEvent::Kind::Input, stringField(message, "value") };
    } else {
        throw hc::InputError("message.type: expected choose, action, input, mode or card");
    }
    withLock(*m_impl, [&] {
        auto& m = *m_impl;
        try {
            m.dispatch(e);
        } catch (const std::exception& ex) {
            m.fail(ex);
        }
        m.push();
    });
}

void Engine::uiCardEvent(const std::string& event) {
    std::function<std::shared_ptr<PatientCard>()> source;
    {
        std::lock_guard lock(m_impl->mutex);
        source = m_impl->uiCardSource;
    }
    if (!source) {
        throw hc::InputError("message.type: card events from the UI are not allowed (kioskd "
                             "--allow-ui-card-events)");
    }
    if (event == "inserted") {
        cardInserted(source());
    } else if (event == "removed") {
        cardRemoved();
    } else {
        throw hc::InputError("message.event: expected inserted or removed");
    }
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
