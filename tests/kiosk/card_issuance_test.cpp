// Unit tests of the kiosk's card issuance flow (kiosk/flows/60-issuance.json) on the engine with
// fakes: the resident starts it from idle without a card, types the ID number (HIS finds or
// creates the record), picks the ethnic group, confirms, the issuer validates (rejects shown with
// field and rule), the dispenser brings a blank card (dispenser_move), the card is written in one
// card_issue step, ejected (dispenser_move), taken or captured at the screen's timeout; the PIN is
// shown once and never journaled; no stock shows the option unavailable with the reason.
#include "core_fakes.hpp"
#include "engine_driver.hpp"
#include "hc/kiosk/core/card_issuer.hpp"
#include "hc/kiosk/core/engine.hpp"
#include "hc/kiosk/core/recovery_executor.hpp"
#include "hc/testing/process.hpp"

#include <doctest/doctest.h>
#include <set>

using namespace hc::kiosk;
using namespace hc::kiosk::core;
using namespace hc::kiosk::testing;
namespace json = boost::json;

namespace {

struct FakeIssuer final : CardIssuer {
    std::vector<IssuanceReject> rejects;
    bool spoil = false;
    int issued = 0;
    int dispensed = 0; ///< present() calls (eject to the gate)
    int loads = 0; ///< loadBlank() calls (to the IC position)
    bool atGate = false;
    std::string reason; ///< unavailableReason()
    int preselected = 0;
    std::vector<std::pair<std::string, std::string>> captures; ///< (cardNo, why)
    std::vector<std::string> requestIds;
    IssuanceApplicant last;
    std::string unavailableReason() override { return reason; }
    int preselectedEthnicity() const override { return preselected; }
    std::vector<IssuanceReject> validate(const IssuanceApplicant& who) override {
        last = who;
        return rejects;
    }
    void loadBlank() override { ++loads; }
    IssuedCard issue(const IssuanceApplicant& who, const std::string& rid) override {
        last = who;
        requestIds.push_back(rid);
        if (spoil) {
            throw IssuanceFailed("verify: holder.name differs", hc::NextStep::CallStaff);
        }
        ++issued;
        return { "110100000000000017", "4843000000000001", "482915" };
    }
    void present() override {
        ++dispensed;
        atGate = true;
    }
    bool taken(const std::string&) override { return !atGate; }
    void capture(const std::string& cardNo, const std::string& why) override {
        atGate = false;
        captures.emplace_back(cardNo, why);
    }
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
    /** From idle to confirm_data: the ID number, then 汉族. */
    void toConfirm(const std::string& id) {
        action("issue_card");
        type(id);
        REQUIRE(screen() == "choose_ethnicity");
        choose("eth:01");
        REQUIRE(screen() == "confirm_data");
    }
    /** The journal's step types and details of the latest session, "type:detail" each. */
    std::vector<std::string> stepList() {
        std::vector<std::string> out;
        for (const auto& st : journal.steps(lastSession())) {
            out.push_back(std::string(stepTypeName(st.type)) + ":" + st.detail + ":"
                + std::string(statusName(st.status)));
        }
        return out;
    }
};

} // namespace

TEST_CASE("card issuance without blank cards: no entry on idle, nothing happens") {
    Rig k(false);
    CHECK_FALSE(k.hasAction("issue_card"));
    k.action("issue_card");
    CHECK(k.screen() == "idle");
    CHECK(k.issuer.issued == 0);
}

