// Test rig of the kiosk engine's unit tests: the engine over the fakes of core_fakes.hpp (HIS,
// insurance, card purse, printers, QR gateway, clock) with a real SQLite journal in a temporary
// folder and the recovery executor. One thread.
#pragma once

#include "core_fakes.hpp"
#include "engine_driver.hpp"
#include "hc/kiosk/core/engine.hpp"
#include "hc/kiosk/core/recovery_executor.hpp"
#include "hc/testing/process.hpp"

#include <doctest/doctest.h>

namespace hc::kiosk::testing {

using namespace hc::kiosk::core;

struct Kiosk : EngineDriver {
    hc::testing::TempDir dir { "hc-kcore-" };
    Journal journal { dir / "journal.db" };
    FakeHis his;
    FakeClock clock;
    FakeInsurance insurance;
    FakeGateway gateway;
    FakeReceipt receipt;
    FakeReport report;
    std::shared_ptr<FakeCard> card = std::make_shared<FakeCard>();
    RecoveryExecutor recovery { journal, &his, &insurance, &gateway };

    explicit Kiosk(EngineConfig config = {}, bool withInsurance = true) {
        EngineParts p;
        p.journal = &journal;
        p.his = &his;
        p.clock = &clock;
        p.insurance = withInsurance ? &insurance : nullptr;
        p.gateway = &gateway;
        p.receipt = &receipt;
        p.report = &report;
        p.recovery = &recovery;
        attach(std::make_unique<Engine>(
            loadFlows(hc::testing::sourcePath("kiosk/flows"), engineHandlers()), p, config));
    }
    ~Kiosk() { detach(); }
    void insert() { engine->cardInserted(card); }
    std::vector<StepRecord> steps() {
        const auto s = lastSession();
        return journal.steps(s);
    }
    void registerToPayment() {
        insert();
        choose("registration");
        REQUIRE(screen() == "choose_department");
        choose("D0101");
        REQUIRE(screen() == "choose_doctor");
        choose("DR001");
        REQUIRE(screen() == "choose_slot");
        choose("SL-DR001-08:00");
        REQUIRE(screen() == "confirm");
        action("confirm");
        REQUIRE(screen() == "choose_payment");
    }
};

inline std::string statusOf(const std::vector<StepRecord>& steps, StepType type) {
    std::string out;
    for (const auto& s : steps) {
        if (s.type == type) {
            out = std::string(statusName(s.status));
        }
    }
    return out;
}

} // namespace hc::kiosk::testing
