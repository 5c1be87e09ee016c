// kioskd as a real process with card issuance configured: pcscd + vpcd, dispenser-sim putting
// each blank card (hcemu --blank) into the issuance reader (vpcd slot 2), the issuer's keys in a
// SoftHSM2 token, his-sim, a SQLite issuance register; driven through /api/view and /api/input
// like the other kioskd process tests. A resident without a card gets one (ethnicity chosen on
// screen, PIN shown once), takes it at the gate, and the card reads back with `hcard` through
// pcscd in another reader. Then kill -9 after the card is written but before it is ejected: at
// restart the card left at the IC position is captured, the register says failed, and the
// resident can be issued a new card (register and card agree: the written card is in the bin).
#include "../issuance/perso_test_util.hpp"
#include "dispenser_sim.hpp"
#include "hc/hsm/pkcs11_hsm.hpp"
#include "hc/issuance/register_store.hpp"
#include "hc/kiosk/journal.hpp"
#include "hc/testing/pcsc_stack.hpp"
#include "hc/testing/softhsm_token.hpp"
#include "sim_client.hpp"

#include <boost/json.hpp>
#include <csignal>
#include <doctest/doctest.h>
#include <fstream>
#include <thread>

using namespace hc::kiosk::test;
namespace json = boost::json;
namespace iss = hc::issuance;
using hc::testing::readFile;

namespace {

constexpr const char* kResident = "110105197503150022"; // his-sim's 李娜, no card yet

json::object bodyOf(const std::string& http) {
    const auto p = http.find("\r\n\r\n");
    REQUIRE(p != std::string::npos);
    return json::parse(http.substr(p + 4)).as_object();
}

struct Rig {
    hc::testing::TempDir dir { "hc-kioskd-iss-" };
    hc::testing::SoftHsmToken token { "hc-kioskd-iss" };
    hc::testing::DispenserSim sim { 3, 2 };
    unsigned short hisPort = hc::testing::freeTcpPort();
    unsigned short port = hc::testing::freeTcpPort();
    std::unique_ptr<hc::testing::Process> his;
    std::unique_ptr<hc::testing::Process> kioskd;

    Rig() {
        hc::testing::sharedPcscd();
        {
            hc::hsm::Pkcs11Hsm hsm(token.options());
            persotest::importIssuerKeys(hsm);
        }
        ::setenv("HC_TEST_KIOSK_ISS_PIN", "4321-user", 1); // the token's user PIN
        his = std::make_unique<hc::testing::Process>(
            std::vector<std::string> {
                hc::testing::binaryPath("his-sim").string(), "--port", std::to_string(hisPort) },
            dir / "his.log");
        waitForPort(hisPort);
        json::object c { { "port", port }, { "terminal", "K07" },
            { "journal", (dir / "journal.db").string() },
            { "his", "http://127.0.0.1:" + std::to_string(hisPort) }, { "receipt", "none" },
            { "paygw", "none" }, { "samReader", "" }, { "cardIssuance", true },
            { "issuanceReader", hc::testing::kReader2 },
            { "issuanceRegister", "sqlite:" + (dir / "register.db").string() },
            { "issuanceHsm", "pkcs11" }, { "issuanceHsmToken", "hc-kioskd-iss" },
            { "issuanceHsmSecretEnv", "HC_TEST_KIOSK_ISS_PIN" },
            { "issuanceDispenser", sim.address() }, { "issuerPinPolicy", "id-last6" } };
        std::ofstream(dir / "kioskd.json") << json::serialize(c);
    }
    ~Rig() {
        if (kioskd) {
            kioskd->stop();
        }
    }
    void start(const std::string& failpoint = {}) {
        std::vector<std::string> argv { hc::testing::binaryPath("kioskd/kioskd").string(),
            "--config", (dir / "kioskd.json").string() };
        if (!failpoint.empty()) {
            argv.push_back("--failpoint");
            argv.push_back(failpoint);
        }
        kioskd = std::make_unique<hc::testing::Process>(argv, dir / "kioskd.log");
        waitForPort(port);
    }
    /** The kiosk's own screen: the per-boot token kioskd wrote beside its journal, as the
     * cookie /launch sets (the issued card's PIN is shown to the screen only). */
    std::string cookie() const {
        auto t = hc::testing::readFile(dir / "journal.db.token");
        while (!t.empty() && t.back() == '\n') {
            t.pop_back();
        }
        return "Cookie: hc_kiosk=" + t + "\r\n";
    }
    json::object input(const std::string& msg) {
        return bodyOf(httpPost(port, "/api/input", msg, cookie()));
    }
    json::object view() { return bodyOf(httpGet(port, "/api/view", cookie())); }
    json::object action(const std::string& id) {
        return input(R"({"type":"action","action":")" + id + "\"}");
    }
    json::object choose(const std::string& id) {
        return input(R"({"type":"choose","item":")" + id + "\"}");
    }
    std::string log() const { return readFile(dir / "kioskd.log"); }
    /** From idle to the confirm screen for kResident, 汉族 chosen on screen. */
    void toConfirm() {
        auto v = view();
        REQUIRE(v.at("screen").as_string() == "idle");
        CHECK(action("issue_card").at("screen").as_string() == "id_number");
        v = input(R"({"type":"input","value":")" + std::string(kResident) + "\"}");
        REQUIRE_MESSAGE(v.at("screen").as_string() == "choose_ethnicity", json::serialize(v));
        CHECK(v.at("items").at(0).at("label").as_string() == "汉族");
        v = choose("eth:01");
        REQUIRE(v.at("screen").as_string() == "confirm_data");
        CHECK(v.at("items").at(4).at("detail").as_string() == "汉族");
    }
    std::vector<iss::CardEntry> cards() {
        auto reg = iss::openRegister("sqlite:" + (dir / "register.db").string(), "110100");
        return reg->list();
    }
    bool waitScreen(const std::string& screen) {
        for (int i = 0; i < 100; ++i) {
            if (view().at("screen").as_string() == screen) {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
    }
};

} // namespace

