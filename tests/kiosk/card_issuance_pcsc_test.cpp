// Integration test of card issuance at the kiosk through the real parts: the engine's issuance
// flow (HIS faked) over RegisterCardIssuer, a SQLite register, PersoCardWriter through pcscd +
// vpcd to `hcemu` holding a blank card on slot 2, and the issuer's keys in a SoftHSM2 token; then
// the same with dispenser-sim bringing each blank card (hcemu --blank) into slot 2, ejecting it
// (the issued card read back from another reader) or capturing one not taken.
#include "../issuance/perso_test_util.hpp"
#include "core_fakes.hpp"
#include "dispenser_sim.hpp"
#include "hc/hsm/pkcs11_hsm.hpp"
#include "hc/issuance/perso_card_writer.hpp"
#include "hc/kiosk/core/engine.hpp"
#include "hc/kiosk/core/register_card_issuer.hpp"
#include "hc/testing/pcsc_stack.hpp"
#include "hc/testing/softhsm_token.hpp"

#include <doctest/doctest.h>

using namespace hc::kiosk;
using namespace hc::kiosk::core;
using namespace hc::kiosk::testing;
namespace json = boost::json;
namespace iss = hc::issuance;

TEST_CASE("kiosk card issuance over pcscd: a blank card in slot 2 is personalized and issued") {
    hc::testing::sharedPcscd();
    hc::testing::SoftHsmToken token("hc-kiosk-iss");
    hc::hsm::Pkcs11Hsm hsm(token.options());
    persotest::importIssuerKeys(hsm);
    auto profile = hc::perso::PersoProfile::defaultProfile();
    profile.pin.source = hc::perso::PinSource::Given; // the kiosk shows the policy's PIN
    hc::perso::Personalizer perso(hsm, profile);
    iss::PersoCardWriter writer(perso);

    hc::testing::TempDir dir { "hc-kiss-pcsc-" };
    const auto image = dir / "blank.json";
    hc::emu::saveCardImage(hc::emu::makeBlankCard(hc::Bytes { 0xB1, 0x5E, 0, 0, 0, 0, 0, 0x42 },
                               hc::fromHex(hc::emu::kTestTransportMasterHex)),
        image);
    hc::testing::EmulatedCard blank(image.string(), 2);

    auto reg = iss::openRegister("sqlite:" + (dir / "register.db").string(), "110100");
    RegisterCardIssuerOptions o;
    o.reader = hc::testing::kReader2;
    o.issuer.pinPolicy = "id-last6";
    o.defaultEthnicity = 1;
    RegisterCardIssuer issuer(*reg, writer, o);

    Journal journal { dir / "journal.db" };
    FakeHis his;
    his.patients["110101199003077766"]
        = { "P0009", "110101199003077766", "李娜", "female", "1990-03-07", "" };
    FakeClock clock;
    EngineParts p;
    p.journal = &journal;
    p.his = &his;
    p.clock = &clock;
    p.issuer = &issuer;
    EngineConfig c;
    c.cardIssuance = true;
    Engine engine(loadFlows(hc::testing::sourcePath("kiosk/flows"), engineHandlers()), p, c);

    engine.handleInput({ { "type", "action" }, { "action", "issue_card" } });
    engine.handleInput({ { "type", "input" }, { "value", "110101199003077766" } });
    engine.handleInput({ { "type", "choose" }, { "item", "eth:01" } });
    REQUIRE(engine.currentView().at("screen").as_string() == "confirm_data");
    engine.handleInput({ { "type", "action" }, { "action", "confirm" } });
    const auto v = engine.currentView();
    INFO(json::serialize(v));
    for (const auto& s : journal.steps(std::string(v.at("session").as_string()))) {
        CHECK_MESSAGE(s.status == StepStatus::Ok, s.reason);
    }
    REQUIRE(v.at("screen").as_string() == "issued");
    CHECK(v.at("data").at("pin").as_string() == "077766");

    // No dispenser: handed over at once, counted issued at the next tick.
    clock.advance(1);
    engine.tick();
    const auto cards = reg->list();
    REQUIRE(cards.size() == 1);
    CHECK(std::string(iss::describe(cards[0].status)) == "issued");
    CHECK_FALSE(cards[0].chipSerial.empty());
    // The card in the reader is no longer blank, and reads back as the register says.
    CHECK(writer.probe(hc::testing::kReader2) == iss::CardPresence::Personalized);
    CHECK(cards[0].resident.name == "李娜");
    CHECK(writer.chipSerial(hc::testing::kReader2) == cards[0].chipSerial);
}

