// Integration: hcperso's PIN mailer. A batch personalized through pcscd + vpcd + hcemu --blank
// with keys in SoftHSM2 prints one ESC/POS PIN letter per card on escpos-sim; each letter's PIN
// opens exactly the card whose (masked) number it carries, and the PIN appears nowhere in
// hcperso's output. A printer out of paper stops the batch before any card is written. Plus the
// runner's rule for a letter that fails after its card was written, on a scripted writer.
#include "../kiosk/sim_client.hpp"
#include "issuance_stack.hpp"
#include "perso_test_util.hpp"

#include <doctest/doctest.h>
#include <regex>
#include <set>

using namespace hc::issuance;
using namespace hc::issuance::testing;

namespace {

struct Printer {
    hc::testing::TempDir dir { "hc-pinmail-" };
    unsigned short port = hc::testing::freeTcpPort();
    unsigned short control = hc::testing::freeTcpPort();
    hc::testing::Process proc;
    explicit Printer(const char* paper = "ok")
        : proc({ hc::testing::binaryPath("escpos-sim").string(), "--port", std::to_string(port),
                   "--control-port", std::to_string(control), "--out",
                   (dir.path() / "jobs").string(), "--paper", paper },
            dir.path() / "escpos-sim.log") {
        hc::kiosk::test::waitForPort(port);
        hc::kiosk::test::waitForPort(control);
    }
    std::string spec() const { return "tcp:127.0.0.1:" + std::to_string(port); }
    std::vector<std::string> jobs() const {
        std::vector<std::filesystem::path> files;
        if (!std::filesystem::exists(dir.path() / "jobs")) {
            return {};
        }
        for (const auto& e : std::filesystem::directory_iterator(dir.path() / "jobs")) {
            if (e.path().extension() == ".txt") {
                files.push_back(e.path());
            }
        }
        std::sort(files.begin(), files.end());
        std::vector<std::string> out;
        for (const auto& f : files) {
            out.push_back(hc::testing::readFile(f));
        }
        return out;
    }
};

// The card number and whether `pin` verifies, on a card image the feeder left (in process).
std::pair<std::string, bool> tryPin(const std::filesystem::path& image, const std::string& pin) {
    hc::emu::CardOs os(hc::emu::loadCardImage(image));
    hc::emu::installProfiles(os);
    persotest::CosChannel ch(os);
    hc::card::health::HealthCard card(ch);
    const auto number = card.readCardIdentification().value.cardNumber;
    return { number, card.verifyPin(pin).status == hc::card::health::PinStatus::Ok };
}

} // namespace

TEST_CASE("hcperso run --pin-mailer: one letter per card, whose PIN opens that card only") {
    IssuanceStack stack;
    Printer printer;
    std::ofstream(stack.dir() / "residents.csv") << residentsCsv(3, 40);
    REQUIRE(stack
                .run("prepare",
                    { "--input", (stack.dir() / "residents.csv").string(), "--batch", "PM3" })
                .status
        == 0);
    const auto run = stack.run("run",
        { "--batch", "PM3", "--readers", vpcdReaders()[2], "--card-feeder", stack.feederCommand(),
            "--pin-mailer", printer.spec() });
    INFO(run.err);
    REQUIRE(run.status == 0);
    CHECK(jsonLines(run.out).back().at("issued").as_int64() == 3);
    stack.stopFedCards(); // the images are complete once their hcemu is gone

    const auto jobs = printer.jobs();
    REQUIRE(jobs.size() == 3);
    const auto images = stack.cardImages(); // the cards written
    REQUIRE(images.size() == 3);
    const std::regex pinLine(R"(初始密码 \(PIN\)\s*\n\s*(\d{6})\s*\n)");
    const std::regex numberLine(R"(卡号: (\d{6})\*+(\d{4}))");
    std::set<std::string> opened;
    for (const auto& text : jobs) {
        CAPTURE(text);
        CHECK(text.find("居民健康卡密码函") != std::string::npos);
        CHECK(text.find("批次: PM3") != std::string::npos);
        std::smatch pm;
        std::smatch nm;
        REQUIRE(std::regex_search(text, pm, pinLine));
        REQUIRE(std::regex_search(text, nm, numberLine));
        const std::string pin = pm[1];
        CHECK(run.out.find(pin) == std::string::npos); // never in hcperso's output
        CHECK(run.err.find(pin) == std::string::npos);
        std::vector<std::string> accepting;
        for (const auto& img : images) {
            const auto [number, ok] = tryPin(img, pin);
            if (ok) {
                accepting.push_back(number);
            }
        }
        REQUIRE(accepting.size() == 1);
        CHECK(accepting[0].substr(0, 6) == nm[1].str());
        CHECK(accepting[0].substr(accepting[0].size() - 4) == nm[2].str());
        opened.insert(accepting[0]);
    }
    CHECK(opened.size() == 3);
}

