// Unit tests of refunds to the card's e-purse and of 退号 (appointment cancellation) on the
// engine with fakes: the kiosk flow with the patient's own card (e-purse and QR payments), the
// HIS refusing after its cut-off, lost answers (HIS cancel, card load) resolved by a query before
// anything is repeated, a load interrupted mid-call settled by the card's balance, recovery after
// a crash between the HIS cancel and the load (waits for the card, loads once), and the cashier
// window: the e-purse refund with the patient's card inserted at the window, without the card
// (told to insert it; or cash instead, approved), the wrong card, 退号 with a supervisor.
#include "core_fakes.hpp"
#include "engine_driver.hpp"
#include "hc/kiosk/core/card_key.hpp"
#include "hc/kiosk/core/engine.hpp"
#include "hc/kiosk/core/recovery_executor.hpp"
#include "hc/kiosk/journal_step.hpp"
#include "hc/testing/process.hpp"

#include <doctest/doctest.h>

using namespace hc::kiosk;
using namespace hc::kiosk::core;
using namespace hc::kiosk::testing;
namespace json = boost::json;

namespace {

EngineConfig cashierConfig() {
    EngineConfig c;
    c.mode = "cashier";
    c.staff = { { "S001", "王芳", "cashier", "x9", staffPinHash("x9", "2468"), "" },
        { "M001", "陈主管", "supervisor", "z5", staffPinHash("z5", "9999"), "" } };
    return c;
}

struct Rig : EngineDriver {
    hc::testing::TempDir dir { "hc-krefund-" };
    Journal journal { dir / "journal.db" };
    FakeHis his;
    FakeClock clock;
    FakeInsurance insurance;
    FakeGateway gateway;
    FakeReceipt receipt;
    std::shared_ptr<FakeCard> card = std::make_shared<FakeCard>();
    RecoveryExecutor recovery { journal, &his, &insurance, &gateway };
    std::unique_ptr<Engine> window; ///< the cashier window on the same journal and services

    explicit Rig(bool withInsurance = false) {
        attach(std::make_unique<Engine>(
            loadFlows(hc::testing::sourcePath("kiosk/flows"), engineHandlers()),
            parts(withInsurance), EngineConfig {}));
    }
    ~Rig() {
        window.reset();
        detach();
    }
    EngineParts parts(bool withInsurance) {
        EngineParts p;
        p.journal = &journal;
        p.his = &his;
        p.clock = &clock;
        p.insurance = withInsurance ? &insurance : nullptr;
        p.gateway = &gateway;
        p.receipt = &receipt;
        p.recovery = &recovery;
        return p;
    }
    /** Books a slot and pays it with `how` ("purse" or "qr"); back on the menu. */
    void bookAndPay(const std::string& how) {
        engine->cardInserted(card);
        choose("registration");
        choose("D0101");
        choose("DR001");
        choose("SL-DR001-08:00");
        action("confirm");
        REQUIRE(screen() == "choose_payment");
        choose(how);
        if (how == "qr") {
            gateway.payAll();
            action("paid");
        }
        REQUIRE(screen() == "done");
        action("done");
        REQUIRE(screen() == "menu");
    }
    std::string appointmentId() { return his.bookings.begin()->second.id; }
    std::vector<StepRecord> steps() { return journal.steps(lastSession()); }
    int count(const std::vector<StepRecord>& steps, StepType type, StepStatus status) {
        int n = 0;
        for (const auto& s : steps) {
            n += s.type == type && s.status == status ? 1 : 0;
        }
        return n;
    }
    // The cashier window.
    void openWindow(bool withInsurance = false) {
        window = std::make_unique<Engine>(
            loadFlows(hc::testing::sourcePath("kiosk/flows"), engineHandlers()),
            parts(withInsurance), cashierConfig());
        window->setListener([this](const json::object& m) { seen.push_back(m); });
        w("input", "S001");
        w("input", "2468");
        REQUIRE(ws() == "menu");
    }
    void w(const char* type, const std::string& value) {
        const char* key = std::string(type) == "input" ? "value"
            : std::string(type) == "choose"            ? "item"
                                                       : "action";
        window->handleInput({ { "type", type }, { key, value } });
    }
    std::string ws() { return std::string(window->currentView().at("screen").as_string()); }
    std::string werror() {
        const auto v = window->currentView();
        return v.at("error").is_null() ? "" : std::string(v.at("error").at("code").as_string());
    }
    bool wHasAction(const std::string& id) {
        const auto v = window->currentView();
        for (const auto& a : v.at("actions").as_array()) {
            if (a.at("id").as_string() == id) {
                return true;
            }
        }
        return false;
    }
    void approve() {
        REQUIRE(ws() == "supervisor_login");
        w("input", "M001");
        w("input", "9999");
    }
};

} // namespace