TEST_CASE("kioskd issues a card through the web API: from the dispenser's stack to the patient's "
          "hand, register issued, and the card reads back with hcard") {
    Rig r;
    r.start();
    r.toConfirm();
    auto v = r.action("confirm");
    INFO(r.log() << r.sim.log());
    REQUIRE_MESSAGE(v.at("screen").as_string() == "issued", json::serialize(v));
    CHECK(v.at("data").at("pin").as_string() == "150022"); // id-last6, shown once
    CHECK(v.at("title").as_string() == "请取走您的健康卡");
    // The card is at the gate, out of the issuance reader; the register waits for the hand-over.
    auto st = r.sim.driver().status();
    CHECK(st.position == hc::dispenser::CardPosition::Gate);
    CHECK(st.stock == 2);
    auto cards = r.cards();
    REQUIRE(cards.size() == 1);
    CHECK(std::string(iss::describe(cards[0].status)) == "verified");
    // The patient takes it: kioskd notices (its tick), the register counts it issued.
    const auto taken = r.sim.command("XT");
    REQUIRE(taken.extra.count("IMG") == 1);
    CHECK(r.waitScreen("idle"));
    CHECK(json::serialize(r.view()).find("150022") == std::string::npos); // the PIN is gone
    cards = r.cards();
    CHECK(std::string(iss::describe(cards[0].status)) == "issued");
    CHECK(cards[0].resident.name == "李娜");
    CHECK(cards[0].resident.ethnicity == 1);
    // In the patient's hand = in another reader: hcard reads the card that was issued.
    hc::testing::EmulatedCard card(taken.extra.at("IMG"), 3);
    // (The issuer's test keys, the ones imported into the token, open the protected files.)
    const auto out = hc::testing::runCommand({ hc::testing::binaryPath("hcard").string(), "read",
        "--reader", hc::testing::kReader3, "--json", "--keys",
        hc::testing::sourcePath("firmware-tools/images/resident-keys.json").string() });
    INFO(out.out << out.err);
    REQUIRE(out.status == 0);
    const auto j = json::parse(out.out).as_object();
    CHECK(j.at("card").at("card_number").as_string() == cards[0].cardNo);
    CHECK(j.at("holder").at("name").as_string() == "李娜");
    CHECK(j.at("holder").at("id_number").as_string() == kResident);
    CHECK(j.at("holder").at("ethnicity").at("code").as_string() == "1");
    const std::string chip(j.at("card").at("chip_serial").as_string());
    CAPTURE(cards[0].chipSerial);
    CHECK(cards[0].chipSerial.find(chip) != std::string::npos);
    r.kioskd->stop();
}

