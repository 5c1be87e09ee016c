// kioskd as a process against his-sim, paygw-sim and escpos-sim with the file-backed card
// (--fake-card), driven through /api/input: 退号 (appointment cancellation) of a registration
// paid from the e-purse or by QR, with kill -9 right after the HIS cancel and right after the
// card refund load; at restart the patient is refunded exactly once (card balance, gateway
// refund count, the journal), also after a second restart. his-sim's cut-off (--now,
// /admin/clock) refuses a late cancel with nothing refunded; its cancel frees the slot and is
// idempotent by request id. The cashier window refunds an e-purse invoice onto the card inserted
// there (kioskd --mode cashier on the same journal).
#include "hc/kiosk/journal.hpp"
#include "hc/testing/process.hpp"
#include "kioskd_harness.hpp"
#include "sim_client.hpp"

#include <boost/json.hpp>
#include <ctime>
#include <doctest/doctest.h>
#include <fstream>
#include <sstream>

using namespace hc::kiosk::test;
namespace json = boost::json;
using hc::testing::readFile;

namespace {

/** Today in China (what kioskd's clock books). */
std::string todayCn() {
    const std::time_t t = std::time(nullptr) + 8 * 3600;
    std::tm tm {};
    ::gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

std::string hashOf(const std::string& salt, const std::string& pin) {
    const auto h = hc::testing::runCommand(
        { hc::testing::binaryPath("kioskd/kioskd").string(), "--hash-pin-sm3", salt }, pin + "\n");
    REQUIRE(h.status == 0);
    return h.out.substr(0, 64);
}

struct Rig : KioskdRig {
    std::string today = todayCn();
    // The HIS's clock at 06:00 today: every slot of the day can still be cancelled (the cut-off
    // is 30 min before the start).
    Rig()
        : KioskdRig({ "--today", todayCn(), "--now", todayCn() + "T06:00" }) {
        cardArgs = { "--fake-card", (dir / "card.json").string(), "--allow-ui-card-events" };
    }
    json::object type(const std::string& v) {
        return input(R"({"type":"input","value":")" + v + "\"}");
    }
    json::object insert() { return input(R"({"type":"card","event":"inserted"})"); }
    std::int64_t balance() {
        return json::parse(readFile(dir / "card.json")).at("balance").as_int64();
    }
    json::array appointmentList() {
        const auto b = bodyOf(httpGet(hisPort, "/fhir/Appointment?patient=P0001"));
        const auto* e = b.as_object().if_contains("entry");
        return e == nullptr ? json::array {} : e->as_array();
    }
    std::string appointmentStatus() {
        return std::string(appointmentList().at(0).at("resource").at("status").as_string());
    }
    /** Registration of the first free slot, paid with `how`; returns the fee. Ends on menu. */
    std::int64_t register_(const std::string& how) {
        REQUIRE(insert().at("screen").as_string() == "menu");
        auto v = choose("registration");
        v = choose(std::string(v.at("items").at(0).at("id").as_string()));
        v = choose(std::string(v.at("items").at(0).at("id").as_string()));
        REQUIRE(v.at("screen").as_string() == "choose_slot");
        std::string slot;
        for (const auto& i : v.at("items").as_array()) {
            if (!i.at("disabled").as_bool() && slot.empty()) {
                slot = std::string(i.at("id").as_string());
            }
        }
        REQUIRE(!slot.empty());
        REQUIRE(choose(slot).at("screen").as_string() == "confirm");
        REQUIRE(action("confirm").at("screen").as_string() == "choose_payment");
        v = choose(how);
        if (how == "qr") {
            REQUIRE(v.at("screen").as_string() == "qr_pay");
            (void)httpPost(payPort, "/admin/pay-all", "{}");
            v = action("paid");
        }
        REQUIRE(v.at("screen").as_string() == "done");
        const auto fee = v.at("data").at("feeFen").as_int64();
        action("done");
        return fee;
    }
    /** From the menu to the cancel confirmation of the patient's one appointment. */
    json::object toCancelConfirm() {
        auto v = choose("cancel_appointment");
        REQUIRE(v.at("screen").as_string() == "choose_appointment");
        REQUIRE(v.at("items").as_array().size() == 1);
        return choose(std::string(v.at("items").at(0).at("id").as_string()));
    }
    /** Steps of every session of the journal of this type with this status. */
    int count(hc::kiosk::StepType type, hc::kiosk::StepStatus status) {
        hc::kiosk::Journal j(dir / "journal.db");
        int n = 0;
        std::istringstream ledger(readFile(dir / "journal.db.shift"));
        for (std::string line; std::getline(ledger, line);) {
            if (line.rfind("S\t", 0) != 0) {
                continue;
            }
            for (const auto& s : j.steps(line.substr(2, line.find('\t', 2) - 2))) {
                n += s.type == type && s.status == status ? 1 : 0;
            }
        }
        return n;
    }
};

} // namespace

