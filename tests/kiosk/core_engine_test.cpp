// Unit tests of the kiosk engine: every flow of kiosk/flows/ on the state machine with fakes
// (HIS, insurance, card purse, printers, QR gateway, clock), countdowns, elderly mode, errors,
// the journal's record of each external step, and the recovery executor at session end.
#include "hc/kiosk/core/engine.hpp"
#include "hc/kiosk/core/recovery_executor.hpp"
#include "hc/kiosk/recovery_planner.hpp"
#include "hc/testing/process.hpp"
#include "kiosk_rig.hpp"

#include <doctest/doctest.h>

using namespace hc::kiosk;
using namespace hc::kiosk::core;
using namespace hc::kiosk::testing;
namespace json = boost::json;

TEST_CASE("idle until a card, then the menu lists every flow with a countdown") {
    Kiosk k;
    CHECK(k.screen() == "idle");
    CHECK(k.view().at("countdown").as_int64() == 0);
    k.choose("registration"); // nothing happens without a card
    CHECK(k.screen() == "idle");
    k.insert();
    const auto v = k.view();
    CHECK(v.at("screen").as_string() == "menu");
    CHECK(v.at("countdown").as_int64() == 90);
    CHECK(v.at("items").as_array().size() == 7);
    CHECK(v.at("message").as_string() == "您好，李*");
    bool inserted = false;
    for (const auto& m : k.seen) {
        inserted = inserted
            || (m.at("type").as_string() == "event"
                && m.at("event").as_string() == "card_inserted");
    }
    CHECK(inserted);
}

TEST_CASE("registration paid from the e-purse books the slot, debits once and prints a slip") {
    Kiosk k;
    k.registerToPayment();
    CHECK(k.view().at("data").at("amountFen").as_int64() == 5000);
    CHECK(k.hasAction("back"));
    k.choose("purse");
    CHECK(k.screen() == "done");
    CHECK(k.card->bal == 5000);
    REQUIRE(k.his.bookings.size() == 1);
    CHECK(k.his.bookings.begin()->second.slotId == "SL-DR001-08:00");
    CHECK(k.receipt.printed == std::vector<std::string> { "挂号凭条" });
    const auto steps = k.steps();
    CHECK(statusOf(steps, StepType::HisLockSlot) == "OK");
    CHECK(statusOf(steps, StepType::CardDebit) == "OK");
    CHECK(statusOf(steps, StepType::HisRegister) == "OK");
    CHECK(statusOf(steps, StepType::Print) == "OK");
    CHECK(!k.hasAction("back"));
    k.action("done");
    CHECK(k.screen() == "menu");
    const auto s = k.journal.session(k.lastSession());
    CHECK(s->endReason == "completed");
    CHECK(s->recovered);
}

TEST_CASE("insufficient funds names the problem and charges nothing") {
    Kiosk k;
    k.card->bal = 100;
    k.registerToPayment();
    k.choose("purse");
    CHECK(k.screen() == "choose_payment");
    CHECK(k.errorCode() == "insufficient_funds");
    CHECK(k.errorText() == "余额不足，请充值或扫码支付");
    CHECK(k.card->bal == 100);
    CHECK(k.his.bookings.empty());
}

TEST_CASE("receipt paper out before charging: not charged, told why") {
    Kiosk k;
    k.receipt.trouble = "凭条纸已用完";
    k.registerToPayment();
    k.choose("purse");
    CHECK(k.errorCode() == "receipt_printer");
    CHECK(k.card->purchases == 0);
    CHECK(k.his.bookings.empty());
}

TEST_CASE("booking refused after the debit: recovery gives the debit back once at session end") {
    Kiosk k;
    k.his.bookRefused = true;
    k.registerToPayment();
    k.choose("purse");
    CHECK(k.errorCode() == "book_failed");
    CHECK(k.card->bal == 5000);
    CHECK(!k.hasAction("back")); // paid: no way back to pay again
    k.choose("purse"); // a second tap retries the booking, never a second debit
    CHECK(k.card->purchases == 1);
    k.action("home");
    CHECK(k.card->bal == 10000);
    CHECK(k.card->loads == 1);
    CHECK(k.his.releases == 1);
    const auto s = k.journal.session(k.lastSession());
    CHECK(s->recovered);
    // Running recovery again does nothing more.
    k.recovery.recoverAll(k.card.get());
    CHECK(k.card->loads == 1);
}

