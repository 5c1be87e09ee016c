// kill -9 on the real card path: kioskd as a process with its card reader on pcscd + vpcd +
// hcemu serving the resident card 李娜 (firmware-tools/images/resident-li-na.json, his-sim patient
// P0013; health application + PBOC e-purse) and the health SAM / PSAM (resident-sam.json), plus
// his-sim, paygw-sim, escpos-sim and, for the insurance share, center-sim + settlementd. kioskd
// sees the card through its reader monitor (no UI card events), debits with the PSAM and loads
// with the development issuer keys.
//
// Each case kills kioskd with SIGKILL right after one external step of registration paid from
// the e-purse, outpatient payment, or top-up (kioskd --failpoint; the slot hold, where the kiosk
// then waits for the patient, by a kill from outside), restarts it (recovery at boot, and at card
// insertion for what needs the card) and checks from the outside: the card's balance and
// transaction log read through pcscd with the card layer (kioskd stopped first, so no two
// programs talk to the card at once), his-sim over HTTP, paygw-sim's orders, settlementd's answer
// for the settlement, the journal. Either the service is delivered and paid exactly once, or the
// money is back on the card / refunded exactly once. hcemu works on a copy of the image, so the
// purse state survives hcemu restarts (the walk-away case restarts it).
#include "hc/kiosk/core/pcsc_patient_card.hpp"
#include "hc/testing/pcsc_stack.hpp"
#include "kioskd_harness.hpp"

#ifdef HC_KIOSK_TEST_SETTLEMENT
#include "hc/settle/terminal_client.hpp"
#endif

#include <cstdlib>

using namespace hc::kiosk::test;
using hc::kiosk::StepStatus;
using hc::kiosk::StepType;
using hc::kiosk::core::PurseLogEntry;
using hc::kiosk::core::PurseStatus;

namespace {

// vpcd slots 2 and 3: 0 and 1 are where a demo left running by hand puts its card and SAM.
constexpr int kCardSlot = 2;
constexpr int kSamSlot = 3;

/** The purse issuer's development keys, copied owner-only (kioskd refuses a key file others may
 * read). */
std::string issuerKeys() {
    static const std::string copy = [] {
        const auto to = std::filesystem::temp_directory_path()
            / ("hc-kiosk-issuer-keys-" + std::to_string(::getpid()) + ".json");
        std::filesystem::copy_file(
            hc::testing::sourcePath("firmware-tools/images/purse-issuer-dev-keys.json"), to,
            std::filesystem::copy_options::overwrite_existing);
        std::filesystem::permissions(to,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
            std::filesystem::perm_options::replace);
        return to.string();
    }();
    return copy;
}

/** The card as anyone can read it through pcscd: balance and the newest log records. */
struct CardState {
    std::int64_t balance = 0;
    std::vector<PurseLogEntry> log;
};

/** 李娜's card image; pcscd is started (once per test binary) before hcemu needs it. */
std::string image() {
    hc::testing::sharedPcscd();
    return "resident-li-na.json";
}

struct PcscRig : KioskdRig {
    hc::testing::EmulatedCard card;
    hc::testing::EmulatedCard sam;

    PcscRig()
        : card(image(), kCardSlot)
        , sam("resident-sam.json", kSamSlot) {
        patient = "P0013";
        ::setenv("HC_SAM_PIN", "123456", 1); // the test images' SAM PIN, inherited by kioskd
        cardArgs = { "--card-reader", hc::testing::readerForSlot(kCardSlot), "--sam-reader",
            hc::testing::readerForSlot(kSamSlot), "--issuer-keys", issuerKeys() };
    }
    ~PcscRig() { kioskd.reset(); } // kioskd goes before the card it holds