TEST_CASE("kioskd 退号 of an e-purse registration: kill -9 after the HIS cancel -> at restart "
          "the fee is loaded back onto the card once") {
    using hc::kiosk::StepStatus;
    using hc::kiosk::StepType;
    Rig r;
    r.start();
    const auto start = r.balance();
    const auto fee = r.register_("purse");
    CHECK(r.balance() == start - fee);
    r.kioskd->stop();
    r.start("his_cancel_appointment");
    REQUIRE(r.insert().at("screen").as_string() == "menu");
    auto v = r.toCancelConfirm();
    REQUIRE(v.at("screen").as_string() == "cancel_confirm");
    CHECK(v.at("data").at("refundTo").as_string() == "purse");
    CHECK(v.at("data").at("ownFen").as_int64() == fee);
    r.inputUntilDeath(R"({"type":"action","action":"confirm"})");
    CHECK(r.appointmentStatus() == "cancelled");
    CHECK(r.balance() == start - fee); // killed before the load
    r.start(); // boot recovery, the card in the (file-backed) reader
    CHECK(r.balance() == start);
    r.kioskd->stop();
    r.start(); // a second boot, and the card inserted again: nothing more
    r.insert();
    CHECK(r.balance() == start);
    r.kioskd->stop();
    CHECK(r.count(StepType::HisCancelAppointment, StepStatus::Ok) == 1);
    CHECK(r.count(StepType::CardRefundLoad, StepStatus::Ok) == 1);
    CHECK(r.unrecovered().empty());
    INFO(readFile(r.dir / "kioskd.log"));
    CHECK(readFile(r.dir / "kioskd.log").find("refund card_refund_load (purse)")
        != std::string::npos);
}

TEST_CASE("kioskd 退号: kill -9 after the card refund load -> at restart nothing is loaded "
          "again") {
    using hc::kiosk::StepStatus;
    using hc::kiosk::StepType;
    Rig r;
    r.start();
    const auto start = r.balance();
    const auto fee = r.register_("purse");
    r.kioskd->stop();
    r.start("card_refund_load");
    r.insert();
    REQUIRE(r.toCancelConfirm().at("screen").as_string() == "cancel_confirm");
    r.inputUntilDeath(R"({"type":"action","action":"confirm"})");
    CHECK(r.balance() == start); // loaded before the kill
    r.start();
    r.insert();
    CHECK(r.balance() == start);
    r.kioskd->stop();
    r.start();
    CHECK(r.balance() == start);
    r.kioskd->stop();
    CHECK(r.count(StepType::CardRefundLoad, StepStatus::Ok) == 1);
    CHECK(r.unrecovered().empty());
    (void)fee;
}