TEST_CASE("a debit whose answer was lost is settled by the transaction proof, never repeated") {
    Kiosk k;
    k.card->nextUnknown = true;
    k.registerToPayment();
    k.choose("purse");
    CHECK(k.screen() == "done");
    CHECK(k.card->purchases == 1);
    CHECK(k.card->bal == 5000);
    for (const auto& s : k.steps()) {
        if (s.type == StepType::CardDebit) {
            CHECK(s.status == StepStatus::Ok);
            CHECK(s.resolvedByQuery);
        }
    }
}

TEST_CASE("a lost debit that did not happen is not charged and can be retried") {
    Kiosk k;
    k.card->nextUnknownNotDone = true;
    k.registerToPayment();
    k.choose("purse");
    CHECK(k.errorCode() == "card_debit_failed");
    CHECK(k.card->bal == 10000);
    k.choose("purse");
    CHECK(k.screen() == "done");
    CHECK(k.card->bal == 5000);
}

TEST_CASE("payment: insurance pre-settles and settles, the own share by QR, HIS confirms") {
    Kiosk k;
    k.insert();
    k.choose("payment");
    CHECK(k.screen() == "unpaid_items");
    CHECK(k.view().at("data").at("totalFen").as_int64() == 6250);
    k.action("confirm");
    CHECK(k.screen() == "choose_payment");
    CHECK(k.view().at("data").at("insuranceFen").as_int64() == 3750);
    CHECK(k.view().at("data").at("amountFen").as_int64() == 2500);
    CHECK(k.view().at("message").as_string() == "医保支付 37.50 元，个人支付 25.00 元");
    k.choose("qr");
    CHECK(k.screen() == "qr_pay");
    CHECK(k.view().at("countdown").as_int64() == 180);
    CHECK(k.view().at("data").at("qr").as_string().starts_with("https://pay.example/qr/"));
    k.action("paid");
    CHECK(k.errorCode() == "qr_not_paid");
    k.gateway.payAll();
    k.clock.advance(3);
    k.engine->tick();
    CHECK(k.screen() == "done");
    CHECK(k.his.invoices.size() == 1);
    CHECK(k.his.items[0].status == "billed");
    CHECK(k.insurance.settledIds.size() == 1);
    CHECK(k.receipt.printed == std::vector<std::string> { "门诊缴费凭条" });
    const auto steps = k.steps();
    CHECK(statusOf(steps, StepType::InsurancePreSettle) == "OK");
    CHECK(statusOf(steps, StepType::InsuranceSettle) == "OK");
    CHECK(statusOf(steps, StepType::Payment) == "OK");
    CHECK(statusOf(steps, StepType::HisConfirm) == "OK");
}

TEST_CASE("payment: HIS confirm lost -> no refund; the query finds the invoice; nothing undone") {
    Kiosk k({}, false);
    k.his.payUnknownAfterCommit = true;
    k.insert();
    k.choose("payment");
    k.action("confirm");
    k.choose("qr");
    k.gateway.payAll();
    k.action("paid");
    CHECK(k.errorCode() == "his_unknown");
    k.action("home");
    const auto steps = k.steps();
    CHECK(statusOf(steps, StepType::HisConfirm) == "OK"); // resolved by the invoice query
    CHECK(statusOf(steps, StepType::PaymentRefund).empty());
    CHECK(k.gateway.refunds.empty());
    CHECK(k.journal.session(k.lastSession())->recovered);
}