TEST_CASE("card issuance: ID number, ethnicity, confirm, dispenser moves and one write journaled, "
          "PIN shown once, taken at the gate") {
    Rig k;
    REQUIRE(k.hasAction("issue_card"));
    k.action("issue_card");
    REQUIRE(k.screen() == "id_number");
    k.type("12345");
    CHECK(k.errorCode() == "bad_id_number");
    k.type("110101199003077777");
    REQUIRE(k.screen() == "choose_ethnicity");
    k.choose("eth:03"); // 回族
    REQUIRE(k.screen() == "confirm_data");
    const auto v = k.view();
    const auto& items = v.at("items").as_array();
    REQUIRE(items.size() == 5);
    CHECK(items[0].at("detail").as_string() == "1101**********7777");
    CHECK(items[1].at("detail").as_string() == "李娜");
    CHECK(items[2].at("detail").as_string() == "女");
    CHECK(items[4].at("detail").as_string() == "回族");
    k.action("confirm");
    REQUIRE(k.screen() == "issued");
    CHECK(k.issuer.loads == 1);
    CHECK(k.issuer.issued == 1);
    CHECK(k.issuer.dispensed == 1);
    CHECK(k.issuer.last.idNumber == "110101199003077777");
    CHECK(k.issuer.last.birthDate == "1990-03-07");
    CHECK(k.issuer.last.ethnicity == 3);
    const auto issuedView = k.view();
    const auto& data = issuedView.at("data").as_object();
    CHECK(data.at("pin").as_string() == "482915");
    CHECK(data.at("cardNo").as_string() == "1101**********0017");
    CHECK(issuedView.at("title").as_string() == "请取走您的健康卡");
    CHECK(issuedView.at("countdown").as_int64() == 60);

    const auto session = k.lastSession();
    auto steps = k.journal.steps(session);
    REQUIRE(steps.size() == 3);
    CHECK(steps[0].type == StepType::DispenserMove);
    CHECK(steps[0].detail == "dispenser_move;to_ic");
    CHECK(steps[1].type == StepType::CardIssue);
    CHECK(steps[1].detail.find("card_issue") != std::string::npos);
    CHECK(steps[2].type == StepType::DispenserMove);
    CHECK(steps[2].detail.find("eject") != std::string::npos);
    for (const auto& s : steps) {
        CHECK(s.status == StepStatus::Ok);
        CHECK(s.detail.find("482915") == std::string::npos);
        CHECK(s.result.find("482915") == std::string::npos);
        CHECK(s.detail.find("110101199003077777") == std::string::npos);
    }
    // While the card is at the gate no new issuance starts.
    k.engine->tick();
    CHECK(k.screen() == "issued");
    // The patient takes it: journaled, back to idle.
    k.issuer.atGate = false;
    k.clock.advance(1);
    k.engine->tick();
    CHECK(k.screen() == "idle");
    CHECK(k.view().at("message").as_string().find("已取走") != std::string::npos);
    steps = k.journal.steps(session);
    REQUIRE(steps.size() == 4);
    CHECK(steps[3].detail.find("taken") != std::string::npos);
    CHECK(k.issuer.captures.empty());
    // Back on idle the PIN is gone from every later view.
    CHECK(json::serialize(k.view()).find("482915") == std::string::npos);
}

TEST_CASE("card issuance: a card not taken before the countdown ends is captured and journaled") {
    Rig k;
    k.toConfirm("110101199003077777");
    k.action("confirm");
    REQUIRE(k.screen() == "issued");
    const auto session = k.lastSession();
    k.clock.advance(30);
    k.engine->tick();
    CHECK(k.screen() == "issued");
    CHECK(k.issuer.captures.empty());
    k.clock.advance(31);
    k.engine->tick();
    CHECK(k.screen() == "idle");
    CHECK(k.view().at("message").as_string().find("已回收") != std::string::npos);
    REQUIRE(k.issuer.captures.size() == 1);
    CHECK(k.issuer.captures[0].first == "110100000000000017");
    const auto steps = k.journal.steps(session);
    REQUIRE(steps.size() == 4);
    CHECK(steps[3].type == StepType::DispenserMove);
    CHECK(steps[3].detail.find("capture") != std::string::npos);
    CHECK(steps[3].status == StepStatus::Ok);
    CHECK(k.journal.session(session)->endReason == "timeout");
}