TEST_CASE("退号 at the kiosk: an e-purse registration is cancelled and loaded back onto the "
          "card once") {
    Rig k;
    k.bookAndPay("purse");
    CHECK(k.card->bal == 5000);
    k.choose("cancel_appointment");
    REQUIRE(k.screen() == "choose_appointment");
    auto v = k.view();
    REQUIRE(v.at("items").as_array().size() == 1);
    CHECK_FALSE(v.at("items").at(0).at("disabled").as_bool());
    CHECK(std::string(v.at("items").at(0).at("detail").as_string()).find("退号截止 07:30")
        != std::string::npos);
    k.choose(k.appointmentId());
    REQUIRE(k.screen() == "cancel_confirm");
    v = k.view();
    CHECK(v.at("data").at("refundTo").as_string() == "purse");
    CHECK(v.at("data").at("ownFen").as_int64() == 5000);
    CHECK(
        std::string(v.at("message").as_string()).find("圈存退回原卡电子钱包") != std::string::npos);
    k.action("confirm");
    REQUIRE(k.screen() == "done");
    CHECK(k.view().at("message").as_string() == "退号成功，50.00 元已圈存回卡，卡内余额 100.00 元");
    CHECK(k.card->bal == 10000);
    CHECK(k.card->loads == 1);
    CHECK(k.his.bookings.begin()->second.status == "cancelled");
    CHECK(k.receipt.printed.back() == "退号凭条");
    const auto steps = k.steps();
    CHECK(k.count(steps, StepType::HisCancelAppointment, StepStatus::Ok) == 1);
    CHECK(k.count(steps, StepType::CardRefundLoad, StepStatus::Ok) == 1);
    const auto session = k.lastSession();
    k.action("done");
    CHECK(k.journal.session(session)->recovered);
    // Nothing more happens on a second pass, nor is a cancelled appointment offered again.
    k.recovery.recoverAll(k.card.get());
    CHECK(k.card->loads == 1);
    k.choose("cancel_appointment");
    CHECK(k.view().at("items").as_array().empty());
}

TEST_CASE("退号 at the kiosk: a QR registration is refunded through the gateway once") {
    Rig k;
    k.bookAndPay("qr");
    k.choose("cancel_appointment");
    k.choose(k.appointmentId());
    CHECK(k.view().at("data").at("refundTo").as_string() == "qr");
    k.action("confirm");
    REQUIRE(k.screen() == "done");
    CHECK(k.view().at("message").as_string() == "退号成功，款项将原路退回");
    REQUIRE(k.gateway.refunds.size() == 1);
    CHECK(k.gateway.refunds.begin()->second == 1);
    CHECK(k.card->loads == 0);
    k.action("done");
    k.recovery.recoverAll(k.card.get());
    CHECK(k.gateway.refunds.begin()->second == 1);
}