TEST_CASE("payment: card pulled on the QR screen closes the order; a paid order is refunded once") {
    Kiosk k({}, false);
    k.insert();
    k.choose("payment");
    k.action("confirm");
    k.choose("qr");
    k.gateway.payAll(); // paid, but the kiosk did not see it before the card left
    k.engine->cardRemoved();
    CHECK(k.screen() == "idle");
    const auto session = k.lastSession();
    CHECK(k.journal.session(session)->endReason == "card_pulled");
    CHECK(k.gateway.refunds.size() == 1);
    CHECK(k.his.invoices.empty());
    k.recovery.recoverAll();
    CHECK(k.gateway.refunds.begin()->second == 1);
}

TEST_CASE("top-up by QR loads the purse") {
    Kiosk k;
    k.insert();
    k.choose("topup");
    CHECK(k.screen() == "choose_amount");
    k.type("12.3.4");
    CHECK(k.errorCode() == "bad_amount");
    k.type("100");
    CHECK(k.screen() == "choose_payment");
    CHECK(k.view().at("data").at("amountFen").as_int64() == 10000);
    k.choose("cash"); // disabled: ignored
    CHECK(k.screen() == "choose_payment");
    k.choose("qr");
    k.gateway.payAll();
    k.action("paid");
    CHECK(k.screen() == "done");
    CHECK(k.card->bal == 20000);
    CHECK(k.view().at("data").at("balanceFen").as_int64() == 20000);
    CHECK(statusOf(k.steps(), StepType::CardLoad) == "OK");
}

TEST_CASE("balance shows the purse balance and its log") {
    Kiosk k;
    k.card->entries = { { "2026-11-20 09:00:00", 500, false, "000000000001" } };
    k.insert();
    k.choose("balance");
    const auto v = k.view();
    CHECK(v.at("screen").as_string() == "balance");
    CHECK(v.at("data").at("balanceFen").as_int64() == 10000);
    CHECK(v.at("data").at("log").as_array().size() == 1);
    CHECK(v.at("message").as_string() == "电子钱包余额 100.00 元");
}

TEST_CASE(
    "report: paper out before a paid report -> not charged; printed once, reprint with staff") {
    EngineConfig c;
    c.reportFeeFen = 200;
    Kiosk k(c);
    k.report.trouble = "报告打印机缺纸";
    k.insert();
    k.choose("report");
    CHECK(k.screen() == "choose_report");
    k.choose("DR1");
    CHECK(k.errorCode() == "report_printer");
    CHECK(k.card->purchases == 0);
    CHECK(k.card->bal == 10000);
    k.report.trouble.reset();
    k.choose("DR1");
    CHECK(k.screen() == "done");
    CHECK(k.report.printed == std::vector<std::string> { "DR1" });
    CHECK(k.card->bal == 9800);
    k.action("done");
    k.choose("report");
    const auto items = k.view().at("items").as_array();
    CHECK(items[0].at("disabled").as_bool());
    CHECK(items[0].at("detail").as_string() == "已打印，补打请找工作人员");
}

TEST_CASE("card issuance is listed but not available at this kiosk") {
    Kiosk k;
    k.insert();
    k.choose("issuance");
    CHECK(k.screen() == "menu");
    CHECK(k.errorCode() == "not_available");
}

TEST_CASE("a timeout ends the session, hands it to the journal and returns to idle") {
    Kiosk k;
    k.registerToPayment();
    const auto session = k.lastSession();
    k.clock.advance(59);
    k.engine->tick();
    CHECK(k.screen() == "choose_payment");
    CHECK(k.view().at("countdown").as_int64() == 1);
    k.clock.advance(1);
    k.engine->tick();
    CHECK(k.screen() == "idle");
    CHECK(k.journal.session(session)->endReason == "timeout");
    CHECK(k.his.releases == 1); // the held slot was released by recovery
    CHECK(k.journal.session(session)->recovered);
}