TEST_CASE("card issuance: 完成 with the card still at the gate: watched on idle, then captured") {
    Rig k;
    k.toConfirm("110101199003077777");
    k.action("confirm");
    const auto session = k.lastSession();
    k.action("done");
    REQUIRE(k.screen() == "idle");
    // The option is shown unavailable while a card waits at the gate.
    const auto v = k.view();
    bool disabled = false;
    for (const auto& a : v.at("actions").as_array()) {
        if (a.at("id").as_string() == "issue_card") {
            disabled = a.as_object().contains("disabled") && a.at("disabled").as_bool();
        }
    }
    CHECK(disabled);
    k.clock.advance(61);
    k.engine->tick();
    CHECK(k.screen() == "idle");
    REQUIRE(k.issuer.captures.size() == 1);
    CHECK(k.journal.steps(session).back().detail.find("capture") != std::string::npos);
    CHECK(k.hasAction("issue_card"));
}

TEST_CASE("card issuance: no blank card in the dispenser shows the option unavailable, with why") {
    Rig k;
    k.issuer.reason = "发卡机空白卡已用完，暂停办卡，请到人工窗口办理";
    const auto v = k.view();
    const json::object* entry = nullptr;
    for (const auto& a : v.at("actions").as_array()) {
        if (a.at("id").as_string() == "issue_card") {
            entry = &a.as_object();
        }
    }
    REQUIRE(entry != nullptr);
    CHECK(entry->at("disabled").as_bool());
    CHECK(entry->at("detail").as_string() == k.issuer.reason);
    k.action("issue_card");
    CHECK(k.screen() == "idle");
    CHECK(k.errorCode() == "issuance_unavailable");
    CHECK(k.errorText().find("空白卡已用完") != std::string::npos);
    // From a card session's menu: the item is there, disabled, with the reason.
    k.engine->cardInserted(std::make_shared<FakeCard>());
    REQUIRE(k.screen() == "menu");
    const auto m = k.view();
    bool found = false;
    for (const auto& it : m.at("items").as_array()) {
        if (it.at("id").as_string() == "issuance") {
            found = true;
            CHECK(it.at("disabled").as_bool());
            CHECK(it.at("detail").as_string() == k.issuer.reason);
        }
    }
    CHECK(found);
    // Stock runs out between the ID number and the confirm: refused before anything moves.
    k.engine->cardRemoved();
    k.issuer.reason.clear();
    k.toConfirm("110101199003077777");
    k.issuer.reason = "发卡机空白卡已用完，暂停办卡，请到人工窗口办理";
    k.action("confirm");
    CHECK(k.errorCode() == "issuance_unavailable");
    CHECK(k.issuer.loads == 0);
}

TEST_CASE("card issuance: the ethnicity screen lists 汉族 first, pages, searches, preselects") {
    Rig k;
    k.issuer.preselected = 5; // 维吾尔族 configured as the default
    k.action("issue_card");
    k.type("110101199003077777");
    REQUIRE(k.screen() == "choose_ethnicity");
    auto v = k.view();
    auto items = v.at("items").as_array();
    REQUIRE(items.size() == 13); // 12 groups and 下一页
    CHECK(items[0].at("label").as_string() == "汉族");
    CHECK(items[1].at("label").as_string() == "维吾尔族");
    CHECK(items[1].at("detail").as_string() == "默认");
    CHECK(items[12].at("id").as_string() == "page:next");
    CHECK(v.at("data").at("preselected").as_string() == "eth:05");
    CHECK(v.at("data").at("pages").as_int64() == 5);
    // All 56 codes over the pages, each once.
    std::set<std::string> seen;
    for (int page = 0; page < 5; ++page) {
        v = k.view();
        for (const auto& it : v.at("items").as_array()) {
            const std::string id(it.at("id").as_string());
            if (id.rfind("eth:", 0) == 0) {
                seen.insert(id);
            }
        }
        if (page < 4) {
            k.choose("page:next");
        }
    }
    CHECK(seen.size() == 56);
    k.choose("page:prev");
    CHECK(k.view().at("data").at("page").as_int64() == 4);
    k.type("回");
    v = k.view();
    items = v.at("items").as_array();
    REQUIRE(items.size() == 2); // 回族 and 显示全部
    CHECK(items[0].at("label").as_string() == "回族");
    k.type("火星");
    CHECK(k.view().at("message").as_string().find("未找到") != std::string::npos);
    k.choose("page:all");
    CHECK(k.view().at("items").as_array().size() == 13);
    k.choose("eth:99");
    CHECK(k.screen() == "choose_ethnicity"); // not on the list: a stale click
    k.choose("eth:05");
    REQUIRE(k.screen() == "confirm_data");
    k.action("confirm");
    CHECK(k.issuer.last.ethnicity == 5);
}

