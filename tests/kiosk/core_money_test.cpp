// Money moves only on a verified proof: a card that answers a debit "9000" with a MAC2 the PSAM
// refuses (a counterfeit) is not counted as paid, and a load whose TAC does not verify is not
// counted as loaded. Both are journaled UNKNOWN, the patient is told to call staff, nothing
// downstream (booking, HIS confirm, print) happens, and recovery settles them only by the card's
// verified proof or its "no such transaction".
#include "hc/kiosk/core/purse_journal.hpp"
#include "kiosk_rig.hpp"

#include <doctest/doctest.h>

using namespace hc::kiosk;
using namespace hc::kiosk::core;
using namespace hc::kiosk::testing;

namespace {

std::optional<StepRecord> stepOf(const std::vector<StepRecord>& steps, StepType type) {
    std::optional<StepRecord> out;
    for (const auto& s : steps) {
        if (s.type == type) {
            out = s;
        }
    }
    return out;
}

} // namespace

TEST_CASE("a counterfeit card's debit (MAC2 refused) is UNKNOWN, call staff, never paid") {
    Kiosk k;
    k.card->forgeNextMac2 = true;
    k.registerToPayment();
    k.choose("purse");
    CHECK(k.screen() == "choose_payment");
    CHECK(k.errorCode() == "card_debit_unverified");
    CHECK(std::string(k.view().at("error").at("next").as_string()) == "call staff");
    CHECK(k.his.bookings.empty()); // no service for an unproven payment
    CHECK(k.receipt.printed.empty());
    const auto debit = stepOf(k.steps(), StepType::CardDebit);
    REQUIRE(debit);
    CHECK(debit->status == StepStatus::Unknown);
    CHECK(debit->reason.find("unverified") != std::string::npos);
    CHECK(!pendingOf(debit->reason).empty()); // what the proof query needs
    CHECK(!stepOf(k.steps(), StepType::HisRegister));
    // Not paid: "back" is still offered, and a second tap does not count the first as paid.
    CHECK(k.hasAction("back"));
    // The session ends: recovery asks the card for its proof; the counterfeit has none -> the
    // debit is resolved FAILED, the slot released, nothing "given back" to the counterfeit.
    k.action("home");
    const auto after = k.journal.steps(k.lastSession());
    CHECK(stepOf(after, StepType::CardDebit)->status == StepStatus::Failed);
    CHECK(!stepOf(after, StepType::CardDebitReverse));
    CHECK(k.card->loads == 0);
    CHECK(k.his.releases == 1);
    CHECK(k.journal.session(k.lastSession())->recovered);
}

TEST_CASE("payment: a forged MAC2 leaves the bill unpaid at the HIS and the insurance struck") {
    Kiosk k;
    k.card->forgeNextMac2 = true;
    k.insert();
    k.choose("payment");
    k.action("confirm");
    REQUIRE(k.screen() == "choose_payment");
    k.choose("purse");
    CHECK(k.errorCode() == "card_debit_unverified");
    CHECK(k.his.invoices.empty());
    CHECK(k.his.items[0].status == "billable");
    k.action("home");
    const auto after = k.journal.steps(k.lastSession());
    CHECK(stepOf(after, StepType::CardDebit)->status == StepStatus::Failed);
    CHECK(!stepOf(after, StepType::HisConfirm));
    if (stepOf(after, StepType::InsuranceSettle)) {
        CHECK(stepOf(after, StepType::InsuranceStrike)->status == StepStatus::Ok);
    }
}

TEST_CASE("report fee: a forged MAC2 prints nothing") {
    EngineConfig c;
    c.reportFeeFen = 200;
    Kiosk k(c);
    k.card->forgeNextMac2 = true;
    k.insert();
    k.choose("report");
    k.choose("DR1");
    CHECK(k.errorCode() == "card_debit_unverified");
    CHECK(k.report.printed.empty());
    CHECK(stepOf(k.steps(), StepType::CardDebit)->status == StepStatus::Unknown);
}

TEST_CASE("a debit whose proof does not verify stays unknown: neither paid nor given back") {
    Kiosk k;
    k.card->nextUnknown = true; // the answer is lost ...
    k.registerToPayment();
    // ... and the card's proof for it will not verify.
    k.card->forgedProofs.insert("{\"atc\":1}");
    k.choose("purse");
    CHECK(k.errorCode() == "card_debit_unknown");
    CHECK(k.his.bookings.empty());
    k.action("home");
    const auto after = k.journal.steps(k.lastSession());
    CHECK(stepOf(after, StepType::CardDebit)->status == StepStatus::Unknown);
    CHECK(!stepOf(after, StepType::CardDebitReverse));
    CHECK(!k.journal.session(k.lastSession())->recovered); // waits for staff
}