TEST_CASE("elderly mode doubles countdowns and offers call staff after three errors") {
    Kiosk k;
    k.card->bal = 0;
    k.registerToPayment();
    k.engine->handleInput({ { "type", "mode" }, { "elderly", true } });
    CHECK(k.view().at("mode").as_string() == "elderly");
    CHECK(k.view().at("countdown").as_int64() == 120);
    k.choose("purse");
    k.choose("purse");
    CHECK(!k.hasAction("call_staff"));
    k.choose("purse");
    CHECK(k.hasAction("call_staff"));
    k.action("call_staff");
    bool called = false;
    for (const auto& m : k.seen) {
        called = called
            || (m.at("type").as_string() == "event" && m.at("event").as_string() == "staff_called");
    }
    CHECK(called);
}

TEST_CASE("stale and malformed input") {
    Kiosk k;
    k.insert();
    k.choose("nonexistent");
    CHECK(k.screen() == "menu");
    CHECK_THROWS_AS(k.engine->handleInput({ { "type", 3 } }), hc::InputError);
    CHECK_THROWS_AS(k.engine->handleInput({ { "type", "choose" } }), hc::InputError);
    CHECK_THROWS_AS(
        k.engine->handleInput({ { "type", "card" }, { "event", "inserted" } }), hc::InputError);
    k.action("back"); // not offered on the menu
    CHECK(k.screen() == "menu");
}

TEST_CASE("HIS down: the patient is told, nothing journaled as done") {
    Kiosk k;
    k.his.down = true;
    k.insert();
    k.choose("registration");
    CHECK(k.screen() == "choose_department");
    CHECK(k.errorCode() == "his_unavailable");
}

TEST_CASE("flow files: errors name the field") {
    const auto& h = engineHandlers();
    CHECK_THROWS_WITH_AS(
        parseFlow("{\"business\":\"x\",\"code\":\"XY\"}", h), "flow.label: missing", FlowError);
    CHECK_THROWS_WITH_AS(
        parseFlow(
            R"({"business":"x","code":"XX","label":"a","steps":[{"id":"a","title":"t","load":"nope"}]})",
            h),
        "flow.steps[0].load: unknown handler \"nope\"", FlowError);
    CHECK_THROWS_WITH_AS(
        parseFlow(
            R"({"business":"x","code":"XX","label":"a","steps":[{"id":"a","title":"t","next":"b"}]})",
            h),
        "flow.steps[0].next: no step \"b\"", FlowError);
    CHECK_THROWS_WITH_AS(
        parseFlow(
            R"({"business":"x","code":"XX","label":"a","steps":[{"id":"a","title":"t","countdown":1}]})",
            h),
        "flow.steps[0].countdown: out of range 5..600", FlowError);
    const auto flows = loadFlows(hc::testing::sourcePath("kiosk/flows"), h);
    CHECK(flows.size() == 11);
    CHECK(flows.back().mode == "cashier");
    CHECK(flows.front().business == "registration");
}

TEST_CASE("cashier mode: staff login, patient by ID number, cash payment journaled, logout") {
    EngineConfig c;
    c.mode = "cashier";
    c.staff = { { "S001", "王芳", "cashier", "x9", staffPinHash("x9", "2468"), "" } };
    Kiosk k(c, false);
    CHECK(k.screen() == "staff_login");
    k.engine->cardInserted(k.card); // cards are not used at the window
    CHECK(k.screen() == "staff_login");
    k.type("S001");
    CHECK(k.screen() == "staff_password");
    CHECK(k.view().at("input").at("kind").as_string() == "password");
    k.type("1111");
    CHECK(k.screen() == "staff_login");
    CHECK(k.errorCode() == "login_failed");
    k.type("S001");
    k.type("2468");
    REQUIRE(k.screen() == "menu");
    CHECK(k.view().at("mode").as_string() == "cashier");
    CHECK(k.view().at("items").as_array().size() == 4); // cash payment, refund, 退号, shift close
    CHECK(k.hasAction("logout"));
    k.choose("cash_payment");
    CHECK(k.screen() == "find_patient");
    k.type("110101199003070000");
    CHECK(k.errorCode() == "patient_not_found");
    k.type("110101199003077777");
    CHECK(k.screen() == "unpaid_items");
    k.action("confirm");
    CHECK(k.screen() == "cash_confirm");
    CHECK(k.view().at("data").at("amountFen").as_int64() == 6250);
    k.action("confirm");
    CHECK(k.screen() == "done");
    CHECK(k.his.invoices.size() == 1);
    const auto steps = k.steps();
    CHECK(statusOf(steps, StepType::Payment) == "OK");
    CHECK(statusOf(steps, StepType::HisConfirm) == "OK");
    k.action("done");
    k.action("logout");
    CHECK(k.screen() == "staff_login");
}

