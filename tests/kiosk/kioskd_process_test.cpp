// kioskd as a process against his-sim, paygw-sim and escpos-sim, with the file-backed demo card
// (--fake-card), driven through the web server's /api/input: a registration end to end, then
// kill -9 at each step of a payment (kioskd --failpoint), a restart, recovery at boot, and the
// checks that matter: nobody charged twice, nobody charged without service (HIS items, gateway
// refunds, the card balance), and a paid report is not charged when the printer has no paper.
// One case adds center-sim + settlementd (--insecure) for the insurance share. The harness
// (simulators, kioskd start / kill / restart, the outside checks) is kioskd_harness.hpp, shared
// with kioskd_pcsc_process_test (the same kills on the PC/SC card path).
#include "kioskd_harness.hpp"

#include <fstream>
#include <sstream>

using namespace hc::kiosk::test;
using hc::testing::readFile;

namespace {

/** The harness with the file-backed demo card (his-sim patient P0001). */
struct Rig : KioskdRig {
    Rig() { cardArgs = { "--fake-card", (dir / "card.json").string(), "--allow-ui-card-events" }; }
    std::int64_t balance() {
        return json::parse(readFile(dir / "card.json")).at("balance").as_int64();
    }
    void toPaymentChoice() {
        input(R"({"type":"card","event":"inserted"})");
        CHECK(choose("payment").at("screen").as_string() == "unpaid_items");
        CHECK(action("confirm").at("screen").as_string() == "choose_payment");
    }
    /** kioskd with a failpoint, the payment of the unpaid items from the card's purse until the
     * kill, then a restart (recovery at boot). Returns the balance before and after the kill. */
    std::pair<std::int64_t, std::int64_t> killDuringPursePayment(const std::string& failpoint) {
        start(failpoint);
        toPaymentChoice();
        const auto before = balance();
        inputUntilDeath(R"({"type":"choose","item":"purse"})");
        const auto after = balance();
        CHECK(after < before); // the debit happened before the kill
        start();
        return { before, after };
    }
};

} // namespace