TEST_CASE("kioskd 退号 of a QR registration: kill -9 after the HIS cancel -> refunded through the "
          "gateway once; his-sim frees the slot, is idempotent and refuses after the cut-off") {
    Rig r;
    r.start();
    r.register_("qr");
    REQUIRE(r.orders().size() == 1);
    const auto slotRef = std::string(
        r.appointmentList().at(0).at("resource").at("slot").at(0).at("reference").as_string());
    r.kioskd->stop();
    r.start("his_cancel_appointment");
    r.insert();
    REQUIRE(r.toCancelConfirm().at("data").at("refundTo").as_string() == "qr");
    r.inputUntilDeath(R"({"type":"action","action":"confirm"})");
    CHECK(r.orders()[0].at("state").as_string() == "paid");
    r.start();
    auto orders = r.orders();
    CHECK(orders[0].at("state").as_string() == "refunded");
    CHECK(orders[0].at("refunds").as_int64() == 1);
    r.kioskd->stop();
    r.start();
    CHECK(r.orders()[0].at("refunds").as_int64() == 1);

    // his-sim: the cancelled appointment's slot is free again; the cancel is idempotent by
    // request id and refused for another request.
    const auto slotId = slotRef.substr(slotRef.find('/') + 1);
    const auto doctor = slotId.substr(3, slotId.find('-', 3) - 3);
    const auto slots
        = bodyOf(httpGet(r.hisPort, "/fhir/Slot?practitioner=" + doctor + "&date=" + r.today));
    bool freeAgain = false;
    for (const auto& e : slots.at("entry").as_array()) {
        if (e.at("resource").at("id").as_string() == slotId) {
            freeAgain = e.at("resource").at("status").as_string() == "free";
        }
    }
    CHECK(freeAgain);
    const std::string appt(r.appointmentList().at(0).at("resource").at("id").as_string());
    const auto again = httpPost(
        r.hisPort, "/fhir/Appointment/" + appt + "/$cancel", R"({"requestId":"other-request"})");
    CHECK(again.find("409") != std::string::npos);
    std::string cancelRid; // the kiosk's request id: the same request answers the first result
    {
        hc::kiosk::Journal j(r.dir / "journal.db");
        std::istringstream ledger(readFile(r.dir / "journal.db.shift"));
        for (std::string line; std::getline(ledger, line);) {
            if (line.rfind("S\t", 0) == 0) {
                for (const auto& s : j.steps(line.substr(2, line.find('\t', 2) - 2))) {
                    if (s.type == hc::kiosk::StepType::HisCancelAppointment) {
                        cancelRid = s.requestId;
                    }
                }
            }
        }
    }
    REQUIRE_FALSE(cancelRid.empty());
    const auto same = httpPost(r.hisPort, "/fhir/Appointment/" + appt + "/$cancel",
        R"({"requestId":")" + cancelRid + "\"}");
    CHECK(same.find("200 OK") != std::string::npos);
    const auto byQuery
        = bodyOf(httpGet(r.hisPort, "/fhir/Appointment?cancel-request=" + cancelRid));
    CHECK(byQuery.at("entry").at(0).at("resource").at("id").as_string() == appt);

    // A second registration, then the HIS's clock past its cut-off: listed as not cancellable,
    // and a cancel the HIS refuses refunds nothing.
    const auto fee = r.register_("purse");
    const auto before = r.balance();
    (void)httpPost(r.hisPort, "/admin/clock", R"({"now":")" + r.today + "T23:00\"}");
    auto v = r.choose("cancel_appointment");
    REQUIRE(v.at("screen").as_string() == "choose_appointment");
    bool listedDisabled = false;
    for (const auto& i : v.at("items").as_array()) {
        listedDisabled = listedDisabled || i.at("disabled").as_bool();
    }
    CHECK(listedDisabled);
    (void)httpPost(r.hisPort, "/admin/clock", R"({"now":")" + r.today + "T06:00\"}");
    r.action("home");
    v = r.toCancelConfirm();
    REQUIRE(v.at("screen").as_string() == "cancel_confirm");
    (void)httpPost(r.hisPort, "/admin/clock", R"({"now":")" + r.today + "T23:00\"}");
    v = r.action("confirm");
    CHECK(v.at("error").at("code").as_string() == "cancel_refused");
    CHECK(r.balance() == before);
    r.action("home");
    CHECK(r.balance() == before);
    // Attended (checked in at the clinic): his-sim refuses the cancel whatever the time.
    (void)httpPost(r.hisPort, "/admin/clock", R"({"now":")" + r.today + "T06:00\"}");
    std::string second;
    for (const auto& e : r.appointmentList()) {
        if (e.at("resource").at("status").as_string() == "booked") {
            second = std::string(e.at("resource").at("id").as_string());
        }
    }
    REQUIRE_FALSE(second.empty());
    CHECK(httpPost(r.hisPort, "/admin/appointments/" + second + "/arrive", "{}").find("200 OK")
        != std::string::npos);
    CHECK(httpPost(r.hisPort, "/fhir/Appointment/" + second + "/$cancel",
              R"({"requestId":"late-request"})")
              .find("422")
        != std::string::npos);
    (void)fee;
}