TEST_CASE("cashier mode: HIS refuses after the cash is taken -> a cash refund is journaled once") {
    EngineConfig c;
    c.mode = "cashier";
    c.staff = { { "S001", "王芳", "cashier", "x9", staffPinHash("x9", "2468"), "" } };
    Kiosk k(c, false);
    k.type("S001");
    k.type("2468");
    k.choose("cash_payment");
    k.type("110101199003077777");
    k.action("confirm");
    k.his.down = true;
    k.action("confirm");
    CHECK(k.errorCode() == "his_confirm_failed");
    k.his.down = false;
    k.action("home");
    const auto steps = k.steps();
    CHECK(statusOf(steps, StepType::PaymentRefund) == "OK");
    CHECK(k.gateway.refunds.empty());
}

TEST_CASE("an unreadable card: idle says to insert it chip up; printed reports survive a restart") {
    Kiosk k;
    k.engine->cardUnreadable(hc::CardProtocolError("no answer to SELECT"));
    CHECK(k.screen() == "idle");
    CHECK(k.errorCode() == "card_unreadable");
    CHECK(k.errorText() == "读卡失败，请将卡片芯片朝上重新插入");
    CHECK(k.view().at("error").at("next").as_string()
        == std::string(hc::describe(hc::NextStep::ReinsertCard)));
    k.insert();
    CHECK(k.screen() == "menu");
    CHECK(k.view().at("error").is_null());

    EngineConfig c;
    hc::testing::TempDir d("hc-kprinted-");
    c.printedReportsFile = (d / "printed").string();
    {
        Kiosk a(c);
        a.insert();
        a.choose("report");
        a.choose("DR1");
        CHECK(a.screen() == "done");
    }
    Kiosk b(c);
    b.insert();
    b.choose("report");
    CHECK(b.view().at("items").at(0).at("disabled").as_bool());
}

namespace {

EngineConfig cashierConfig() {
    EngineConfig c;
    c.mode = "cashier";
    c.staff = { { "S001", "王芳", "cashier", "x9", staffPinHash("x9", "2468"), "" },
        { "S002", "刘强", "cashier", "y7", staffPinHash("y7", "1357"), "" },
        { "M001", "陈主管", "supervisor", "z5", staffPinHash("z5", "9999"), "" } };
    return c;
}

/** A cashier engine on the same journal, HIS, insurance and gateway as `k`. */
std::unique_ptr<Engine> cashierOn(Kiosk& k) {
    EngineParts p;
    p.journal = &k.journal;
    p.his = &k.his;
    p.clock = &k.clock;
    p.insurance = &k.insurance;
    p.gateway = &k.gateway;
    p.receipt = &k.receipt;
    p.recovery = &k.recovery;
    auto e = std::make_unique<Engine>(
        loadFlows(hc::testing::sourcePath("kiosk/flows"), engineHandlers()), p, cashierConfig());
    e->setListener([&k](const json::object& m) { k.seen.push_back(m); });
    return e;
}

void typeInto(Engine& e, const std::string& v) {
    e.handleInput({ { "type", "input" }, { "value", v } });
}

std::string screenOf(Engine& e) {
    return std::string(e.currentView().at("screen").as_string());
}

} // namespace