TEST_CASE("退号 after the HIS's cut-off: listed disabled; a cancel the HIS refuses refunds "
          "nothing") {
    Rig k;
    k.bookAndPay("purse");
    k.his.notCancellable.insert(k.appointmentId());
    k.choose("cancel_appointment");
    auto v = k.view();
    CHECK(v.at("items").at(0).at("disabled").as_bool());
    CHECK(std::string(v.at("items").at(0).at("detail").as_string()).find("已过退号截止时间")
        != std::string::npos);
    k.choose(k.appointmentId()); // a stale tap: ignored
    CHECK(k.screen() == "choose_appointment");
    // Listed as cancellable, but the cut-off passes before the confirm: the HIS refuses.
    k.his.notCancellable.clear();
    k.action("home");
    k.choose("cancel_appointment");
    k.choose(k.appointmentId());
    k.his.cancelRefused = true;
    k.action("confirm");
    CHECK(k.errorCode() == "cancel_refused");
    CHECK(k.errorText() == "已超过退号截止时间或已就诊，医院系统不允许退号；未退任何费用");
    CHECK(k.card->bal == 5000);
    CHECK(k.card->loads == 0);
    k.action("home");
    k.recovery.recoverAll(k.card.get());
    CHECK(k.card->loads == 0);
    CHECK(k.his.bookings.begin()->second.status == "booked");
}

TEST_CASE("退号: the HIS cancel's reply is lost after it did it -> queried, refunded once") {
    Rig k;
    k.bookAndPay("purse");
    k.his.cancelUnknownAfterCommit = true;
    k.choose("cancel_appointment");
    k.choose(k.appointmentId());
    k.action("confirm");
    REQUIRE(k.screen() == "done");
    CHECK(k.card->loads == 1);
    CHECK(k.card->bal == 10000);
    const auto steps = k.steps();
    REQUIRE(k.count(steps, StepType::HisCancelAppointment, StepStatus::Ok) == 1);
    for (const auto& s : steps) {
        if (s.type == StepType::HisCancelAppointment) {
            CHECK(s.resolvedByQuery);
        }
    }
}

TEST_CASE("退号: the card load's answer is lost -> settled by the transaction proof, not loaded "
          "twice") {
    Rig k;
    k.bookAndPay("purse");
    k.card->nextLoadUnknown = true;
    k.choose("cancel_appointment");
    k.choose(k.appointmentId());
    k.action("confirm");
    REQUIRE(k.screen() == "done");
    CHECK(k.card->loads == 1);
    CHECK(k.card->bal == 10000);
    k.action("done");
    k.recovery.recoverAll(k.card.get());
    CHECK(k.card->loads == 1);
}

TEST_CASE("退号: a load cut off mid-call is settled by the balance at recovery, then loaded once") {
    Rig k;
    k.bookAndPay("purse");
    k.card->nextLoadThrows = true;
    k.choose("cancel_appointment");
    k.choose(k.appointmentId());
    k.action("confirm");
    CHECK(k.errorCode() == "card_refund_unknown");
    CHECK(k.card->bal == 5000);
    const auto session = k.lastSession();
    k.action("home"); // the session ends; recovery: the balance says "not loaded", then loads
    CHECK(k.card->loads == 1);
    CHECK(k.card->bal == 10000);
    const auto steps = k.journal.steps(session);
    CHECK(k.count(steps, StepType::CardRefundLoad, StepStatus::Failed) == 1);
    CHECK(k.count(steps, StepType::CardRefundLoad, StepStatus::Ok) == 1);
    CHECK(k.journal.session(session)->recovered);
}

