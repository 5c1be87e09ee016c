// Integration (pcscd + vpcd + hcemu --blank, SoftHSM2, hcperso as a child process): kill -9 of
// `hcperso run` mid-batch and resume without a card number issued twice or a record lost; block,
// unblock and PIN reset on the card; a lost card replaced and the old one refused by the
// blocklist terminals load; SIGTERM ending a run cleanly, its card feeder started with a clean
// signal state.
#include "issuance_stack.hpp"

#include <csignal>
#include <doctest/doctest.h>
#include <map>
#include <set>
#include <sys/wait.h>
#include <thread>

using namespace hc::issuance;
using namespace hc::issuance::testing;

namespace {

void checkNoGapsOrRepeats(IssuanceRegister& reg) {
    std::set<std::uint64_t> seqs;
    const auto all = reg.list();
    for (const auto& e : all) {
        CHECK(seqs.insert(e.seq).second);
        CHECK(e.cardNo == reg.numbers().format(e.seq));
    }
    REQUIRE_FALSE(seqs.empty());
    CHECK(*seqs.begin() == 1);
    CHECK(*seqs.rbegin() == all.size());
}

} // namespace

TEST_CASE("kill -9 of hcperso run mid-batch, then run again: every resident gets one card") {
    IssuanceStack& stack = sharedStack();
    stack.clearCards();
    const std::size_t n = 16;
    std::ofstream(stack.dir() / "k.csv") << residentsCsv(n, 100);
    REQUIRE(
        stack.run("prepare", { "--input", (stack.dir() / "k.csv").string(), "--batch", "K" }).status
        == 0);

    {
        hc::testing::Process run(stack.hcperso("run",
                                     { "--batch", "K", "--readers", testReaders(), "--card-feeder",
                                         stack.feederCommand() }),
            stack.dir() / "run1.log");
        auto reg = openRegister(stack.db());
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (reg->batchStatus("K").issued < 5 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        // Kill in the middle of a card: right after the next one is claimed.
        const auto claimedBefore = reg->batchStatus("K").claimed;
        while (reg->batchStatus("K").claimed == claimedBefore
            && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        run.signal(SIGKILL);
        run.wait(std::chrono::milliseconds(5000));
    }
    std::size_t inFlight = 0;
    std::size_t issuedAtCrash = 0;
    {
        auto reg = openRegister(stack.db());
        const auto st = reg->batchStatus("K");
        INFO(hc::testing::readFile(stack.dir() / "run1.log"));
        issuedAtCrash = st.issued;
        inFlight = st.claimed + st.personalized + st.verified;
        CHECK(issuedAtCrash >= 5);
        CHECK(issuedAtCrash < n);
        MESSAGE("killed with " << issuedAtCrash << " issued, " << inFlight << " in flight");
    }

    const auto again = stack.run("run",
        { "--batch", "K", "--readers", testReaders(), "--card-feeder", stack.feederCommand() });
    INFO(again.err);
    INFO(again.out);
    REQUIRE(again.status == 0);
    const auto lines = jsonLines(again.out);
    CHECK(lines.back().at("recovered").as_int64() == static_cast<std::int64_t>(inFlight));
    stack.stopFedCards();

    auto reg = openRegister(stack.db());
    const auto st = reg->batchStatus("K");
    CHECK(st.issued == n);
    CHECK(st.prepared == 0);
    checkNoGapsOrRepeats(*reg);
    // Every resident: exactly one issued card; the spoiled ones say why.
    std::map<std::string, int> issuedPerResident;
    for (const auto& e : reg->list("K")) {
        if (e.status == CardStatus::Issued) {
            ++issuedPerResident[e.resident.idNumber];
        } else {
            CHECK(e.status == CardStatus::Failed);
            CHECK(e.detail.find("interrupted") != std::string::npos);
        }
    }
    CHECK(issuedPerResident.size() == n);
    for (const auto& [id, count] : issuedPerResident) {
        CHECK(count == 1);
    }
}

TEST_CASE("SIGTERM to hcperso run: the cards on the readers finish, no new one starts, exit 3; "
          "the card feeder starts with no signal blocked or ignored") {
    IssuanceStack& stack = sharedStack();
    stack.clearCards();
    const std::size_t n = 16;
    std::ofstream(stack.dir() / "t.csv") << residentsCsv(n, 300);
    REQUIRE(
        stack.run("prepare", { "--input", (stack.dir() / "t.csv").string(), "--batch", "T" }).status
        == 0);
    // The feeder records its own signal state first (hcperso blocks SIGINT/SIGTERM and ignores
    // SIGPIPE in itself: a feeder inheriting that would outlive a Ctrl-C).
    const auto signalsFile = stack.dir() / "feeder-signals.txt";
    const std::string feeder = "grep -E '^Sig(Blk|Ign):' /proc/self/status > '"
        + signalsFile.string() + "'; " + stack.feederCommand();
    hc::testing::Process run(
        stack.hcperso(
            "run", { "--batch", "T", "--readers", testReaders(), "--card-feeder", feeder }),
        stack.dir() / "term.log");
    {
        auto reg = openRegister(stack.db());
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (reg->batchStatus("T").issued < 3 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    run.signal(SIGTERM);
    const int status = run.wait(std::chrono::milliseconds(60000));
    const std::string log = hc::testing::readFile(stack.dir() / "term.log");
    INFO(log);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 3); // stopped with cards left
    CHECK(log.find("\"event\":\"done\"") != std::string::npos);
    {
        auto reg = openRegister(stack.db());
        const auto st = reg->batchStatus("T");
        CHECK(st.issued >= 3);
        CHECK(st.issued < n);
        CHECK(st.claimed + st.personalized + st.verified == 0); // nothing left half-made
    }
    const std::string signals = hc::testing::readFile(signalsFile);
    INFO(signals);
    CHECK(signals.find("SigBlk:\t0000000000000000") != std::string::npos);
    const auto ign = signals.find("SigIgn:\t");
    REQUIRE(ign != std::string::npos);
    const auto ignored = std::stoull(signals.substr(ign + 8, 16), nullptr, 16);
    CHECK((ignored & (1ull << (SIGPIPE - 1))) == 0);

    const auto again = stack.run("run",
        { "--batch", "T", "--readers", testReaders(), "--card-feeder", stack.feederCommand() });
    INFO(again.err);
    REQUIRE(again.status == 0);
    stack.stopFedCards();
    auto reg = openRegister(stack.db());
    CHECK(reg->batchStatus("T").issued == n);
    checkNoGapsOrRepeats(*reg);
}

TEST_CASE("lifecycle on real cards: block/unblock/PIN reset, lost -> replacement -> blocklist") {
    IssuanceStack& stack = sharedStack();
    stack.clearCards();
    std::ofstream(stack.dir() / "l.csv") << residentsCsv(2, 200);
    REQUIRE(
        stack.run("prepare", { "--input", (stack.dir() / "l.csv").string(), "--batch", "L" }).status
        == 0);
    const auto run = stack.run("run",
        { "--batch", "L", "--readers", hc::testing::kReader2, "--card-feeder",
            stack.feederCommand() });
    INFO(run.err);
    INFO(run.out);
    REQUIRE(run.status == 0);
    stack.stopFedCards();

    // Which image holds which card.
    std::map<std::string, std::filesystem::path> imageOf;
    for (const auto& image : stack.cardImages()) {
        const auto [status, text] = IssuanceStack::readCard(image);
        REQUIRE(status == 0);
        imageOf[std::string(boost::json::parse(text).at("card").at("card_number").as_string())]
            = image;
    }
    REQUIRE(imageOf.size() == 2);
    const std::string a = imageOf.begin()->first;
    const std::string b = std::next(imageOf.begin())->first;
    const std::string reader = hc::testing::kReader2;
    const std::string keys
        = hc::testing::sourcePath("firmware-tools/images/resident-keys.json").string();
    auto hcardRead = [&] {
        return hc::testing::runCommand({ hc::testing::binaryPath("hcard").string(), "read",
            "--json", "--reader", reader, "--keys", keys });
    };

    {
        hc::testing::EmulatedCard card(imageOf[a].string(), 2);
        CHECK(hcardRead().status == 0);
        auto r = stack.run("block", { "--card", a, "--reader", reader, "--reason", "test" });
        INFO(r.err);
        REQUIRE(r.status == 0);
        CHECK(jsonLines(r.out).at(0).at("status").as_string() == "blocked");
        CHECK(hcardRead().status != 0); // the application refuses to be read
        r = stack.run("unblock", { "--card", a, "--reader", reader });
        INFO(r.err);
        REQUIRE(r.status == 0);
        CHECK(hcardRead().status == 0);
        // Issuer PIN reset; the new PIN comes from the environment, never the command line.
        ::setenv("HC_TEST_NEW_PIN", "246810", 1);
        r = stack.run(
            "pin-reset", { "--card", a, "--reader", reader, "--new-pin-env", "HC_TEST_NEW_PIN" });
        INFO(r.err);
        REQUIRE(r.status == 0);
        const auto verify = hc::testing::runCommand(
            { hc::testing::binaryPath("hcard").string(), "pin", "verify", "-", "--reader", reader },
            "246810\n");
        CHECK(verify.status == 0);
        // A block aimed at another card number is refused before the card is touched.
        r = stack.run("block", { "--card", b, "--reader", reader });
        CHECK(r.status == 1);
        CHECK(r.err.find("is not card") != std::string::npos);
    }

    // B is lost: the register blocks it, a replacement number is allocated and personalized.
    auto r = stack.run("lost", { "--card", b });
    REQUIRE(r.status == 0);
    r = stack.run("replace", { "--card", b, "--batch", "REPL" });
    INFO(r.err);
    REQUIRE(r.status == 0);
    const std::string fresh(jsonLines(r.out).at(0).at("replacement").as_string());
    CHECK(fresh != b);
    r = stack.run(
        "run", { "--batch", "REPL", "--readers", reader, "--card-feeder", stack.feederCommand() });
    INFO(r.err);
    REQUIRE(r.status == 0);
    stack.stopFedCards();
    {
        auto reg = openRegister(stack.db());
        CHECK(reg->find(b)->status == CardStatus::Replaced);
        CHECK(reg->find(fresh)->status == CardStatus::Issued);
        CHECK(reg->find(fresh)->replaces == b);
        CHECK(reg->find(fresh)->resident.idNumber == reg->find(b)->resident.idNumber);
        checkNoGapsOrRepeats(*reg);
    }

    // The blocklist, both forms: the old card is refused, the new one and A are not.
    const auto text = stack.dir() / "blocklist.txt";
    const auto json = stack.dir() / "blocklist.json";
    REQUIRE(stack.run("blocklist export", { "--out", text.string() }).status == 0);
    REQUIRE(
        stack.run("blocklist export", { "--format", "json", "--out", json.string() }).status == 0);
    for (const auto& file : { text, json }) {
        CHECK(stack.run("blocklist check", { "--file", file.string(), "--card", b }).status == 4);
        CHECK(
            stack.run("blocklist check", { "--file", file.string(), "--card", fresh }).status == 0);
        CHECK(stack.run("blocklist check", { "--file", file.string(), "--card", a }).status == 0);
    }
    // An altered list is not loaded.
    std::string altered = hc::testing::readFile(text);
    altered.replace(altered.find(b), b.size(), fresh);
    std::ofstream(stack.dir() / "altered.txt") << altered;
    CHECK(stack
              .run("blocklist check",
                  { "--file", (stack.dir() / "altered.txt").string(), "--card", fresh })
              .status
        == 1);
}