TEST_CASE("cashier refund of a cash payment: a supervisor (not the cashier) approves, cash due") {
    Kiosk k(cashierConfig(), false);
    k.type("S001");
    k.type("2468");
    k.choose("cash_payment");
    k.type("110101199003077777");
    k.action("confirm");
    k.action("confirm");
    REQUIRE(k.screen() == "done");
    const auto invoice = k.his.invoices.begin()->second.id;
    k.action("done");
    k.choose("refund");
    REQUIRE(k.screen() == "find_invoice");
    k.type("INV999");
    CHECK(k.errorCode() == "invoice_not_found");
    k.type(invoice);
    REQUIRE(k.screen() == "refund_confirm");
    CHECK(k.view().at("data").at("paidBy").as_string() == "cash");
    CHECK(k.view().at("data").at("ownFen").as_int64() == 6250);
    k.action("confirm");
    REQUIRE(k.screen() == "supervisor_login");
    k.type("S002"); // another cashier: no right to approve
    k.type("1357");
    CHECK(k.errorCode() == "approval_refused");
    CHECK(k.his.invoices.begin()->second.status == "balanced");
    k.action("back");
    if (k.screen() == "supervisor_pin") {
        k.action("back");
    }
    REQUIRE(k.screen() == "supervisor_login");
    k.type("M001");
    k.type("0000");
    CHECK(k.errorCode() == "approval_refused");
    k.type("9999");
    REQUIRE(k.screen() == "done");
    CHECK(k.his.invoices.begin()->second.status == "cancelled");
    CHECK(k.view().at("message").as_string() == "退费成功，请退还患者现金 62.50 元");
    CHECK(k.receipt.printed.back() == "退费凭条");
    const auto steps = k.steps();
    CHECK(statusOf(steps, StepType::HisRefund) == "OK");
    CHECK(statusOf(steps, StepType::PaymentRefund) == "OK");
    CHECK(k.gateway.refunds.empty());
    // A second refund of the same invoice is refused before anything is done.
    k.action("done");
    k.choose("refund");
    k.type(invoice);
    CHECK(k.errorCode() == "already_refunded");
}

TEST_CASE(
    "cashier refund of a kiosk payment: insurance cancelled, HIS refunded, QR refunded once") {
    Kiosk k;
    k.insert();
    k.choose("payment");
    k.action("confirm");
    k.choose("qr");
    k.gateway.payAll();
    k.clock.advance(3);
    k.engine->tick();
    REQUIRE(k.screen() == "done");
    const auto invoice = k.his.invoices.begin()->second.id;
    const auto settledId = *k.insurance.settledIds.begin();
    k.engine->cardRemoved();

    auto cashier = cashierOn(k);
    typeInto(*cashier, "S001");
    typeInto(*cashier, "2468");
    cashier->handleInput({ { "type", "choose" }, { "item", "refund" } });
    // The HIS loses the refund's reply after doing it: the query by request id finds it.
    k.his.refundUnknownAfterCommit = true;
    typeInto(*cashier, invoice);
    REQUIRE(screenOf(*cashier) == "refund_confirm");
    CHECK(cashier->currentView().at("data").at("insuranceFen").as_int64() == 3750);
    CHECK(cashier->currentView().at("data").at("paidBy").as_string() == "qr");
    cashier->handleInput({ { "type", "action" }, { "action", "confirm" } });
    typeInto(*cashier, "M001");
    typeInto(*cashier, "9999");
    REQUIRE(screenOf(*cashier) == "done");
    CHECK(k.insurance.struck.count(settledId) == 1);
    CHECK(k.his.invoices.begin()->second.status == "cancelled");
    REQUIRE(k.gateway.refunds.size() == 1);
    CHECK(k.gateway.refunds.begin()->second == 1);
    const auto steps = k.steps();
    CHECK(statusOf(steps, StepType::InsuranceStrike) == "OK");
    CHECK(statusOf(steps, StepType::HisRefund) == "OK");
    CHECK(statusOf(steps, StepType::PaymentRefund) == "OK");

    // The cashier's shift close: the refund (QR own share, insurance fund share cancelled) and
    // settlementd's totals.
    k.insurance.shift = InsuranceShift { "2026-11-23",
        { { "SETTLED", 1, 6250, 3750, 0, 2500 }, { "CANCELLED", 1, 6250, 3750, 0, 2500 } }, 0 };
    cashier->handleInput({ { "type", "action" }, { "action", "done" } });
    cashier->handleInput({ { "type", "choose" }, { "item", "shift_close" } });
    REQUIRE(screenOf(*cashier) == "shift_summary");
    const auto d = cashier->currentView().at("data");
    const auto& row = d.at("staff").at(0);
    CHECK(row.at("staff").as_string() == "S001");
    CHECK(row.at("refundCount").as_int64() == 1);
    CHECK(row.at("refundFen").as_int64() == 2500);
    CHECK(row.at("insuranceRefundFundFen").as_int64() == 3750);
    CHECK(d.at("insurance").at("lines").as_array().size() == 2);
    CHECK(d.at("insurance").at("lines").at(0).at("status").as_string() == "SETTLED");
}