TEST_CASE("recovery after a crash between the HIS cancel and the load: waits for the card, then "
          "loads once; a journal from before his_refund is read the same way") {
    Rig k;
    k.bookAndPay("purse");
    // What a kill -9 right after the HIS cancel leaves: the cancel OK, no money step.
    const auto pay = [&] {
        for (const auto& s : k.journal.steps(k.lastSession())) {
            if (s.type == StepType::CardDebit) {
                return s;
            }
        }
        return StepRecord {};
    }();
    const auto session = k.journal.openSession("K01", "CNL");
    {
        JournalStep st(k.journal, session,
            { StepType::HisCancelAppointment, session + "-HIS-CANCEL", 5000,
                "appointment=AP1;means=purse;pay=" + pay.requestId
                    + ";payStep=" + std::to_string(pay.id)
                    + ";own=5000;card=" + CardKeys::processDefault().key(k.card->id.cardNumber)
                    + ";staff=-;supervisor=-" });
        st.ok("AP1");
    }
    k.journal.endSession(session, SessionEnd::Crash);
    auto r = k.recovery.recoverSession(session, nullptr);
    CHECK_FALSE(r.recovered);
    CHECK(k.card->loads == 0);
    k.engine->cardRemoved();
    k.engine->cardInserted(k.card); // recoverCard at the insertion
    CHECK(k.card->loads == 1);
    CHECK(k.card->bal == 10000);
    CHECK(k.journal.session(session)->recovered);
    k.recovery.recoverAll(k.card.get());
    CHECK(k.card->loads == 1);

    // An older journal: the cashier's HIS refund as his_cancel_pre_settle "his refund ...", the
    // money step never done (cash): read as his_refund, the cash refund is journaled once.
    const auto old = k.journal.openSession("K01", "RFND");
    std::int64_t hisId = 0;
    {
        JournalStep st(k.journal, old,
            { StepType::HisCancelPreSettle, old + "-HIS-REFUND", 6250,
                "his refund invoice=INV9;means=cash;pay=X-CASH;payStep=" + std::to_string(pay.id)
                    + ";own=6250;staff=S001;supervisor=M001" });
        hisId = st.id();
        st.ok("INV9");
    }
    CHECK(k.journal.step(hisId)->type == StepType::HisRefund);
    k.journal.endSession(old, SessionEnd::Crash);
    CHECK(k.recovery.recoverSession(old, nullptr).recovered);
    const auto oldSteps = k.journal.steps(old);
    REQUIRE(oldSteps.size() == 2);
    CHECK(oldSteps[1].type == StepType::PaymentRefund);
    CHECK(oldSteps[1].amountFen == 6250);
    CHECK(oldSteps[1].detail.rfind("cash", 0) == 0);
}

TEST_CASE("window: an e-purse payment is refunded onto the patient's card inserted at the "
          "window; without it the cashier is told to insert it") {
    Rig k(true);
    k.engine->cardInserted(k.card);
    k.choose("payment");
    k.action("confirm");
    k.choose("purse");
    REQUIRE(k.screen() == "done");
    const auto invoice = k.his.invoices.begin()->second.id;
    CHECK(k.card->bal == 7500); // own share 25.00, insurance 37.50
    k.engine->cardRemoved();

    k.openWindow(true);
    k.w("choose", "refund");
    k.w("input", invoice);
    REQUIRE(k.ws() == "refund_confirm");
    auto v = k.window->currentView();
    CHECK(v.at("data").at("paidBy").as_string() == "purse");
    CHECK(k.wHasAction("cash_instead"));
    k.w("action", "confirm");
    k.approve();
    // The HIS refund and the insurance cancel are done; the money waits for the card.
    REQUIRE(k.ws() == "refund_card");
    v = k.window->currentView();
    CHECK(v.at("message").as_string()
        == "请将患者本人的健康卡（原支付卡）芯片朝上插入收费窗口读卡器，退款 25.00 "
           "元将圈存回卡内电子钱包");
    CHECK(k.his.invoices.begin()->second.status == "cancelled");
    CHECK(k.insurance.struck.size() == 1);
    k.w("action", "confirm");
    CHECK(k.werror() == "card_needed");
    CHECK(k.card->loads == 0);
    // A card that is not the one that paid is refused.
    auto other = std::make_shared<FakeCard>();
    other->id = { "110101198001010011", "110101198001010011", "张三" };
    k.window->cardInserted(other);
    k.w("action", "confirm");
    CHECK(k.werror() == "card_mismatch");
    CHECK(other->loads == 0);
    k.window->cardRemoved();
    k.window->cardInserted(k.card);
    CHECK(std::string(k.window->currentView().at("message").as_string()).find("已插入患者健康卡")
        != std::string::npos);
    k.w("action", "confirm");
    REQUIRE(k.ws() == "done");
    CHECK(k.card->bal == 10000);
    CHECK(k.card->loads == 1);
    const auto steps = k.steps();
    CHECK(k.count(steps, StepType::HisRefund, StepStatus::Ok) == 1);
    CHECK(k.count(steps, StepType::CardRefundLoad, StepStatus::Ok) == 1);
    k.w("action", "done");
    CHECK(k.card->loads == 1);
    // The shift close counts the load as a refund.
    k.w("choose", "shift_close");
    CHECK(k.window->currentView().at("data").at("staff").at(0).at("refundFen").as_int64() == 2500);
}