TEST_CASE("kioskd --mode cashier: an e-purse payment refunded onto the card inserted at the "
          "window") {
    Rig r;
    r.start();
    const auto start = r.balance();
    r.insert();
    auto v = r.choose("payment");
    REQUIRE(v.at("screen").as_string() == "unpaid_items");
    REQUIRE(r.action("confirm").at("screen").as_string() == "choose_payment");
    v = r.choose("purse");
    REQUIRE(v.at("screen").as_string() == "done");
    const std::string invoice(v.at("data").at("invoice").as_string());
    const auto paid = start - r.balance();
    CHECK(paid > 0);
    r.action("done");
    r.input(R"({"type":"card","event":"removed"})");
    r.kioskd->stop();

    writeSecretConfig(r.dir / "cashier.json",
        std::string(
            R"({"mode":"cashier","staff":[{"id":"S001","name":"王芳","role":"cashier","salt":"s1","pinSm3":")")
            + hashOf("s1", "2468")
            + R"("},{"id":"M001","name":"陈主管","role":"supervisor","salt":"s2","pinSm3":")"
            + hashOf("s2", "9999") + "\"}]}");
    r.extra = { "--config", (r.dir / "cashier.json").string() };
    r.start();
    r.type("S001");
    REQUIRE(r.type("2468").at("screen").as_string() == "menu");
    r.choose("refund");
    v = r.type(invoice);
    REQUIRE(v.at("screen").as_string() == "refund_confirm");
    CHECK(v.at("data").at("paidBy").as_string() == "purse");
    r.action("confirm");
    r.type("M001");
    v = r.type("9999");
    REQUIRE(v.at("screen").as_string() == "refund_card");
    CHECK(v.at("message").as_string().find("请将患者本人的健康卡") != std::string::npos);
    CHECK(r.balance() == start - paid);
    r.insert(); // the patient's card at the window
    v = r.action("confirm");
    REQUIRE(v.at("screen").as_string() == "done");
    CHECK(r.balance() == start);
    r.action("done");
    r.kioskd->stop();
    r.start();
    CHECK(r.balance() == start);
    r.kioskd->stop();
    CHECK(r.unrecovered().empty());
}

TEST_CASE("kioskd --mode cashier: kill -9 after the HIS refund of an e-purse invoice -> at "
          "restart recovery loads it onto the card once") {
    using hc::kiosk::StepStatus;
    using hc::kiosk::StepType;
    Rig r;
    r.start();
    const auto start = r.balance();
    r.insert();
    r.choose("payment");
    r.action("confirm");
    auto v = r.choose("purse");
    REQUIRE(v.at("screen").as_string() == "done");
    const std::string invoice(v.at("data").at("invoice").as_string());
    r.action("done");
    r.kioskd->stop();

    writeSecretConfig(r.dir / "cashier.json",
        std::string(
            R"({"mode":"cashier","staff":[{"id":"S001","name":"王芳","role":"cashier","salt":"s1","pinSm3":")")
            + hashOf("s1", "2468")
            + R"("},{"id":"M001","name":"陈主管","role":"supervisor","salt":"s2","pinSm3":")"
            + hashOf("s2", "9999") + "\"}]}");
    r.extra = { "--config", (r.dir / "cashier.json").string() };
    r.start("his_refund");
    r.type("S001");
    r.type("2468");
    r.choose("refund");
    REQUIRE(r.type(invoice).at("screen").as_string() == "refund_confirm");
    r.action("confirm");
    r.type("M001");
    r.inputUntilDeath(R"({"type":"input","value":"9999"})");
    CHECK(r.balance() < start); // HIS refunded, the money not yet back
    r.start(); // boot: the refund session ended as crash, its plan says "load the card"
    CHECK(r.balance() == start);
    r.kioskd->stop();
    r.start();
    CHECK(r.balance() == start);
    r.kioskd->stop();
    CHECK(r.count(StepType::HisRefund, StepStatus::Ok) == 1);
    CHECK(r.count(StepType::CardRefundLoad, StepStatus::Ok) == 1);
    CHECK(r.unrecovered().empty());
}