TEST_CASE("kioskd: a registration through the web API books, debits the card once and prints") {
    Rig r;
    r.start();
    CHECK(r.view().at("screen").as_string() == "idle");
    CHECK(r.input(R"({"type":"card","event":"inserted"})").at("screen").as_string() == "menu");
    auto v = r.choose("registration");
    REQUIRE(v.at("screen").as_string() == "choose_department");
    v = r.choose(std::string(v.at("items").at(0).at("id").as_string()));
    REQUIRE(v.at("screen").as_string() == "choose_doctor");
    v = r.choose(std::string(v.at("items").at(0).at("id").as_string()));
    REQUIRE(v.at("screen").as_string() == "choose_slot");
    std::string slot;
    for (const auto& i : v.at("items").as_array()) {
        if (!i.at("disabled").as_bool()) {
            slot = std::string(i.at("id").as_string());
        }
    }
    REQUIRE(!slot.empty());
    CHECK(r.choose(slot).at("screen").as_string() == "confirm");
    CHECK(r.action("confirm").at("screen").as_string() == "choose_payment");
    const auto before = r.balance();
    v = r.choose("purse");
    CHECK(v.at("screen").as_string() == "done");
    const auto fee = v.at("data").at("feeFen").as_int64();
    CHECK(r.balance() == before - fee);
    const auto appts = bodyOf(httpGet(r.hisPort, "/fhir/Appointment?patient=P0001"));
    CHECK(appts.at("entry").as_array().size() == 1);
    bool printed = false;
    for (int i = 0; i < 40 && !printed; ++i) {
        for (const auto& e : std::filesystem::directory_iterator(r.dir / "receipts")) {
            printed = printed
                || (e.path().extension() == ".txt"
                    && readFile(e.path()).find("挂号凭条") != std::string::npos);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK(printed);
}

TEST_CASE("kill -9 after the card debit: at restart the debit is given back, HIS unpaid") {
    Rig r;
    const auto unpaid = r.unpaidItems();
    const auto [before, after] = r.killDuringPursePayment("card_debit");
    CHECK(r.balance() == before); // recovery at boot gave it back
    CHECK(r.unpaidItems() == unpaid);
    r.kioskd->stop();
    r.start(); // a second boot does nothing more
    CHECK(r.balance() == before);
    r.kioskd->stop();
    CHECK(r.unrecovered().empty());
}

TEST_CASE("kill -9 after HIS confirm: charged once, served, nothing reversed") {
    Rig r;
    const auto [before, after] = r.killDuringPursePayment("his_confirm");
    CHECK(r.balance() == after);
    CHECK(r.unpaidItems() == 0);
    r.kioskd->stop();
    CHECK(r.unrecovered().empty());
}

TEST_CASE("kill -9 during the receipt print: charged once, served, a reprint is offered") {
    Rig r;
    const auto [before, after] = r.killDuringPursePayment("print");
    CHECK(r.balance() == after);
    CHECK(r.unpaidItems() == 0);
    r.kioskd->stop();
    CHECK(r.unrecovered().empty());
    // The print left PENDING by the kill is resolved FAILED and a reprint offered (journaled).
    CHECK(r.log().find("compensate reprint") != std::string::npos);
}

TEST_CASE("kill -9 after the QR payment, before HIS: at restart refunded exactly once") {
    Rig r;
    r.start("payment");
    r.toPaymentChoice();
    CHECK(r.choose("qr").at("screen").as_string() == "qr_pay");
    (void)httpPost(r.payPort, "/admin/pay-all", "{}");
    r.inputUntilDeath(R"({"type":"action","action":"paid"})");
    r.start();
    auto orders = r.orders();
    REQUIRE(orders.size() == 1);
    CHECK(orders[0].at("state").as_string() == "refunded");
    CHECK(orders[0].at("refunds").as_int64() == 1);
    CHECK(r.unpaidItems() > 0);
    r.kioskd->stop();
    r.start();
    CHECK(r.orders()[0].at("refunds").as_int64() == 1);
}

TEST_CASE("paper out before a paid report: the patient is not charged") {
    Rig r;
    r.extra = { "--report-fee", "200" };
    std::filesystem::create_directories(r.dir / "reports");
    std::ofstream(r.dir / "reports" / "paper-out").put('\n');
    r.start();
    r.input(R"({"type":"card","event":"inserted"})");
    auto v = r.choose("report");
    REQUIRE(v.at("screen").as_string() == "choose_report");
    const auto before = r.balance();
    v = r.choose(std::string(v.at("items").at(0).at("id").as_string()));
    CHECK(v.at("error").at("code").as_string() == "report_printer");
    CHECK(r.balance() == before);
    std::filesystem::remove(r.dir / "reports" / "paper-out");
    v = r.choose(std::string(v.at("items").at(0).at("id").as_string()));
    CHECK(v.at("screen").as_string() == "done");
    CHECK(r.balance() == before - 200);
}

TEST_CASE("kill -9 after the card answered the report fee, before the journal knew: given "
          "back once at restart, nothing printed") {
    Rig r;
    r.extra = { "--report-fee", "200" };
    std::filesystem::create_directories(r.dir / "reports");
    r.start("report_fee_answered");
    r.input(R"({"type":"card","event":"inserted"})");
    auto v = r.choose("report");
    REQUIRE(v.at("screen").as_string() == "choose_report");
    const auto before = r.balance();
    r.inputUntilDeath(R"({"type":"choose","item":")"
        + std::string(v.at("items").at(0).at("id").as_string()) + R"("})");
    CHECK(r.balance() == before - 200); // the card was debited before the kill
    r.start(); // recovery at boot: the step is PENDING; the balance says the debit happened
    CHECK(r.balance() == before);
    r.kioskd->stop();
    r.start(); // a second boot gives nothing more
    CHECK(r.balance() == before);
    r.kioskd->stop();
    CHECK(r.unrecovered().empty());
}

#ifdef HC_KIOSK_TEST_SETTLEMENT
TEST_CASE("kioskd with settlementd: insurance pays its share; kill -9 after the insurance "
          "settle -> the settlement is struck at restart, the card is not charged") {
    Rig r;
    Settlement s(r.dir.path());
    r.extra = { "--settlementd", s.endpoint };
    r.start();
    r.toPaymentChoice();
    auto v = r.view();
    INFO(json::serialize(v));
    REQUIRE(v.at("error").is_null());
    const auto fund = v.at("data").at("insuranceFen").as_int64();
    const auto own = v.at("data").at("amountFen").as_int64();
    CHECK(fund + own == v.at("data").at("totalFen").as_int64());
    r.kioskd->stop();

    Rig k;
    Settlement s2(k.dir.path());
    k.extra = { "--settlementd", s2.endpoint };
    k.start("insurance_settle");
    k.toPaymentChoice();
    const auto before = k.balance();
    const auto unpaid = k.unpaidItems();
    k.inputUntilDeath(R"({"type":"choose","item":"purse"})");
    k.start();
    CHECK(k.balance() == before);
    CHECK(k.unpaidItems() == unpaid);
    k.kioskd->stop();
    const auto log = readFile(k.dir / "kioskd.log");
    INFO(log);
    CHECK(log.find("compensate insurance_strike") != std::string::npos);
    CHECK(k.unrecovered().empty());
}
#endif