TEST_CASE("top-up: a load whose TAC does not verify is UNKNOWN; the QR payment is kept, not "
          "refunded blind") {
    Kiosk k;
    k.card->forgeNextLoadTac = true;
    k.insert();
    k.choose("topup");
    k.type("100");
    k.choose("qr");
    k.gateway.payAll();
    k.action("paid");
    CHECK(k.errorCode() == "card_load_unknown");
    CHECK(k.screen() != "done");
    const auto load = stepOf(k.steps(), StepType::CardLoad);
    REQUIRE(load);
    CHECK(load->status == StepStatus::Unknown);
    CHECK(load->reason.find("unverified") != std::string::npos);
    k.action("home");
    // The proof is asked for and does not verify either: the session waits for staff, the
    // payment is neither refunded nor the load counted.
    const auto after = k.journal.steps(k.lastSession());
    CHECK(stepOf(after, StepType::CardLoad)->status == StepStatus::Unknown);
    CHECK(!stepOf(after, StepType::PaymentRefund));
    CHECK(!k.journal.session(k.lastSession())->recovered);
}

TEST_CASE("journalPurse: OK only for a verified Done") {
    hc::testing::TempDir dir { "hc-kmoney-" };
    Journal journal(dir / "j.db");
    const auto s = journal.openSession("K01", "PAY");
    const auto outcome = [&](PurseResult r) {
        JournalStep step(journal, s, { StepType::CardDebit, "r", 100 });
        const auto v = journalPurse(step, r);
        return std::make_pair(v, journal.step(step.id())->status);
    };
    PurseResult done { PurseStatus::Done, 900, "AA", "", "{\"atc\":1}", false, true };
    CHECK(outcome(done) == std::make_pair(PurseVerdict::Moved, StepStatus::Ok));
    done.verified = false;
    CHECK(outcome(done) == std::make_pair(PurseVerdict::Unknown, StepStatus::Unknown));
    PurseResult declined { PurseStatus::Declined, 0, "", "9401", "", true, false };
    CHECK(outcome(declined) == std::make_pair(PurseVerdict::NotMoved, StepStatus::Failed));
    CHECK(settledStatus(done) == std::nullopt);
    done.verified = true;
    CHECK(settledStatus(done) == StepStatus::Ok);
    CHECK(settledStatus(declined) == StepStatus::Failed);
}

TEST_CASE("done screens say what the patient leaves with: own share, how paid, balance after, "
          "where the receipt is; the message does not repeat the title") {
    Kiosk k;
    k.insert();
    k.choose("payment");
    k.action("confirm");
    k.choose("purse");
    REQUIRE(k.screen() == "done");
    auto v = k.view();
    CHECK(v.at("title").as_string() == "缴费成功");
    CHECK(v.at("message").as_string() != v.at("title").as_string());
    const auto& d = v.at("data").as_object();
    CHECK(d.at("ownFen").as_int64() == 2500);
    CHECK(d.at("paidBy").as_string() == "purse");
    CHECK(d.at("balanceAfterFen").as_int64() == 7500);
    CHECK(d.at("receipt").as_bool());
    std::map<std::string, std::string> lines;
    for (const auto& l : d.at("lines").as_array()) {
        lines[std::string(l.at("label").as_string())] = std::string(l.at("value").as_string());
    }
    CHECK(lines["发票号"] == "INV1");
    CHECK(lines["合计"] == "62.50 元");
    CHECK(lines["医保支付"] == "37.50 元");
    CHECK(lines["个人支付"] == "25.00 元");
    CHECK(lines["支付方式"] == "健康卡电子钱包");
    CHECK(lines["卡内余额"] == "75.00 元");
    CHECK(lines["凭条"] == "已打印，请从出纸口取走");
    k.action("done");

    // A top-up by QR: the amount, how it was paid, the balance after; no receipt paper.
    k.receipt.trouble.reset();
    k.choose("topup");
    k.type("20");
    k.choose("qr");
    k.gateway.payAll();
    k.action("paid");
    REQUIRE(k.screen() == "done");
    v = k.view();
    lines.clear();
    for (const auto& l : v.at("data").at("lines").as_array()) {
        lines[std::string(l.at("label").as_string())] = std::string(l.at("value").as_string());
    }
    CHECK(lines["充值金额"] == "20.00 元");
    CHECK(lines["付款方式"] == "微信/支付宝扫码");
    CHECK(lines["卡内余额"] == "95.00 元");
    CHECK(v.at("message").as_string() == "20.00 元已存入健康卡电子钱包，余额 95.00 元");
}
