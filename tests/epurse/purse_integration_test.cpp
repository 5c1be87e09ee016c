// Integration: the e-purse through real pcscd + vpcd + hcemu, the user card in slot 0 and the
// PSAM card in slot 1. Every flow, a bad MAC refused, the card pulled between DEBIT FOR PURCHASE
// and its answer (settled by GET TRANSACTION PROOF, no second debit), a recorded transcript
// replayed, and the hcard subcommands.
#include "counting_channel.hpp"
#include "hc/card/epurse/purse_client.hpp"
#include "hc/card/recording_channel.hpp"
#include "hc/card/replay_channel.hpp"
#include "hc/card/t0_channel.hpp"
#include "hc/pcsc.hpp"
#include "hc/testing/pcsc_stack.hpp"
#include "purse_rig.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <fstream>

using namespace hc;
using namespace hc::card;
using namespace hc::card::epurse;
using hc::testing::CountingChannel;
using hc::testing::EmulatedCard;
using hc::testing::kReader0;
using hc::testing::kReader1;

namespace {
const std::filesystem::path kImages = HC_IMAGES_DIR;

std::int64_t storedBalance(const EmulatedCard& card) {
    const auto text = hc::testing::readFile(card.imagePath());
    const auto pos = text.find("\"balance\"");
    REQUIRE(pos != std::string::npos);
    return std::stoll(text.substr(text.find(':', pos) + 1));
}
} // namespace

TEST_CASE("balance, purchase with the PSAM card, load with the issuer, log; APDU counts") {
    EmulatedCard card("purse-card.json", 0);
    EmulatedCard psamCard("psam-slot1.json", 1);
    std::size_t nCard = 0;
    std::size_t nPsam = 0;
    auto ch = hc::testing::connectCounted(kReader0, nCard);
    auto psamCh = hc::testing::connectCounted(kReader1, nPsam);
    PsamCard psam(*psamCh);
    PurseClient client(*ch, hc::testing::fixedClock());
    auto issuer = hc::testing::devIssuer(kImages);

    client.open();
    CHECK(toHex(psam.terminalId()) == "112233445566");
    CHECK(client.balance() == 10000);

    nCard = nPsam = 0;
    const auto out = client.purchase(1234, psam);
    REQUIRE(std::holds_alternative<Done>(out));
    CHECK(std::get<Done>(out).verified);
    CHECK(nCard == 2);
    CHECK(nPsam == 3); // MAC1 answers 61 08 (T=0 PSAM) + GET RESPONSE, then MAC2
    CHECK(nCard + nPsam <= 6);
    CHECK(client.balance() == 8766);

    nCard = 0;
    const auto ld = client.load(766, psam.terminalId(), issuer);
    REQUIRE(std::holds_alternative<Done>(ld));
    CHECK(std::get<Done>(ld).verified);
    CHECK(nCard == 2);
    CHECK(client.balance() == 9532);

    const auto log = client.readLog();
    REQUIRE(log.size() == 2);
    CHECK(log[0].isLoad());
    CHECK(log[1].amount == 1234);
}

TEST_CASE("a bad MAC1 is refused by the card with 9302 and moves no money") {
    EmulatedCard card("purse-card.json", 0);
    std::size_t n = 0;
    auto ch = hc::testing::connectCounted(kReader0, n);
    SoftwarePsam wrong({ { 1, fromHex("00112233445566778899AABBCCDDEEFF") } },
        { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 });
    PurseClient client(*ch, hc::testing::fixedClock());
    const auto out = client.purchase(100, wrong);
    REQUIRE(std::holds_alternative<Declined>(out));
    CHECK(std::get<Declined>(out).sw == sw::MacInvalid);
    CHECK(client.balance() == 10000);
    CHECK(storedBalance(card) == 10000);
}

TEST_CASE("the card pulled between DEBIT FOR PURCHASE and its answer: the proof settles it, "
          "no second debit") {
    EmulatedCard card("purse-card.json", 0);
    EmulatedCard psamCard("psam-slot1.json", 1);
    std::size_t n = 0;
    std::size_t np = 0;
    auto psamCh = hc::testing::connectCounted(kReader1, np);
    PsamCard psam(*psamCh);
    auto issuer = hc::testing::devIssuer(kImages);
    std::string journal;
    {
        auto ch = hc::testing::connectCounted(kReader0, n);
        auto opt = hc::testing::fixedClock();
        opt.beforeCommit = [&](const PendingTransaction& p) { journal = p.toJson(); };
        PurseClient client(*ch, opt);
        client.open();
        card.control("tear after 54");
        const auto out = client.purchase(2500, psam);
        REQUIRE(std::holds_alternative<Unknown>(out));
        CHECK(std::get<Unknown>(out).tx.toJson() == journal);
    }
    CHECK(storedBalance(card) == 7500); // on the card's disk before it answered
    card.insert();
    auto ch = hc::testing::connectCounted(kReader0, n);
    PurseClient client(*ch, hc::testing::fixedClock());
    client.open();
    const auto settled = client.settle(PendingTransaction::fromJson(journal), &issuer);
    REQUIRE(std::holds_alternative<Done>(settled));
    CHECK(std::get<Done>(settled).byProof);
    CHECK(std::get<Done>(settled).verified);
    CHECK(client.balance() == 7500);
    const auto log = client.readLog();
    REQUIRE(log.size() == 1); // exactly one debit
    CHECK(log[0].amount == 2500);

    SUBCASE("pulled before the card processed it: the proof says it never happened") {
        card.control("tear before 54");
        {
            auto ch2 = hc::testing::connectCounted(kReader0, n);
            PurseClient c2(*ch2, hc::testing::fixedClock());
            const auto out = c2.purchase(100, psam);
            REQUIRE(std::holds_alternative<Unknown>(out));
            journal = std::get<Unknown>(out).tx.toJson();
        }
        card.insert();
        auto ch3 = hc::testing::connectCounted(kReader0, n);
        PurseClient c3(*ch3, hc::testing::fixedClock());
        const auto s = c3.settle(PendingTransaction::fromJson(journal), &issuer);
        REQUIRE(std::holds_alternative<Declined>(s));
        CHECK(std::get<Declined>(s).sw == sw::ConditionsNotSatisfied);
        CHECK(c3.balance() == 7500);
    }
}