TEST_CASE("kioskd --mode cashier: staff login, cash payment at the window, logout") {
    Rig r;
    const auto hash = hc::testing::runCommand(
        { hc::testing::binaryPath("kioskd/kioskd").string(), "--hash-pin" }, "24681357\n");
    REQUIRE(hash.status == 0);
    const auto pinHash = hash.out.substr(0, hash.out.find('\n'));
    CHECK(pinHash.rfind("pbkdf2-sha256$", 0) == 0);
    const auto config
        = R"({"mode":"cashier","staff":[{"id":"S001","name":"王芳","role":"cashier","pinHash":")"
        + pinHash + "\"}]}";
    // A config holding staff PIN hashes that others may read is refused, naming the fix.
    std::ofstream(r.dir / "cashier.json") << config;
    std::filesystem::permissions(r.dir / "cashier.json", std::filesystem::perms::others_read,
        std::filesystem::perm_options::add);
    const auto refused
        = hc::testing::runCommand({ hc::testing::binaryPath("kioskd/kioskd").string(), "--config",
            (r.dir / "cashier.json").string(), "--journal", (r.dir / "j2.db").string() });
    CHECK(refused.status == 2);
    CHECK(refused.err.find("chmod 600") != std::string::npos);
    writeSecretConfig(r.dir / "cashier.json", config);
    r.extra = { "--config", (r.dir / "cashier.json").string() };
    r.start();
    CHECK(r.view().at("screen").as_string() == "staff_login");
    r.input(R"({"type":"input","value":"S001"})");
    auto v = r.input(R"({"type":"input","value":"24681357"})");
    REQUIRE(v.at("screen").as_string() == "menu");
    CHECK(v.at("mode").as_string() == "cashier");
    CHECK(r.choose("cash_payment").at("screen").as_string() == "find_patient");
    v = r.input(R"({"type":"input","value":"110105199811281285"})");
    REQUIRE(v.at("screen").as_string() == "unpaid_items");
    CHECK(r.unpaidItems() > 0);
    CHECK(r.action("confirm").at("screen").as_string() == "cash_confirm");
    v = r.action("confirm");
    CHECK(v.at("screen").as_string() == "done");
    CHECK(v.at("data").at("paidBy").as_string() == "cash");
    CHECK(r.unpaidItems() == 0);
    r.action("done");
    CHECK(r.action("logout").at("screen").as_string() == "staff_login");
}

TEST_CASE("kioskd --mode cashier: a supervisor approves the refund of a cash payment (李娜)") {
    Rig r;
    const auto hashOf = [](const std::string& salt, const std::string& pin) {
        const auto h = hc::testing::runCommand(
            { hc::testing::binaryPath("kioskd/kioskd").string(), "--hash-pin-sm3", salt },
            pin + "\n");
        REQUIRE(h.status == 0);
        return h.out.substr(0, 64);
    };
    writeSecretConfig(r.dir / "cashier.json",
        std::string(
            R"({"mode":"cashier","staff":[{"id":"S001","name":"王芳","role":"cashier","salt":"s1","pinSm3":")")
            + hashOf("s1", "2468")
            + R"("},{"id":"M001","name":"陈主管","role":"supervisor","salt":"s2","pinSm3":")"
            + hashOf("s2", "9999") + "\"}]}");
    r.extra = { "--config", (r.dir / "cashier.json").string() };
    r.start();
    r.input(R"({"type":"input","value":"S001"})");
    REQUIRE(r.input(R"({"type":"input","value":"2468"})").at("screen").as_string() == "menu");
    // 李娜 is one of his-sim's sample residents: her two items are there at every start.
    r.choose("cash_payment");
    REQUIRE(r.input(R"({"type":"input","value":"110105197503150022"})").at("screen").as_string()
        == "unpaid_items");
    r.action("confirm");
    auto v = r.action("confirm");
    REQUIRE(v.at("screen").as_string() == "done");
    const std::string invoice(v.at("data").at("invoice").as_string());
    CHECK(v.at("data").at("totalFen").as_int64() == 21300);
    r.action("done");

    CHECK(r.choose("refund").at("screen").as_string() == "find_invoice");
    v = r.input(R"({"type":"input","value":")" + invoice + "\"}");
    REQUIRE(v.at("screen").as_string() == "refund_confirm");
    CHECK(v.at("data").at("paidBy").as_string() == "cash");
    CHECK(r.action("confirm").at("screen").as_string() == "supervisor_login");
    r.input(R"({"type":"input","value":"S001"})"); // the cashier cannot approve her own refund
    v = r.input(R"({"type":"input","value":"2468"})");
    CHECK(v.at("error").at("code").as_string() == "approval_refused");
    const auto invoiceState = [&] {
        return bodyOf(httpGet(r.hisPort, "/fhir/Invoice?_id=" + invoice))
            .at("entry")
            .at(0)
            .at("resource")
            .at("status")
            .as_string();
    };
    CHECK(invoiceState() == "balanced");
    r.action("back");
    REQUIRE(r.view().at("screen").as_string() == "supervisor_login");
    r.input(R"({"type":"input","value":"M001"})");
    v = r.input(R"({"type":"input","value":"9999"})");
    REQUIRE(v.at("screen").as_string() == "done");
    CHECK(v.at("message").as_string() == "退费成功，请退还患者现金 213.00 元");
    CHECK(invoiceState() == "cancelled");
    r.action("done");

    // Shift close: the payment and the refund, printed; the next shift starts empty, also after
    // a restart (the ledger <journal>.shift).
    v = r.choose("shift_close");
    REQUIRE(v.at("screen").as_string() == "shift_summary");
    const auto row = v.at("data").at("staff").at(0);
    CHECK(row.at("staff").as_string() == "S001");
    CHECK(row.at("cashCount").as_int64() == 1);
    CHECK(row.at("cashFen").as_int64() == 21300);
    CHECK(row.at("refundFen").as_int64() == 21300);
    CHECK(r.action("confirm").at("screen").as_string() == "done");
    r.action("done");
    r.kioskd->stop();
    r.start();
    r.input(R"({"type":"input","value":"S001"})");
    r.input(R"({"type":"input","value":"2468"})");
    v = r.choose("shift_close");
    CHECK(v.at("data").at("shift").as_int64() == 2);
    CHECK(v.at("data").at("staff").as_array().empty());
    r.action("home");
    r.kioskd->stop();
    CHECK(r.unrecovered().empty());
    int receipts = 0;
    int shiftReports = 0;
    for (const auto& f : std::filesystem::directory_iterator(r.dir / "receipts")) {
        if (f.path().extension() == ".txt") { // job-NNNN.txt: the decoded text of a job
            receipts += readFile(f.path()).find("退费凭条") != std::string::npos ? 1 : 0;
            shiftReports += readFile(f.path()).find("结班报表") != std::string::npos ? 1 : 0;
        }
    }
    CHECK(receipts == 1);
    CHECK(shiftReports == 1);
}