TEST_CASE("window: the cashier leaves without the card -> the refund loads when the card comes "
          "back; a patient without a card gets cash instead, approved") {
    Rig k;
    k.bookAndPay("purse");
    k.engine->cardRemoved();
    k.his.invoices.clear();
    // 1. 退号 at the window, the card absent: the session is left; the card's next insertion
    // (here at the patient kiosk) loads it, once.
    k.openWindow();
    k.w("choose", "cancel_window");
    k.w("input", "110101199003077777");
    REQUIRE(k.ws() == "choose_appointment");
    k.w("choose", k.appointmentId());
    REQUIRE(k.ws() == "cancel_confirm");
    k.w("action", "confirm");
    k.approve();
    REQUIRE(k.ws() == "refund_card");
    CHECK(k.his.bookings.begin()->second.status == "cancelled");
    k.w("action", "home");
    CHECK(k.card->loads == 0);
    k.engine->cardInserted(k.card);
    CHECK(k.card->loads == 1);
    CHECK(k.card->bal == 10000);

    // 2. Another e-purse registration, cancelled at the window with cash instead of the card.
    k.engine->cardRemoved();
    k.his.bookings.clear();
    k.bookAndPay("purse");
    k.engine->cardRemoved();
    CHECK(k.card->bal == 5000);
    k.w("choose", "cancel_window");
    k.w("input", "110101199003077777");
    k.w("choose", k.appointmentId());
    k.w("action", "cash_instead");
    k.approve();
    REQUIRE(k.ws() == "done");
    CHECK(k.window->currentView().at("message").as_string() == "退号成功，请退还患者现金 50.00 元");
    CHECK(k.window->currentView().at("data").at("refundTo").as_string() == "cash_for_purse");
    CHECK(k.card->bal == 5000);
    const auto steps = k.steps();
    CHECK(k.count(steps, StepType::PaymentRefund, StepStatus::Ok) == 1);
    CHECK(k.count(steps, StepType::CardRefundLoad, StepStatus::Ok) == 0);
    k.w("action", "done");
    k.engine->cardInserted(k.card); // nothing waits for the card: not loaded as well
    CHECK(k.card->bal == 5000);
}

TEST_CASE("window: 退号 of a QR registration needs a supervisor; cash instead is only for the "
          "e-purse; a cash registration at the kiosk is sent to the window") {
    Rig k;
    k.bookAndPay("qr");
    k.engine->cardRemoved();
    k.openWindow();
    k.w("choose", "cancel_window");
    k.w("input", "110101199003077777");
    k.w("choose", k.appointmentId());
    CHECK_FALSE(k.wHasAction("cash_instead"));
    k.w("action", "cash_instead");
    CHECK(k.ws() == "cancel_confirm");
    k.w("action", "confirm");
    REQUIRE(k.ws() == "supervisor_login");
    k.w("input", "S001"); // the cashier cannot approve
    k.w("input", "2468");
    CHECK(k.werror() == "approval_refused");
    CHECK(k.his.bookings.begin()->second.status == "booked");
    k.w("action", "back");
    k.approve();
    REQUIRE(k.ws() == "done");
    REQUIRE(k.gateway.refunds.size() == 1);
    CHECK(k.gateway.refunds.begin()->second == 1);
    CHECK(k.receipt.printed.back() == "退号凭条");
}

