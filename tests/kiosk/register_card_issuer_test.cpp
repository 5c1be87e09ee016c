// Unit tests of RegisterCardIssuer (the kiosk's card issuance over hc_issuance): a real register
// on SQLite in a temporary folder, a scripted CardWriter standing in for the blank-card reader and
// a scripted CardDispenser (stock, positions, capture; the boot rule after a crash).
#include "hc/dispenser/card_dispenser.hpp"
#include "hc/dispenser/error.hpp"
#include "hc/issuance/register_store.hpp"
#include "hc/kiosk/core/register_card_issuer.hpp"
#include "hc/testing/process.hpp"

#include <doctest/doctest.h>

using namespace hc::kiosk::core;
namespace iss = hc::issuance;

namespace {

struct ScriptedWriter final : iss::CardWriter {
    iss::CardPresence present = iss::CardPresence::Blank;
    bool failWrite = false;
    bool differ = false;
    int writes = 0;
    iss::CardJob last;
    iss::CardPresence probe(const std::string&) override { return present; }
    iss::WriteResult personalize(const std::string&, const iss::CardJob& job) override {
        last = job;
        ++writes;
        if (failWrite) {
            throw hc::Error("6581 memory failure", hc::NextStep::CallStaff);
        }
        return { "4843000000000001", 145 };
    }
    std::vector<iss::FieldMismatch> verify(const std::string&, const iss::CardJob&) override {
        if (differ) {
            return { { "holder.name", "李*", "王*" } };
        }
        return {};
    }
    std::string chipSerial(const std::string&) override { return "4843000000000001"; }
    void blockApplication(const std::string&, const std::string&) override { }
    void unblockApplication(const std::string&, const std::string&) override { }
    void resetPin(const std::string&, const std::string&, const std::string&) override { }
};

namespace dsp = hc::dispenser;

struct ScriptedDispenser final : dsp::CardDispenser {
    dsp::DispenserStatus s { 5, false, 0, false, dsp::CardPosition::None, false };
    std::vector<std::string> moves;
    bool down = false;
    dsp::DispenserStatus status() override {
        if (down) {
            throw dsp::DispenserUnavailable("tcp:127.0.0.1:1: cannot connect");
        }
        return s;
    }
    dsp::DispenserStatus moveToIc() override {
        moves.push_back("MI");
        if (s.stock == 0) {
            throw dsp::DispenserError("empty", dsp::DispenserFault::Empty, s);
        }
        --s.stock;
        s.position = dsp::CardPosition::IcPosition;
        return s;
    }
    dsp::DispenserStatus eject() override {
        moves.push_back("EJ");
        s.position = dsp::CardPosition::Gate;
        return s;
    }
    dsp::DispenserStatus capture() override {
        moves.push_back("CP");
        s.position = dsp::CardPosition::None;
        ++s.binCount;
        return s;
    }
    std::string address() const override { return "scripted"; }
};

struct Rig {
    hc::testing::TempDir dir { "hc-kreg-" };
    std::unique_ptr<iss::IssuanceRegister> reg
        = iss::openRegister("sqlite:" + (dir / "register.db").string(), "110100");
    ScriptedWriter writer;
    RegisterCardIssuer issuer { *reg, writer, options() };

    static RegisterCardIssuerOptions options() {
        RegisterCardIssuerOptions o;
        o.reader = "Virtual PCD 00 02";
        o.issuer.pinPolicy = "id-last6";
        o.defaultEthnicity = 1;
        o.today = "20261124";
        return o;
    }
};

const IssuanceApplicant lina { "110101199003077766", "李娜", "female", "1990-03-07" };

} // namespace

TEST_CASE("register issuer: the generated PIN policy cannot be used at a kiosk") {
    hc::testing::TempDir dir { "hc-kreg-" };
    auto reg = iss::openRegister("sqlite:" + (dir / "register.db").string(), "110100");
    ScriptedWriter w;
    auto o = Rig::options();
    o.issuer.pinPolicy = "generated";
    CHECK_THROWS_AS(RegisterCardIssuer(*reg, w, o), hc::InputError);
}

TEST_CASE("register issuer: a valid resident is written, verified, and issued once taken") {
    Rig k;
    CHECK(k.issuer.validate(lina).empty());
    const auto card = k.issuer.issue(lina, "K01-ISS-1-ISSUE");
    CHECK(std::string(iss::describe(k.reg->find(card.cardNo)->status)) == "verified");
    CHECK(k.issuer.taken(card.cardNo)); // no dispenser: handed over at once
    CHECK(card.pin == "077766");
    CHECK(card.cardNo.size() == 18);
    CHECK(card.cardNo.rfind("110100", 0) == 0);
    CHECK(k.writer.last.resident.sex == 2);
    CHECK(k.writer.last.resident.birthDate == "19900307");
    CHECK(k.writer.last.expiryDate == "20361124");
    const auto entry = k.reg->find(card.cardNo);
    REQUIRE(entry);
    CHECK(std::string(iss::describe(entry->status)) == "issued");
    CHECK(entry->chipSerial == "4843000000000001");
    // The same resident now holds an active card: a second issuance is rejected.
    const auto again = k.issuer.validate(lina);
    REQUIRE(again.size() == 1);
    CHECK(again[0].field == "身份证号");
    CHECK(again[0].rule == "已持有有效的居民健康卡");
}

TEST_CASE("register issuer: rejects name the field in Chinese") {
    Rig k;
    auto bad = lina;
    bad.idNumber = "110101199003077777"; // wrong check digit
    const auto r = k.issuer.validate(bad);
    REQUIRE_FALSE(r.empty());
    CHECK(r[0].field == "身份证号");
    CHECK_THROWS_AS(k.issuer.issue(bad, "K01-ISS-2-ISSUE"), hc::InputError);
    CHECK(k.writer.writes == 0);
}