TEST_CASE("cashier refund: never while a step of the payment has no known outcome") {
    Kiosk k(cashierConfig(), false);
    k.type("S001");
    k.type("2468");
    k.choose("cash_payment");
    k.type("110101199003077777");
    k.action("confirm");
    k.action("confirm");
    REQUIRE(k.screen() == "done");
    const auto payment = k.lastSession();
    const auto invoice = k.his.invoices.begin()->second.id;
    k.action("done");
    // A step of that payment left PENDING (as after a crash, before recovery queried it).
    k.journal.beginStep(payment, { StepType::Payment, payment + "-X", 100, "qr" });
    k.choose("refund");
    k.type(invoice);
    CHECK(k.errorCode() == "refund_outcome_unknown");
    CHECK(k.his.invoices.begin()->second.status == "balanced");
}

TEST_CASE("cashier shift close: counts and totals by means and refunds, printed; kept across a "
          "restart; a second close starts a new shift") {
    hc::testing::TempDir ledger("hc-shift-");
    auto c = cashierConfig();
    c.shiftFile = (ledger / "journal.db.shift").string();
    Kiosk k(c, false);
    k.type("S001");
    k.type("2468");
    k.choose("cash_payment");
    k.type("110101199003077777");
    k.action("confirm");
    k.action("confirm");
    REQUIRE(k.screen() == "done");
    const auto invoice = k.his.invoices.begin()->second.id;
    k.action("done");
    k.choose("refund");
    k.type(invoice);
    k.action("confirm");
    k.type("M001");
    k.type("9999");
    REQUIRE(k.screen() == "done");
    k.action("done");

    k.choose("shift_close");
    REQUIRE(k.screen() == "shift_summary");
    auto d = k.view().at("data");
    CHECK(d.at("shift").as_int64() == 1);
    CHECK(d.at("sessions").as_int64() == 2);
    REQUIRE(d.at("staff").as_array().size() == 1);
    const auto row = d.at("staff").at(0);
    CHECK(row.at("cashCount").as_int64() == 1);
    CHECK(row.at("cashFen").as_int64() == 6250);
    CHECK(row.at("qrCount").as_int64() == 0);
    CHECK(row.at("purseCount").as_int64() == 0);
    CHECK(row.at("refundCount").as_int64() == 1);
    CHECK(row.at("refundFen").as_int64() == 6250);
    CHECK(row.at("netCashFen").as_int64() == 0);
    CHECK(d.at("insurance").is_null()); // no insurance fitted at this window
    k.action("confirm");
    REQUIRE(k.screen() == "done");
    CHECK(k.receipt.printed.back() == "结班报表");
    CHECK(k.view().at("message").as_string() == "第 1 班已结班，新班次开始");
    k.action("done");

    // The next close is a new shift with nothing in it, also after a restart.
    k.choose("shift_close");
    d = k.view().at("data");
    CHECK(d.at("shift").as_int64() == 2);
    CHECK(d.at("staff").as_array().empty());
    k.action("home");
    Kiosk again(c, false);
    again.type("S001");
    again.type("2468");
    again.choose("shift_close");
    d = again.view().at("data");
    CHECK(d.at("shift").as_int64() == 2);
    CHECK(d.at("sessions").as_int64() == 1); // the close looked at above and left
}