TEST_CASE("hcperso run --pin-mailer with the printer out of paper: stops before any card") {
    IssuanceStack stack;
    Printer printer("out");
    std::ofstream(stack.dir() / "residents.csv") << residentsCsv(2, 60);
    REQUIRE(stack
                .run("prepare",
                    { "--input", (stack.dir() / "residents.csv").string(), "--batch", "PM0" })
                .status
        == 0);
    const auto run = stack.run("run",
        { "--batch", "PM0", "--readers", vpcdReaders()[2], "--card-feeder", stack.feederCommand(),
            "--pin-mailer", printer.spec(), "--card-wait", "20" });
    CHECK(run.status != 0);
    const auto done = jsonLines(run.out).back();
    CHECK(done.at("issued").as_int64() == 0);
    CHECK(done.at("remaining").as_int64() == 2);
    const std::string all = run.out + run.err;
    CHECK(all.find("PIN mailer printer") != std::string::npos);
    CHECK(all.find("paper") != std::string::npos);
    CHECK(printer.jobs().empty());
    auto reg = openRegister(stack.db());
    for (const auto& c : reg->list("PM0")) {
        CHECK(c.status == CardStatus::Prepared); // nothing claimed, nothing spoiled
    }
}

namespace {
// A writer that "personalizes" in memory and reports an undelivered letter for one card.
class LetterFailsWriter final : public CardWriter {
public:
    explicit LetterFailsWriter(std::string failFor)
        : m_failFor(std::move(failFor)) { }
    CardPresence probe(const std::string&) override { return CardPresence::Blank; }
    WriteResult personalize(const std::string&, const CardJob& job) override {
        m_problem = job.cardNo == m_failFor ? "PIN letter not printed: paper out" : "";
        return { "CHIP" + job.cardNo.substr(job.cardNo.size() - 4), 10 };
    }
    std::string pinProblem() const override { return m_problem; }
    std::vector<FieldMismatch> verify(const std::string&, const CardJob&) override { return {}; }
    std::string chipSerial(const std::string&) override { return {}; }
    void blockApplication(const std::string&, const std::string&) override { }
    void unblockApplication(const std::string&, const std::string&) override { }
    void resetPin(const std::string&, const std::string&, const std::string&) override { }

private:
    std::string m_failFor;
    std::string m_problem;
};
} // namespace

TEST_CASE("a letter that fails after its card was written: the card stays issued, noted "
          "pin_undelivered, and the worker stops") {
    hc::testing::TempDir dir("hc-pinmail-");
    auto reg = openRegister("sqlite:" + (dir.path() / "r.db").string());
    std::vector<std::pair<std::size_t, ResidentRecord>> rows;
    for (std::size_t i = 0; i < 3; ++i) {
        rows.emplace_back(i + 1, testResident(80 + i));
    }
    const auto cards = reg->createBatch("PF", rows, "op", "test");
    REQUIRE(cards.size() == 3);
    RunOptions o;
    o.batch = "PF";
    o.readers = { "R0" };
    o.issueDate = "20261123";
    const std::string second = cards[1].cardNo;
    BatchRunner runner(
        *reg, [&] { return std::make_unique<LetterFailsWriter>(second); }, o);
    std::vector<std::string> kinds;
    const auto summary = runner.run([&](const RunEvent& e) { kinds.push_back(e.kind); });
    CHECK(summary.issued == 2); // the first, and the second whose letter failed
    CHECK(summary.remaining == 1); // the third waits for the printer to be fixed
    REQUIRE(summary.readerErrors.size() == 1);
    CHECK(summary.readerErrors[0].find("paper out") != std::string::npos);
    CHECK(std::count(kinds.begin(), kinds.end(), "pin-undelivered") == 1);
    CHECK(reg->find(second)->status == CardStatus::Issued);
    bool noted = false;
    for (const auto& ev : reg->events(second)) {
        noted = noted || ev.event == "pin_undelivered";
    }
    CHECK(noted);
}