TEST_CASE("a purchase recorded through the real stack replays from its JSONL transcript") {
    EmulatedCard card("purse-card.json", 0);
    EmulatedCard psamCard("psam-slot1.json", 1);
    std::size_t n = 0;
    std::vector<std::string> cardLines;
    std::vector<std::string> psamLines;
    const auto policy = MaskPolicy::defaults().withReadDataShown(); // emulated card: no patient
    {
        RecordingChannel rec(
            hc::testing::connectCounted(kReader0, n),
            [&](std::string_view l) { cardLines.emplace_back(l); }, policy);
        RecordingChannel recPsam(
            hc::testing::connectCounted(kReader1, n),
            [&](std::string_view l) { psamLines.emplace_back(l); }, policy);
        PsamCard psam(recPsam);
        PurseClient client(rec, hc::testing::fixedClock());
        client.open();
        REQUIRE(std::holds_alternative<Done>(client.purchase(321, psam)));
    }
    auto join = [](const std::vector<std::string>& lines) {
        std::string s;
        for (const auto& l : lines) {
            s += l + "\n";
        }
        return s;
    };
    if (const char* dir = std::getenv("HC_EPURSE_WRITE_TRANSCRIPTS")) {
        std::ofstream(std::filesystem::path(dir) / "purchase-card.jsonl") << join(cardLines);
        std::ofstream(std::filesystem::path(dir) / "purchase-psam.jsonl") << join(psamLines);
    }
    ReplayChannel cardReplay(parseTranscript(join(cardLines)));
    ReplayChannel psamReplay(parseTranscript(join(psamLines)));
    PsamCard psam(psamReplay);
    PurseClient client(cardReplay, hc::testing::fixedClock());
    client.open();
    const auto out = client.purchase(321, psam);
    REQUIRE(std::holds_alternative<Done>(out));
    CHECK(std::get<Done>(out).verified);
    CHECK(cardReplay.finished());
    CHECK(psamReplay.finished());
}

TEST_CASE("hcard balance, purchase, load and log") {
    EmulatedCard card("purse-card.json", 0);
    EmulatedCard psamCard("psam-slot1.json", 1);
    const auto hcard = hc::testing::binaryPath("hcard").string();
    auto r = hc::testing::runCommand({ hcard, "balance", "--reader", kReader0 });
    CHECK(r.status == 0);
    CHECK(r.out.find("balance: 100.00 yuan (10000 fen)") != std::string::npos);

    r = hc::testing::runCommand({ hcard, "purchase", "--reader", kReader0, "--psam", kReader1,
        "--amount", "150", "--json" });
    CHECK(r.status == 0);
    CHECK(r.out.find("\"outcome\":\"done\"") != std::string::npos);
    CHECK(r.out.find("\"balance_after\":9850") != std::string::npos);
    CHECK(r.out.find("\"verified\":true") != std::string::npos);

    r = hc::testing::runCommand({ hcard, "load", "--reader", kReader0, "--amount", "50",
        "--issuer-keys", (kImages / "purse-issuer-dev-keys.json").string() });
    CHECK(r.status == 0);
    CHECK(r.out.find("98.50 -> 99.00 yuan") != std::string::npos);

    r = hc::testing::runCommand({ hcard, "log", "--reader", kReader0, "--json" });
    CHECK(r.status == 0);
    CHECK(r.out.find("\"kind\":\"load\",\"amount\":50") != std::string::npos);
    CHECK(r.out.find("\"kind\":\"purchase\",\"amount\":150") != std::string::npos);

    r = hc::testing::runCommand({ hcard, "purchase", "--reader", kReader0, "--amount", "1.5" });
    CHECK(r.status == 2);
    r = hc::testing::runCommand(
        { hcard, "purchase", "--reader", kReader0, "--psam", kReader1, "--amount", "99999999" });
    CHECK(r.status == 1);
    CHECK(r.out.find("declined") != std::string::npos);

    SUBCASE("a torn purchase with --journal exits 3 and is settled by the next call") {
        const auto journal = (card.imagePath().parent_path() / "journal.json").string();
        card.control("tear after 54");
        r = hc::testing::runCommand({ hcard, "purchase", "--reader", kReader0, "--psam", kReader1,
            "--amount", "10", "--journal", journal });
        CHECK(r.status == 3);
        CHECK(r.out.find("OUTCOME UNKNOWN") != std::string::npos);
        card.insert();
        r = hc::testing::runCommand({ hcard, "balance", "--reader", kReader0 });
        CHECK(r.out.find("98.90 yuan") != std::string::npos);
        r = hc::testing::runCommand({ hcard, "purchase", "--reader", kReader0, "--psam", kReader1,
            "--amount", "10", "--journal", journal });
        CHECK(r.status == 0);
        CHECK(r.out.find("settled by the card's proof") != std::string::npos);
        CHECK(r.out.find("98.90 -> 98.80 yuan") != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(journal));
    }
}
