// Unit tests of the kiosk's card issuance flow (kiosk/flows/60-issuance.json) on the engine with
// fakes: the resident starts it from idle without a card, types the ID number (HIS finds or
// creates the record), confirms, the issuer validates (rejects shown with field and rule), writes
// the blank card in one journal step and dispenses it; the PIN is shown once and never journaled.
#include "core_fakes.hpp"
#include "engine_driver.hpp"
#include "hc/kiosk/core/card_issuer.hpp"
#include "hc/kiosk/core/engine.hpp"
#include "hc/testing/process.hpp"

#include <doctest/doctest.h>

using namespace hc::kiosk;
using namespace hc::kiosk::core;
using namespace hc::kiosk::testing;
namespace json = boost::json;

namespace {

struct FakeIssuer final : CardIssuer {
    std::vector<IssuanceReject> rejects;
    bool spoil = false;
    int issued = 0;
    int dispensed = 0;
    IssuanceApplicant last;
    std::vector<IssuanceReject> validate(const IssuanceApplicant& who) override {
        last = who;
        return rejects;
    }
    IssuedCard issue(const IssuanceApplicant& who, const std::string&) override {
        last = who;
        if (spoil) {
            throw IssuanceFailed("verify: holder.name differs", hc::NextStep::CallStaff);
        }
        ++issued;
        return { "110100000000000017", "4843000000000001", "482915" };
    }
    void dispense() override { ++dispensed; }
};

struct Rig : EngineDriver {
    hc::testing::TempDir dir { "hc-kiss-" };
    Journal journal { dir / "journal.db" };
    FakeHis his;
    FakeClock clock;
    FakeIssuer issuer;

    explicit Rig(bool offered = true) {
        EngineParts p;
        p.journal = &journal;
        p.his = &his;
        p.clock = &clock;
        p.issuer = &issuer;
        EngineConfig c;
        c.cardIssuance = offered;
        attach(std::make_unique<Engine>(
            loadFlows(hc::testing::sourcePath("kiosk/flows"), engineHandlers()), p, c));
    }
    ~Rig() { detach(); }
};

} // namespace

TEST_CASE("card issuance without blank cards: no entry on idle, nothing happens") {
    Rig k(false);
    CHECK_FALSE(k.hasAction("issue_card"));
    k.action("issue_card");
    CHECK(k.screen() == "idle");
    CHECK(k.issuer.issued == 0);
}

TEST_CASE("card issuance: ID number, confirm, one journaled write, PIN shown once, dispensed") {
    Rig k;
    REQUIRE(k.hasAction("issue_card"));
    k.action("issue_card");
    REQUIRE(k.screen() == "id_number");
    k.type("12345");
    CHECK(k.errorCode() == "bad_id_number");
    k.type("110101199003077777");
    REQUIRE(k.screen() == "confirm_data");
    const auto v = k.view();
    const auto& items = v.at("items").as_array();
    REQUIRE(items.size() == 4);
    CHECK(items[0].at("detail").as_string() == "1101**********7777");
    CHECK(items[1].at("detail").as_string() == "李娜");
    CHECK(items[2].at("detail").as_string() == "女");
    k.action("confirm");
    REQUIRE(k.screen() == "issued");
    CHECK(k.issuer.issued == 1);
    CHECK(k.issuer.dispensed == 1);
    CHECK(k.issuer.last.idNumber == "110101199003077777");
    CHECK(k.issuer.last.birthDate == "1990-03-07");
    const auto issuedView = k.view();
    const auto& data = issuedView.at("data").as_object();
    CHECK(data.at("pin").as_string() == "482915");
    CHECK(data.at("cardNo").as_string() == "1101**********0017");

    const auto session = k.lastSession();
    const auto steps = k.journal.steps(session);
    REQUIRE(steps.size() == 1);
    CHECK(steps[0].status == StepStatus::Ok);
    CHECK(steps[0].detail.find("card_issue") != std::string::npos);
    CHECK(steps[0].type == StepType::CardIssue);
    for (const auto& s : steps) {
        CHECK(s.detail.find("482915") == std::string::npos);
        CHECK(s.result.find("482915") == std::string::npos);
        CHECK(s.detail.find("110101199003077777") == std::string::npos);
    }
    k.action("done");
    CHECK(k.screen() == "idle");
    // Back on idle the PIN is gone from every later view.
    CHECK(json::serialize(k.view()).find("482915") == std::string::npos);
}

TEST_CASE("card issuance: an ID number unknown to the HIS creates the patient") {
    Rig k;
    k.action("issue_card");
    k.type("110101200001011234");
    REQUIRE(k.screen() == "confirm_data");
    CHECK(k.his.createCalls == 1);
    CHECK(k.his.patients.count("110101200001011234") == 1);
}

TEST_CASE("card issuance: validation rejects name the field and the rule; nothing written") {
    Rig k;
    k.issuer.rejects = { { "姓名", "不能为空" } };
    k.action("issue_card");
    k.type("110101200001011234");
    REQUIRE(k.screen() == "confirm_data");
    k.action("confirm");
    CHECK(k.screen() == "confirm_data");
    CHECK(k.errorCode() == "issuance_rejected");
    CHECK(k.errorText().find("姓名（不能为空）") != std::string::npos);
    CHECK(k.issuer.issued == 0);
    CHECK(k.journal.steps(k.lastSession()).empty());
}

TEST_CASE("card issuance: a failed write spoils the card, says call staff, journals FAILED") {
    Rig k;
    k.issuer.spoil = true;
    k.action("issue_card");
    k.type("110101199003077777");
    k.action("confirm");
    CHECK(k.screen() == "confirm_data");
    CHECK(k.errorCode() == "issuance_failed");
    CHECK(k.errorText().find("请联系工作人员") != std::string::npos);
    CHECK(k.issuer.dispensed == 0);
    const auto steps = k.journal.steps(k.lastSession());
    REQUIRE(steps.size() == 1);
    CHECK(steps[0].status == StepStatus::Failed);
    k.action("home");
    CHECK(k.screen() == "idle");
}

TEST_CASE(
    "card issuance from a card session's menu keeps the card holder as the session's patient") {
    Rig k;
    auto card = std::make_shared<FakeCard>();
    k.engine->cardInserted(card);
    REQUIRE(k.screen() == "menu");
    const auto before = std::string(k.view().at("message").as_string());
    k.engine->handleInput({ { "type", "choose" }, { "item", "issuance" } });
    REQUIRE(k.screen() == "id_number");
    k.type("110101200001011234");
    k.action("confirm");
    REQUIRE(k.screen() == "issued");
    CHECK(k.issuer.last.idNumber == "110101200001011234");
    k.action("done");
    REQUIRE(k.screen() == "menu");
    CHECK(k.view().at("message").as_string() == before);
}

TEST_CASE("card issuance without a card: back on the first screen returns to idle") {
    Rig k;
    k.action("issue_card");
    REQUIRE(k.screen() == "id_number");
    k.action("back");
    CHECK(k.screen() == "idle");
    CHECK(k.hasAction("issue_card"));
}