TEST_CASE("card issuance: an ID number unknown to the HIS creates the patient") {
    Rig k;
    k.toConfirm("110101200001011234");
    CHECK(k.his.createCalls == 1);
    CHECK(k.his.patients.count("110101200001011234") == 1);
}

TEST_CASE("card issuance: validation rejects name the field and the rule; nothing written") {
    Rig k;
    k.issuer.rejects = { { "姓名", "不能为空" } };
    k.toConfirm("110101200001011234");
    k.action("confirm");
    CHECK(k.screen() == "confirm_data");
    CHECK(k.errorCode() == "issuance_rejected");
    CHECK(k.errorText().find("姓名（不能为空）") != std::string::npos);
    CHECK(k.issuer.issued == 0);
    CHECK(k.issuer.loads == 0);
    CHECK(k.journal.steps(k.lastSession()).empty());
}

TEST_CASE("card issuance: a failed write: spoiled card captured and journaled, retry with the "
          "next card") {
    Rig k;
    k.issuer.spoil = true;
    k.toConfirm("110101199003077777");
    k.action("confirm");
    CHECK(k.screen() == "confirm_data");
    CHECK(k.errorCode() == "issuance_failed");
    CHECK(k.errorText().find("已回收作废") != std::string::npos);
    CHECK(k.errorText().find("重试") != std::string::npos);
    CHECK(k.issuer.dispensed == 0);
    REQUIRE(k.issuer.captures.size() == 1);
    CHECK(k.issuer.captures[0].first.empty()); // the register already says failed
    auto steps = k.stepList();
    REQUIRE(steps.size() == 3);
    CHECK(steps[0] == "dispenser_move:dispenser_move;to_ic:OK");
    CHECK(steps[1].rfind("card_issue:", 0) == 0);
    CHECK(steps[1].find(":FAILED") != std::string::npos);
    CHECK(steps[2] == "dispenser_move:dispenser_move;capture spoiled:OK");
    // Retry with the next card: new request ids, written, ejected.
    k.issuer.spoil = false;
    k.action("confirm");
    REQUIRE(k.screen() == "issued");
    CHECK(k.issuer.loads == 2);
    REQUIRE(k.issuer.requestIds.size() == 2);
    CHECK(k.issuer.requestIds[0] != k.issuer.requestIds[1]);
    steps = k.stepList();
    REQUIRE(steps.size() == 6);
    CHECK(steps[5].find("eject") != std::string::npos);
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
    k.choose("eth:01");
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

TEST_CASE("card issuance: a dispenser move and a card write left PENDING by a crash are resolved "
          "FAILED at boot, nothing compensated, the session recovered") {
    hc::testing::TempDir dir { "hc-kiss-rec-" };
    Journal journal { dir / "journal.db" };
    const auto session = journal.openSession("K01", "ISS");
    journal.beginStep(
        session, { StepType::DispenserMove, session + "-TOIC", 0, "dispenser_move;to_ic" });
    journal.beginStep(
        session, { StepType::CardIssue, session + "-ISSUE", 0, "card_issue;id=1101****" });
    CHECK(journal.endOpenSessionsAfterCrash() == 1);
    FakeHis his;
    RecoveryExecutor recovery(journal, &his, nullptr, nullptr);
    const auto reports = recovery.recoverAll(nullptr);
    REQUIRE(reports.size() == 1);
    CHECK(reports[0].recovered);
    CHECK(reports[0].compensations == 0);
    const auto steps = journal.steps(session);
    REQUIRE(steps.size() == 2);
    CHECK(steps[0].status == StepStatus::Failed);
    CHECK(steps[0].reason.find("captured at boot") != std::string::npos);
    CHECK(steps[1].status == StepStatus::Failed);
    CHECK(journal.sessionsToRecover().empty());
}
