// Unit tests of RegisterCardIssuer (the kiosk's card issuance over hc_issuance): a real register
// on SQLite in a temporary folder, a scripted CardWriter standing in for the blank-card reader.
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

TEST_CASE("register issuer: a valid resident is written, verified and issued in the register") {
    Rig k;
    CHECK(k.issuer.validate(lina).empty());
    const auto card = k.issuer.issue(lina, "K01-ISS-1-ISSUE");
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