TEST_CASE("kill -9 after the card is written, before it is ejected: at restart the card is "
          "captured, the register says failed, and a new card can be issued") {
    Rig r;
    r.start("card_issue");
    r.toConfirm();
    try {
        (void)httpPost(r.port, "/api/input", R"({"type":"action","action":"confirm"})", r.cookie());
    } catch (const std::exception&) { }
    REQUIRE(r.kioskd->wait(std::chrono::milliseconds(15000)) != -1);
    INFO(r.log() << r.sim.log());
    // Killed with the written card at the IC position.
    auto st = r.sim.driver().status();
    CHECK(st.position == hc::dispenser::CardPosition::IcPosition);
    auto cards = r.cards();
    REQUIRE(cards.size() == 1);
    CHECK(std::string(iss::describe(cards[0].status)) == "verified");

    r.start();
    CHECK(r.log().find("kioskd: issuance recovery: boot: captured the card in the transport")
        != std::string::npos);
    st = r.sim.driver().status();
    CHECK(st.position == hc::dispenser::CardPosition::None);
    CHECK(st.binCount == 1);
    cards = r.cards();
    REQUIRE(cards.size() == 1);
    CHECK(std::string(iss::describe(cards[0].status)) == "failed");
    CHECK(cards[0].detail.find("captured") != std::string::npos);
    // The written card is in the bin (its image under bin/), not at the gate.
    CHECK(std::filesystem::exists(r.sim.dir() / "cards" / "bin" / "card-1.json"));

    // The resident can be issued another card; a second boot does nothing more.
    r.toConfirm();
    const auto v = r.action("confirm");
    if (v.at("screen").as_string() != "issued") {
        for (const auto& c : r.cards()) {
            MESSAGE(c.cardNo << " " << iss::describe(c.status) << ": " << c.detail);
        }
    }
    REQUIRE_MESSAGE(v.at("screen").as_string() == "issued", json::serialize(v));
    (void)r.sim.command("XT");
    CHECK(r.waitScreen("idle"));
    cards = r.cards();
    REQUIRE(cards.size() == 2);
    CHECK(std::string(iss::describe(cards[1].status)) == "issued");
    r.kioskd->stop();
    r.start();
    CHECK(r.cards().size() == 2);
    CHECK(std::string(iss::describe(r.cards()[1].status)) == "issued");
    r.kioskd->stop();
    hc::kiosk::Journal journal(r.dir / "journal.db");
    CHECK(journal.sessionsToRecover().empty());
}

TEST_CASE("kill -9 while the card waits at the gate, and after a blank card reached the IC "
          "position: each is captured at restart; only a written card is failed in the register") {
    Rig r;
    r.start();
    r.toConfirm();
    REQUIRE(r.action("confirm").at("screen").as_string() == "issued");
    INFO(r.log() << r.sim.log());
    r.kioskd->signal(SIGKILL);
    REQUIRE(r.kioskd->wait(std::chrono::milliseconds(5000)) != -1);
    CHECK(r.sim.driver().status().position == hc::dispenser::CardPosition::Gate);
    // The boot rule: whoever stood there, the card at the gate is not left for anyone to take.
    r.start("dispenser_to_ic");
    auto st = r.sim.driver().status();
    CHECK(st.position == hc::dispenser::CardPosition::None);
    CHECK(st.binCount == 1);
    auto cards = r.cards();
    REQUIRE(cards.size() == 1);
    CHECK(std::string(iss::describe(cards[0].status)) == "failed");
    // Killed right after a blank card reached the IC position, before anything was written.
    r.toConfirm();
    try {
        (void)httpPost(r.port, "/api/input", R"({"type":"action","action":"confirm"})", r.cookie());
    } catch (const std::exception&) { }
    REQUIRE(r.kioskd->wait(std::chrono::milliseconds(15000)) != -1);
    CHECK(r.sim.driver().status().position == hc::dispenser::CardPosition::IcPosition);
    r.start();
    st = r.sim.driver().status();
    CHECK(st.position == hc::dispenser::CardPosition::None);
    CHECK(st.binCount == 2);
    CHECK(r.cards().size() == 1); // no card number was taken for the blank card
    r.kioskd->stop();
    hc::kiosk::Journal journal(r.dir / "journal.db");
    CHECK(journal.sessionsToRecover().empty());
}