    /** Reads the card with the card layer (no SAM: the balance and log need none). */
    CardState readCard() {
        for (int attempt = 1;; ++attempt) {
            try {
                hc::kiosk::core::PcscPatientCard c(card.reader(), "", "", issuerKeys(), "T9");
                return { c.balance(), c.log(10) };
            } catch (const std::exception& e) {
                // A card put back a moment ago can fail its first exchange (pcscd still
                // powering it up): try again, as a patient would.
                MESSAGE("reading the card: " << std::string(e.what()));
                if (attempt == 5) {
                    throw;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
            }
        }
    }
    /** Loads the purse from the outside (a top-up at another terminal), before kioskd runs. */
    void fund(std::int64_t fen) {
        hc::kiosk::core::PcscPatientCard c(card.reader(), "", "", issuerKeys(), "T9");
        REQUIRE(c.load(fen).status == PurseStatus::Done);
    }
    /** Starts kioskd with the card in the reader and waits for its menu (the reader monitor
     * reports the card present, recovery at insertion runs before the view is given out). */
    void startWithCard(const std::string& failpoint = {}) {
        start(failpoint);
        REQUIRE(waitScreen("menu").at("screen").as_string() == "menu");
    }
    /** Stops kioskd gracefully (SIGTERM): the card is then the test's alone. */
    void stop() { kioskd->stop(); }
    /** The recovered session of the kill: the journal serial printed by recovery at boot. */
    std::string recoveredSession() {
        const auto text = log();
        const std::string tag = "kioskd: recovery ";
        const auto p = text.find(tag);
        REQUIRE(p != std::string::npos);
        const auto b = p + tag.size();
        return text.substr(b, text.find(':', b) - b);
    }

    /** menu -> registration -> the first department and doctor, the last free slot -> confirm.
     * Returns {doctor, slot, fee}. */
    std::tuple<std::string, std::string, std::int64_t> toRegistrationConfirm() {
        auto v = choose("registration");
        REQUIRE(v.at("screen").as_string() == "choose_department");
        v = choose(std::string(v.at("items").at(0).at("id").as_string()));
        REQUIRE(v.at("screen").as_string() == "choose_doctor");
        const std::string doctor(v.at("items").at(0).at("id").as_string());
        v = choose(doctor);
        REQUIRE(v.at("screen").as_string() == "choose_slot");
        std::string slot;
        for (const auto& i : v.at("items").as_array()) {
            if (!i.at("disabled").as_bool()) {
                slot = std::string(i.at("id").as_string());
            }
        }
        REQUIRE(!slot.empty());
        v = choose(slot);
        REQUIRE(v.at("screen").as_string() == "confirm");
        return { doctor, slot, v.at("data").at("feeFen").as_int64() };
    }
    /** menu -> payment -> confirm the unpaid items -> choose_payment; returns the own share. */
    std::int64_t toPaymentChoice() {
        CHECK(choose("payment").at("screen").as_string() == "unpaid_items");
        const auto v = action("confirm");
        INFO(json::serialize(v));
        REQUIRE(v.at("screen").as_string() == "choose_payment");
        return v.at("data").at("amountFen").as_int64();
    }
    /** menu -> top-up -> 50 元 -> QR -> the gateway pays -> "paid" (kioskd dies at its
     * failpoint). */
    void topUpByQrUntilDeath(const std::string& failpoint, std::int64_t fen) {
        startWithCard(failpoint);
        REQUIRE(choose("topup").at("screen").as_string() == "choose_amount");
        REQUIRE(choose(std::to_string(fen)).at("screen").as_string() == "choose_payment");
        REQUIRE(choose("qr").at("screen").as_string() == "qr_pay");
        (void)httpPost(payPort, "/admin/pay-all", "{}");
        inputUntilDeath(R"({"type":"action","action":"paid"})");
    }
};

using Kinds = std::vector<std::pair<bool, std::int64_t>>;

/** The records written since `before` (newest first) as {load?, amount}: those above the record
 * that was newest then. */
Kinds newRecords(const CardState& before, const CardState& after) {
    Kinds out;
    for (const auto& e : after.log) {
        if (!before.log.empty() && e.when == before.log[0].when
            && e.amountFen == before.log[0].amountFen && e.load == before.log[0].load) {
            break;
        }
        out.emplace_back(e.load, e.amountFen);
    }
    return out;
}

constexpr bool kLoad = true;
constexpr bool kPurchase = false;

} // namespace

TEST_CASE("PC/SC registration: kill -9 after the slot hold -> the slot is released at restart, "
          "nothing charged") {
    PcscRig r;
    const auto before = r.readCard();
    r.startWithCard();
    const auto [doctor, slot, fee] = r.toRegistrationConfirm();
    CHECK(fee > 0);
    CHECK(r.slotStatus(doctor, slot) == "busy-tentative");
    r.kill9(); // the kiosk waits for the patient's confirm after the hold
    r.startWithCard();
    CHECK(r.slotStatus(doctor, slot) == "free");
    CHECK(r.appointments() == 0);
    r.stop();
    const auto after = r.readCard();
    CHECK(after.balance == before.balance);
    CHECK(newRecords(before, after).empty());
    CHECK(r.unrecovered().empty());
    CHECK(r.count(r.recoveredSession(), StepType::HisReleaseSlot) == 1);
}

TEST_CASE("PC/SC registration: kill -9 after the card debit -> the card still in the reader at "
          "restart gets the fee loaded back, the slot is released, nothing booked") {
    PcscRig r;
    const auto before = r.readCard();
    r.startWithCard("card_debit");
    const auto [doctor, slot, fee] = r.toRegistrationConfirm();
    REQUIRE(r.action("confirm").at("screen").as_string() == "choose_payment");
    r.inputUntilDeath(R"({"type":"choose","item":"purse"})");
    const auto killed = r.readCard();
    CHECK(killed.balance == before.balance - fee); // the emulated card really paid
    CHECK(newRecords(before, killed) == Kinds { { kPurchase, fee } });
    r.startWithCard(); // recovery at boot (HIS) and at the card's insertion (the purse)
    r.stop();
    const auto after = r.readCard();
    CHECK(after.balance == before.balance);
    CHECK(newRecords(before, after) == Kinds { { kLoad, fee }, { kPurchase, fee } });
    CHECK(r.appointments() == 0);
    CHECK(r.slotStatus(doctor, slot) == "free");
    CHECK(r.unrecovered().empty());
    // A second start with the card does nothing more.
    r.startWithCard();
    r.stop();
    const auto again = r.readCard();
    CHECK(again.balance == before.balance);
    CHECK(newRecords(before, again) == Kinds { { kLoad, fee }, { kPurchase, fee } });
}

TEST_CASE("PC/SC registration: kill -9 after the HIS booking -> booked once, paid once, nothing "
          "given back") {
    PcscRig r;
    const auto before = r.readCard();
    r.startWithCard("his_register");
    const auto [doctor, slot, fee] = r.toRegistrationConfirm();
    REQUIRE(r.action("confirm").at("screen").as_string() == "choose_payment");
    r.inputUntilDeath(R"({"type":"choose","item":"purse"})");
    CHECK(r.appointments() == 1);
    r.startWithCard();
    r.stop();
    const auto after = r.readCard();
    CHECK(after.balance == before.balance - fee);
    CHECK(newRecords(before, after) == Kinds { { kPurchase, fee } });
    CHECK(r.appointments() == 1);
    CHECK(r.slotStatus(doctor, slot) == "busy");
    CHECK(r.unrecovered().empty());
}

TEST_CASE("PC/SC payment: kill -9 after the card debit and the patient walks away -> the journal "
          "waits for the card; the next insertion loads the money back") {
    PcscRig r;
    r.fund(30000);
    const auto before = r.readCard();
    const auto unpaid = r.unpaidItems();
    REQUIRE(unpaid == 2);
    r.startWithCard("card_debit");
    const auto own = r.toPaymentChoice();
    r.inputUntilDeath(R"({"type":"choose","item":"purse"})");
    CHECK(r.readCard().balance == before.balance - own);
    // The patient takes the card and goes (hcemu stopped and started again on the same image:
    // the purse state is the card's own); kioskd restarts without it.
    r.card.remove();
    r.card.restart();
    r.card.remove();
    r.start();
    CHECK(r.view().at("screen").as_string() == "idle");
    r.stop();
    const auto session = r.recoveredSession();
    CHECK(r.log().find("kioskd: recovery " + session + ": waiting") != std::string::npos);
    CHECK(r.unrecovered() == std::vector<std::string> { session });
    CHECK(r.count(session, StepType::CardDebit) == 1);
    CHECK(r.count(session, StepType::CardDebitReverse) == 0);
    CHECK(r.count(session, StepType::HisConfirm) == 0);
    CHECK(r.unpaidItems() == unpaid); // nothing delivered, and the card still owes her the money
    {
        // What IT monitoring and staff see meanwhile: one session, the debit to give back.
        const auto [code, status] = r.recoveryStatus();
        CHECK(code == 3);
        CHECK(status.at("pending").as_int64() == 1);
        const auto& s = status.at("sessions").at(0).as_object();
        CHECK(s.at("session").as_string() == session);
        CHECK(s.at("at_stake_fen").as_int64() == own);
        CHECK(json::serialize(s).find("card_debit_reverse") != std::string::npos);
    }
    // She comes back: the insertion settles it.
    r.start();
    r.card.insert();
    REQUIRE(r.waitScreen("menu").at("screen").as_string() == "menu");
    r.stop();
    const auto after = r.readCard();
    CHECK(after.balance == before.balance);
    CHECK(newRecords(before, after) == Kinds { { kLoad, own }, { kPurchase, own } });
    CHECK(r.unrecovered().empty());
    CHECK(r.count(session, StepType::CardDebitReverse) == 1);
    CHECK(r.unpaidItems() == unpaid);
    CHECK(r.recoveryStatus().first == 0); // nothing pending any more
}

TEST_CASE("PC/SC payment: kill -9 after the card answered the debit, before the journal had "
          "its outcome (PENDING) -> the balance before decides: given back once") {
    PcscRig r;
    r.fund(30000);
    const auto before = r.readCard();
    r.startWithCard("card_debit_answered");
    const auto own = r.toPaymentChoice();
    r.inputUntilDeath(R"({"type":"choose","item":"purse"})");
    CHECK(r.readCard().balance == before.balance - own);
    r.startWithCard();
    r.stop();
    const auto session = r.recoveredSession();
    const auto after = r.readCard();
    CHECK(after.balance == before.balance);
    CHECK(newRecords(before, after) == Kinds { { kLoad, own }, { kPurchase, own } });
    CHECK(r.count(session, StepType::CardDebit) == 1); // PENDING resolved OK by the balance
    CHECK(r.count(session, StepType::CardDebitReverse) == 1);
    CHECK(r.unpaidItems() == 2);
    CHECK(r.unrecovered().empty());
}

TEST_CASE("PC/SC payment: the card pulled mid-debit (written, answer lost), then kill -9 -> the "
          "next insertion asks the card for its proof and gives the debit back once") {
    PcscRig r;
    r.fund(30000);
    const auto before = r.readCard();
    r.startWithCard();
    const auto own = r.toPaymentChoice();
    // hcemu processes the DEBIT FOR PURCHASE (INS 54) and is pulled before it answers.
    CHECK(r.card.control("tear after 54") == "ok armed");
    // The reply is the "card_debit_unknown" error or, when the reader monitor saw the card go
    // first, idle: the journal below is what counts.
    (void)r.choose("purse");
    r.kill9();
    r.start();
    r.stop();
    const auto session = r.recoveredSession();
    CHECK(r.unrecovered() == std::vector<std::string> { session });
    CHECK(r.count(session, StepType::CardDebit, StepStatus::Unknown) == 1);
    CHECK(r.unpaidItems() == 2);
    r.start();
    r.card.insert();
    REQUIRE(r.waitScreen("menu").at("screen").as_string() == "menu");
    r.stop();
    const auto after = r.readCard();
    CHECK(after.balance == before.balance);
    CHECK(newRecords(before, after) == Kinds { { kLoad, own }, { kPurchase, own } });
    CHECK(r.unrecovered().empty());
    CHECK(r.count(session, StepType::CardDebit) == 1); // resolved OK by the card's proof
    CHECK(r.count(session, StepType::CardDebitReverse) == 1);
    CHECK(r.unpaidItems() == 2);
}

TEST_CASE("PC/SC payment: kill -9 after the card debit, the card pulled during recovery's "
          "give-back load (written, answer lost), kill -9 again -> the next insertion finds the "
          "load on the card (balance before / proof): given back exactly once") {
    PcscRig r;
    r.fund(30000);
    const auto before = r.readCard();
    r.startWithCard("card_debit");
    const auto own = r.toPaymentChoice();
    r.inputUntilDeath(R"({"type":"choose","item":"purse"})");
    // The restart finds the card in the reader and gives the debit back with CREDIT FOR LOAD
    // (INS 52): hcemu writes it and is pulled before answering.
    CHECK(r.card.control("tear after 52") == "ok armed");
    r.start();
    bool torn = false;
    for (int i = 0; i < 200 && !torn; ++i) {
        torn = r.card.control("status").rfind("ok removed", 0) == 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    REQUIRE(torn);
    r.kill9();
    r.card.insert();
    const auto torn1 = r.readCard(); // kioskd is gone: the card's own word
    CHECK(torn1.balance == before.balance); // the load was written
    r.card.remove();
    r.start();
    r.stop();
    const auto session = r.recoveredSession();
    CHECK(r.unrecovered() == std::vector<std::string> { session });
    // Killed while the card layer was still at it (PENDING) or after it gave up (UNKNOWN with
    // the transaction): not done as far as the journal knows.
    CHECK(r.count(session, StepType::CardDebitReverse, StepStatus::Pending)
            + r.count(session, StepType::CardDebitReverse, StepStatus::Unknown)
        == 1);
    r.start();
    r.card.insert();
    REQUIRE(r.waitScreen("menu").at("screen").as_string() == "menu");
    r.stop();
    const auto after = r.readCard();
    CHECK(after.balance == before.balance);
    CHECK(newRecords(before, after) == Kinds { { kLoad, own }, { kPurchase, own } });
    CHECK(r.count(session, StepType::CardDebitReverse) == 1); // resolved OK, not loaded again
    CHECK(r.unrecovered().empty());
    CHECK(r.unpaidItems() == 2);
}

namespace {

/** Outpatient payment from the purse killed after the HIS confirm or during the slip print:
 * charged once, served, nothing given back. */
void paidAndServed(const std::string& failpoint) {
    PcscRig r;
    r.fund(30000);
    const auto before = r.readCard();
    r.startWithCard(failpoint);
    const auto own = r.toPaymentChoice();
    r.inputUntilDeath(R"({"type":"choose","item":"purse"})");
    CHECK(r.unpaidItems() == 0);
    r.startWithCard();
    r.stop();
    const auto after = r.readCard();
    CHECK(after.balance == before.balance - own);
    CHECK(newRecords(before, after) == Kinds { { kPurchase, own } });
    CHECK(r.unpaidItems() == 0);
    CHECK(r.unrecovered().empty());
    const auto session = r.recoveredSession();
    CHECK(r.count(session, StepType::CardDebitReverse) == 0);
    CHECK(r.count(session, StepType::HisConfirm) == 1);
    if (failpoint == "print") {
        // The slip left PENDING by the kill: resolved FAILED, a reprint offered (journaled).
        CHECK(r.count(session, StepType::Reprint) == 1);
    }
}

} // namespace

TEST_CASE("PC/SC payment: kill -9 after the HIS confirm -> paid once, the items are paid") {
    paidAndServed("his_confirm");
}

TEST_CASE("PC/SC payment: kill -9 during the slip print -> paid once, a reprint is offered") {
    paidAndServed("print");
}

TEST_CASE("PC/SC payment by QR: kill -9 after the QR payment -> refunded exactly once, the card "
          "untouched") {
    PcscRig r;
    const auto before = r.readCard();
    r.startWithCard("payment");
    const auto own = r.toPaymentChoice();
    REQUIRE(r.choose("qr").at("screen").as_string() == "qr_pay");
    (void)httpPost(r.payPort, "/admin/pay-all", "{}");
    r.inputUntilDeath(R"({"type":"action","action":"paid"})");
    r.startWithCard();
    auto orders = r.orders();
    REQUIRE(orders.size() == 1);
    CHECK(orders[0].at("amountFen").as_int64() == own);
    CHECK(orders[0].at("state").as_string() == "refunded");
    CHECK(orders[0].at("refunds").as_int64() == 1);
    CHECK(r.unpaidItems() == 2);
    r.stop();
    r.startWithCard();
    r.stop();
    CHECK(r.orders()[0].at("refunds").as_int64() == 1);
    const auto after = r.readCard();
    CHECK(after.balance == before.balance);
    CHECK(newRecords(before, after).empty());
    CHECK(r.unrecovered().empty());
}

#ifdef HC_KIOSK_TEST_SETTLEMENT
TEST_CASE("PC/SC payment with insurance: kill -9 after the insurance settle -> the settlement is "
          "struck at restart, the card is not charged") {
    PcscRig r;
    Settlement s(r.dir.path());
    r.extra = { "--settlementd", s.endpoint };
    r.fund(30000);
    const auto before = r.readCard();
    r.startWithCard("insurance_settle");
    r.toPaymentChoice();
    const auto quote = r.view();
    INFO(json::serialize(quote));
    REQUIRE(quote.at("error").is_null());
    CHECK(quote.at("data").at("insuranceFen").as_int64() > 0);
    r.inputUntilDeath(R"({"type":"choose","item":"purse"})");
    r.startWithCard();
    r.stop();
    const auto session = r.recoveredSession();
    CHECK(r.count(session, StepType::InsuranceSettle) == 1);
    CHECK(r.count(session, StepType::InsuranceStrike) == 1);
    CHECK(r.count(session, StepType::CardDebit) == 0); // killed before the debit
    CHECK(r.count(session, StepType::CardDebit, StepStatus::Pending) == 0);
    CHECK(r.unrecovered().empty());
    // settlementd's own record: the settle replayed by its request id names the settlement
    // (msgid); queried now, it is cancelled.
    hc::settle::TerminalClientConfig tc;
    tc.endpoint = s.endpoint;
    tc.insecureTerminal = "K01";
    hc::settle::TerminalClient client(tc);
    const auto settled = client.settle(session + "-INS", session, session);
    CHECK(settled.replayed);
    const auto now = client.query(session + "-CHECK", settled.msgid);
    INFO(now.status);
    CHECK(now.status == "CANCELLED");
    const auto after = r.readCard();
    CHECK(after.balance == before.balance);
    CHECK(newRecords(before, after).empty());
    CHECK(r.unpaidItems() == 2);
}
#endif

TEST_CASE("PC/SC top-up: kill -9 after the gateway payment -> refunded exactly once, the card "
          "not loaded") {
    PcscRig r;
    const auto before = r.readCard();
    r.topUpByQrUntilDeath("payment", 5000);
    r.startWithCard();
    r.stop();
    auto orders = r.orders();
    REQUIRE(orders.size() == 1);
    CHECK(orders[0].at("state").as_string() == "refunded");
    CHECK(orders[0].at("refunds").as_int64() == 1);
    const auto after = r.readCard();
    CHECK(after.balance == before.balance);
    CHECK(newRecords(before, after).empty());
    CHECK(r.unrecovered().empty());
    r.startWithCard();
    r.stop();
    CHECK(r.orders()[0].at("refunds").as_int64() == 1);
}

TEST_CASE("PC/SC top-up: kill -9 after the card answered the load, before the journal had its "
          "outcome (PENDING) -> loaded once, the payment kept, nothing refunded") {
    PcscRig r;
    const auto before = r.readCard();
    r.topUpByQrUntilDeath("card_load_answered", 5000);
    CHECK(r.readCard().balance == before.balance + 5000);
    r.startWithCard();
    r.stop();
    const auto session = r.recoveredSession();
    auto orders = r.orders();
    REQUIRE(orders.size() == 1);
    CHECK(orders[0].at("state").as_string() == "paid");
    CHECK(orders[0].at("refunds").as_int64() == 0);
    const auto after = r.readCard();
    CHECK(after.balance == before.balance + 5000);
    CHECK(newRecords(before, after) == Kinds { { kLoad, 5000 } });
    CHECK(r.count(session, StepType::CardLoad) == 1);
    CHECK(r.unrecovered().empty());
}

TEST_CASE("PC/SC top-up: kill -9 after the card load -> loaded once, the payment kept") {
    PcscRig r;
    const auto before = r.readCard();
    r.topUpByQrUntilDeath("card_load", 5000);
    CHECK(r.readCard().balance == before.balance + 5000);
    r.startWithCard();
    r.stop();
    auto orders = r.orders();
    REQUIRE(orders.size() == 1);
    CHECK(orders[0].at("state").as_string() == "paid");
    CHECK(orders[0].at("refunds").as_int64() == 0);
    const auto after = r.readCard();
    CHECK(after.balance == before.balance + 5000);
    CHECK(newRecords(before, after) == Kinds { { kLoad, 5000 } });
    CHECK(r.unrecovered().empty());
}