TEST_CASE("window: a load cut off mid-call is settled by the balance at the retry, then loaded "
          "once") {
    Rig k;
    k.bookAndPay("purse");
    k.engine->cardRemoved();
    k.openWindow();
    k.window->cardInserted(k.card);
    k.card->nextLoadThrows = true;
    k.w("choose", "cancel_window");
    k.w("input", "110101199003077777");
    k.w("choose", k.appointmentId());
    k.w("action", "confirm");
    k.approve();
    CHECK(k.werror() == "card_refund_unknown");
    CHECK(k.card->bal == 5000);
    k.w("input", "9999"); // the retry from the PIN screen: the balance says "not loaded"
    REQUIRE(k.ws() == "done");
    CHECK(k.card->loads == 1);
    CHECK(k.card->bal == 10000);
    const auto steps = k.steps();
    CHECK(k.count(steps, StepType::CardRefundLoad, StepStatus::Failed) == 1);
    CHECK(k.count(steps, StepType::CardRefundLoad, StepStatus::Ok) == 1);
    k.w("action", "done");
    CHECK(k.card->loads == 1);
}

TEST_CASE("退号: an attended appointment is listed but cannot be cancelled") {
    Rig k;
    k.bookAndPay("purse");
    k.his.bookings.begin()->second.status = "arrived"; // checked in at the clinic
    k.choose("cancel_appointment");
    const auto v = k.view();
    REQUIRE(v.at("items").as_array().size() == 1);
    CHECK(v.at("items").at(0).at("disabled").as_bool());
    CHECK(std::string(v.at("items").at(0).at("detail").as_string()).find("已就诊，不能退号")
        != std::string::npos);
    CHECK(v.at("message").as_string() == "没有可退的预约（已就诊或已过退号截止时间的不能退号）");
    k.choose(k.appointmentId());
    CHECK(k.screen() == "choose_appointment");
    CHECK(k.card->loads == 0);
}

TEST_CASE("window: once the HIS refund of an e-purse invoice is done the means cannot change: "
          "no back, no cash instead; recovery loads it onto the card, no cash is journaled") {
    Rig k;
    k.engine->cardInserted(k.card);
    k.choose("payment");
    k.action("confirm");
    k.choose("purse");
    REQUIRE(k.screen() == "done");
    const auto invoice = k.his.invoices.begin()->second.id;
    k.engine->cardRemoved();
    k.openWindow();
    k.w("choose", "refund");
    k.w("input", invoice);
    REQUIRE(k.ws() == "refund_confirm");
    CHECK(k.wHasAction("cash_instead")); // before the approval it may still be chosen
    k.w("action", "confirm");
    k.approve();
    REQUIRE(k.ws() == "refund_card");
    CHECK(k.his.invoices.begin()->second.status == "cancelled");
    CHECK(!k.wHasAction("back"));
    CHECK(!k.wHasAction("cash_instead"));
    k.w("action", "back"); // refused: nothing to go back to once committed
    CHECK(k.ws() == "refund_card");
    k.w("action", "cash_instead"); // not offered here: ignored
    CHECK(k.ws() == "refund_card");
    k.w("action", "home");
    const auto steps = k.steps();
    CHECK(k.count(steps, StepType::PaymentRefund, StepStatus::Ok) == 0);
    // The patient's card at the kiosk later: the plan (purse) is finished once.
    k.engine->cardInserted(k.card);
    CHECK(k.card->loads == 1);
    CHECK(k.card->bal == 10000);
    CHECK(k.count(k.journal.steps(steps.front().session), StepType::PaymentRefund, StepStatus::Ok)
        == 0);
}