TEST_CASE("register issuer: a failed write or read-back spoils the card in the register") {
    Rig k;
    k.writer.differ = true;
    CHECK_THROWS_AS(k.issuer.issue(lina, "K01-ISS-3-ISSUE"), IssuanceFailed);
    const auto all = k.reg->list();
    REQUIRE(all.size() == 1);
    CHECK(std::string(iss::describe(all[0].status)) == "failed");
    // Not requeued: the resident may try again (a new card number) once staff fixed the cause.
    k.writer.differ = false;
    k.writer.failWrite = true;
    CHECK_THROWS_AS(k.issuer.issue(lina, "K01-ISS-4-ISSUE"), IssuanceFailed);
    CHECK(k.reg->list().size() == 2);
    k.writer.failWrite = false;
    k.writer.present = iss::CardPresence::None;
    CHECK_THROWS_AS(k.issuer.issue(lina, "K01-ISS-5-ISSUE"), hc::Error);
    CHECK(k.writer.writes == 2);
}

namespace {

struct DispenserRig : Rig {
    ScriptedDispenser dispenser;
    RegisterCardIssuer withDispenser { *reg, writer, dispenserOptions(&dispenser) };
    static RegisterCardIssuerOptions dispenserOptions(dsp::CardDispenser* d) {
        auto o = options();
        o.dispenser = d;
        o.batchPrefix = "kiosk-K01-";
        return o;
    }
};

} // namespace

TEST_CASE("register issuer with a dispenser: unavailable reasons in Chinese, from the status") {
    DispenserRig k;
    auto& i = k.withDispenser;
    CHECK(i.unavailableReason().empty());
    CHECK(i.preselectedEthnicity() == 1);
    k.dispenser.s.stock = 0;
    // Cached for about a second: a move refreshes it.
    CHECK_THROWS_AS(i.loadBlank(), dsp::DispenserError);
    CHECK(i.unavailableReason().find("空白卡已用完") != std::string::npos);
    k.dispenser.s.stock = 3;
    k.dispenser.s.jam = true;
    i.capture({}, "test");
    CHECK(i.unavailableReason().find("卡滞") != std::string::npos);
    k.dispenser.s.jam = false;
    k.dispenser.down = true;
    CHECK_THROWS_AS(i.taken("110100000000000001"), hc::Error);
    CHECK(i.unavailableReason().find("无法连接") != std::string::npos);
}

TEST_CASE("register issuer with a dispenser: to IC, write, eject; issued only when taken") {
    DispenserRig k;
    auto& i = k.withDispenser;
    i.loadBlank();
    const auto card = i.issue(lina, "K01-ISS-7-ISSUE");
    i.present();
    CHECK(k.dispenser.moves == std::vector<std::string> { "MI", "EJ" });
    CHECK_FALSE(i.taken(card.cardNo)); // still at the gate
    CHECK(i.unavailableReason().find("未取走") != std::string::npos);
    CHECK(std::string(iss::describe(k.reg->find(card.cardNo)->status)) == "verified");
    k.dispenser.s.position = dsp::CardPosition::None; // the patient took it
    CHECK(i.taken(card.cardNo));
    CHECK(std::string(iss::describe(k.reg->find(card.cardNo)->status)) == "issued");
}

TEST_CASE("register issuer with a dispenser: a card not taken is captured and failed in the "
          "register, so the resident can be issued another") {
    DispenserRig k;
    auto& i = k.withDispenser;
    i.loadBlank();
    const auto card = i.issue(lina, "K01-ISS-8-ISSUE");
    i.present();
    i.capture(card.cardNo, "not taken from the gate in time");
    CHECK(k.dispenser.moves.back() == "CP");
    const auto e = k.reg->find(card.cardNo);
    CHECK(std::string(iss::describe(e->status)) == "failed");
    CHECK(e->detail.find("not taken") != std::string::npos);
    CHECK(i.validate(lina).empty()); // no active card: a new one may be issued
}

TEST_CASE("register issuer: boot rule — a card left at the IC position after a crash is captured "
          "and failed; a verified card no longer in the machine counts issued") {
    DispenserRig k;
    auto& i = k.withDispenser;
    // Crash after the write, before the eject: the card is at IC, the register says verified.
    i.loadBlank();
    const auto card = i.issue(lina, "K01-ISS-9-ISSUE");
    auto r = i.recoverAfterRestart();
    CHECK(r.captured);
    REQUIRE(r.failed.size() == 1);
    CHECK(r.failed[0] == card.cardNo);
    CHECK(std::string(iss::describe(k.reg->find(card.cardNo)->status)) == "failed");
    CHECK(k.dispenser.moves.back() == "CP");
    // Crash after the eject, the patient took the card: the transport is empty -> issued.
    const IssuanceApplicant wang { "110101198506061235", "王伟", "male", "1985-06-06" };
    REQUIRE(i.validate(wang).empty());
    i.loadBlank();
    const auto second = i.issue(wang, "K01-ISS-10-ISSUE");
    i.present();
    k.dispenser.s.position = dsp::CardPosition::None;
    r = i.recoverAfterRestart();
    CHECK_FALSE(r.captured);
    REQUIRE(r.issued.size() == 1);
    CHECK(std::string(iss::describe(k.reg->find(second.cardNo)->status)) == "issued");
    // Another kiosk's batches are not touched, and a second boot does nothing.
    r = i.recoverAfterRestart();
    CHECK(r.failed.empty());
    CHECK(r.issued.empty());
}