TEST_CASE("kiosk card issuance with dispenser-sim: the blank card comes from the stack, is "
          "handed out at the gate, and one not taken is captured and failed") {
    hc::testing::sharedPcscd();
    hc::testing::SoftHsmToken token("hc-kiosk-iss2");
    hc::hsm::Pkcs11Hsm hsm(token.options());
    persotest::importIssuerKeys(hsm);
    auto profile = hc::perso::PersoProfile::defaultProfile();
    profile.pin.source = hc::perso::PinSource::Given;
    hc::perso::Personalizer perso(hsm, profile);
    iss::PersoCardWriter writer(perso);

    hc::testing::DispenserSim sim(2, 2);
    auto dispenser = sim.driver();
    hc::testing::TempDir dir { "hc-kiss-disp-" };
    auto reg = iss::openRegister("sqlite:" + (dir / "register.db").string(), "110100");
    RegisterCardIssuerOptions o;
    o.reader = hc::testing::kReader2;
    o.issuer.pinPolicy = "id-last6";
    o.dispenser = &dispenser;
    RegisterCardIssuer issuer(*reg, writer, o);

    Journal journal { dir / "journal.db" };
    FakeHis his;
    his.patients["110101199003077766"]
        = { "P0009", "110101199003077766", "李娜", "female", "1990-03-07", "" };
    his.patients["110101198506061235"]
        = { "P0010", "110101198506061235", "王伟", "male", "1985-06-06", "" };
    FakeClock clock;
    EngineParts p;
    p.journal = &journal;
    p.his = &his;
    p.clock = &clock;
    p.issuer = &issuer;
    EngineConfig c;
    c.cardIssuance = true;
    Engine engine(loadFlows(hc::testing::sourcePath("kiosk/flows"), engineHandlers()), p, c);
    const auto issueTo = [&](const std::string& id) {
        engine.handleInput({ { "type", "action" }, { "action", "issue_card" } });
        engine.handleInput({ { "type", "input" }, { "value", id } });
        engine.handleInput({ { "type", "choose" }, { "item", "eth:01" } });
        engine.handleInput({ { "type", "action" }, { "action", "confirm" } });
        const auto v = engine.currentView();
        INFO(json::serialize(v) << sim.log());
        REQUIRE(v.at("screen").as_string() == "issued");
        return std::string(v.at("session").as_string());
    };

    const auto first = issueTo("110101199003077766");
    auto cards = reg->list();
    REQUIRE(cards.size() == 1);
    CHECK(std::string(iss::describe(cards[0].status)) == "verified"); // at the gate
    CHECK(dispenser.status().position == hc::dispenser::CardPosition::Gate);
    // Out of the issuance reader, at the gate: the patient takes it.
    CHECK(hc::testing::waitForCard(hc::testing::kReader2, false, std::chrono::seconds(5)));
    const auto taken = sim.command("XT");
    REQUIRE(taken.extra.count("IMG") == 1);
    clock.advance(1);
    engine.tick();
    CHECK(engine.currentView().at("screen").as_string() == "idle");
    CHECK(std::string(iss::describe(reg->find(cards[0].cardNo)->status)) == "issued");
    CHECK(journal.steps(first).back().detail.find("taken") != std::string::npos);
    {
        // The card the patient took reads back in another reader as the register says.
        hc::testing::EmulatedCard card(taken.extra.at("IMG"), 3);
        CHECK(writer.probe(hc::testing::kReader3) == iss::CardPresence::Personalized);
        CHECK(writer.chipSerial(hc::testing::kReader3) == cards[0].chipSerial);
    }

    // The second resident walks away: captured at the countdown's end, failed in the register.
    const auto second = issueTo("110101198506061235");
    clock.advance(61);
    engine.tick();
    CHECK(engine.currentView().at("screen").as_string() == "idle");
    cards = reg->list();
    REQUIRE(cards.size() == 2);
    CHECK(std::string(iss::describe(cards[1].status)) == "failed");
    const auto st = dispenser.status();
    CHECK(st.binCount == 1);
    CHECK(st.position == hc::dispenser::CardPosition::None);
    CHECK(journal.steps(second).back().detail.find("capture") != std::string::npos);
    // The stack is now empty: the option is shown unavailable with the reason.
    bool disabled = false;
    const auto idle = engine.currentView();
    for (const auto& a : idle.at("actions").as_array()) {
        if (a.at("id").as_string() == "issue_card") {
            disabled = a.at("disabled").as_bool();
            CHECK(a.at("detail").as_string().find("空白卡已用完") != std::string::npos);
        }
    }
    CHECK(disabled);
}