TEST_CASE(
    "kioskd --mode cashier: kill -9 after the HIS refund; at restart the cash refund is due") {
    Rig r;
    const auto hashOf = [](const std::string& salt, const std::string& pin) {
        const auto h = hc::testing::runCommand(
            { hc::testing::binaryPath("kioskd/kioskd").string(), "--hash-pin-sm3", salt },
            pin + "\n");
        REQUIRE(h.status == 0);
        return h.out.substr(0, 64);
    };
    writeSecretConfig(r.dir / "cashier.json",
        std::string(
            R"({"mode":"cashier","staff":[{"id":"S001","name":"王芳","role":"cashier","salt":"s1","pinSm3":")")
            + hashOf("s1", "2468")
            + R"("},{"id":"M001","name":"陈主管","role":"supervisor","salt":"s2","pinSm3":")"
            + hashOf("s2", "9999") + "\"}]}");
    r.extra = { "--config", (r.dir / "cashier.json").string() };
    r.start("his_refund");
    r.input(R"({"type":"input","value":"S001"})");
    r.input(R"({"type":"input","value":"2468"})");
    r.choose("cash_payment");
    r.input(R"({"type":"input","value":"410102198001010018"})"); // 张喆, his-sim P0014
    r.action("confirm");
    const auto paid = r.action("confirm");
    REQUIRE(paid.at("screen").as_string() == "done");
    const std::string invoice(paid.at("data").at("invoice").as_string());
    r.action("done");
    r.choose("refund");
    r.input(R"({"type":"input","value":")" + invoice + "\"}");
    r.action("confirm");
    r.input(R"({"type":"input","value":"M001"})");
    r.inputUntilDeath(R"({"type":"input","value":"9999"})");
    r.start();
    r.kioskd->stop();
    // The refund session (from the shift ledger): HIS refunded, then the cash refund journaled
    // at the restart, once.
    std::string refundSession;
    std::istringstream ledger(readFile(r.dir / "journal.db.shift"));
    for (std::string line; std::getline(ledger, line);) {
        if (line.find("-RFND-") != std::string::npos) {
            refundSession = line.substr(2, line.find('\t', 2) - 2);
        }
    }
    REQUIRE_FALSE(refundSession.empty());
    hc::kiosk::Journal j(r.dir / "journal.db");
    int hisRefunds = 0;
    int cashRefunds = 0;
    for (const auto& s : j.steps(refundSession)) {
        hisRefunds
            += s.type == hc::kiosk::StepType::HisRefund && s.status == hc::kiosk::StepStatus::Ok
            ? 1
            : 0;
        if (s.type == hc::kiosk::StepType::PaymentRefund) {
            ++cashRefunds;
            CHECK(s.status == hc::kiosk::StepStatus::Ok);
            CHECK(s.amountFen == 10860);
        }
    }
    CHECK(hisRefunds == 1);
    CHECK(cashRefunds == 1);
}
