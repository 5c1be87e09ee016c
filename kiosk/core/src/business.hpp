// The businesses of the kiosk engine, one class each, mirroring kiosk/flows/*.json (the
// configuration: which screens, in which order): Registration, OwnShare (paying the patient's
// share: e-purse or QR, shared by registration, payment and top-up), Payment (with cash at the
// window), Topup, Balance, Report, Refund (退费 and 退号), Shift, Issuance. Each registers the
// handlers its flow files name (`load`, `on`, `complete`) into the engine's HandlerTable; the
// engine (engine.cpp) only runs screens, countdowns and input, and knows no business.
//
// A handler works on the engine's state (Engine::Impl: the card session, the screen, the
// business's BusinessState) and makes its external calls through ExternalCall
// (external_call.hpp), which owns the journal step and the outcome mapping. A handler returns
// the next step's id to override the flow's `next`, or nullopt.
//
// Threading: handlers run under the engine's mutex, one at a time.
#pragma once

#include "engine_impl.hpp"

#include <memory>
#include <vector>

namespace hc::kiosk::core {

using Impl = Engine::Impl;

/** The handlers the flow files may name, filled by the businesses. */
struct HandlerTable {
    using Loader = Engine::Impl::Loader;
    using Handler = Engine::Impl::Handler;
    std::map<std::string, Loader>& loaders;
    std::map<std::string, Handler>& handlers;
    std::map<std::string, Handler>& completers;

    /** `load`: fills the screen. */
    void loader(const std::string& name, Loader f) { loaders[name] = std::move(f); }
    /** `on`: acts on a choose / action / input. */
    void handler(const std::string& name, Handler f) { handlers[name] = std::move(f); }
    /** `complete`: runs once the patient's own share is paid. */
    void completer(const std::string& name, Handler f) { completers[name] = std::move(f); }
};

/** One business of the kiosk. */
class Business {
public:
    virtual ~Business() = default;
    /** The flow's business name ("registration"). */
    virtual const char* name() const = 0;
    /** Registers the handlers of its flow files. */
    virtual void registerHandlers(HandlerTable& table) = 0;
};

std::unique_ptr<Business> makeRegistration();
std::unique_ptr<Business> makeOwnShare();
std::unique_ptr<Business> makePayment();
std::unique_ptr<Business> makeTopup();
std::unique_ptr<Business> makeBalance();
std::unique_ptr<Business> makeReport();
std::unique_ptr<Business> makeRefund();
std::unique_ptr<Business> makeShift();
std::unique_ptr<Business> makeIssuance();

/** Every business, in menu-independent order. */
std::vector<std::unique_ptr<Business>> allBusinesses();

/** The KioskError the screen shows for a HIS failure (conflict, refused, unavailable, unknown). */
KioskError hisError(const std::exception& e);
/** ";before=<fen>" for a card step's journal detail ("" when the balance cannot be read): what
 * recovery compares the balance with after a kill between the card's answer and the journal. */
std::string balanceBefore(PatientCard& card);
/** "HH:MM" of a local ISO time ("2026-11-23T08:30:00+08:00"). */
std::string hhmm(const std::string& isoLocal);

} // namespace hc::kiosk::core
