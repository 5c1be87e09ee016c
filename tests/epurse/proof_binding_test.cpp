// settle() accepts the card's GET TRANSACTION PROOF only for the transaction the terminal
// journaled: a proof (TAC) the issuer cannot match to that transaction's amount, type, terminal,
// time and counters leaves it Unknown, never Done. Otherwise a journal entry for one amount could
// be settled by the card's proof of another (a debit of ¥3.00 "proved" by the card's ¥5.00).
#include "hc/card/epurse/purse_client.hpp"
#include "hc/card/epurse/psam.hpp"
#include "hc/emu/card_image.hpp"
#include "hc/emu/card_os.hpp"
#include "hc/emu/profile.hpp"
#include "purse_rig.hpp"
#include "purse_test_util.hpp"

#include <doctest/doctest.h>

using namespace hc;
using namespace hc::card;
using namespace hc::card::epurse;
using hc::testing::OsChannel;

namespace {
const std::filesystem::path kImages = HC_IMAGES_DIR;
const Bytes kDpkMaster = fromHex("11223344556677888877665544332211");
const TerminalId kTerm { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };

struct Card {
    emu::CardOs os { emu::loadCardImage(kImages / "purse-card.json") };
    Card() { emu::installProfiles(os); }
};

/** A purchase of `fen` whose DEBIT answer is lost: the card debited, the terminal has a journal. */
PendingTransaction lostPurchase(OsChannel& ch, std::int64_t fen) {
    SoftwarePsam psam({ { 1, kDpkMaster } }, kTerm);
    PurseClient client(ch, hc::testing::fixedClock());
    ch.tearAfter = 0x54;
    const auto out = client.purchase(fen, psam);
    REQUIRE(std::holds_alternative<Unknown>(out));
    return std::get<Unknown>(out).tx;
}

void requireUnknownForProof(const Outcome& o) {
    REQUIRE(std::holds_alternative<Unknown>(o));
    CHECK(std::get<Unknown>(o).cause.find("does not match this transaction") != std::string::npos);
}

} // namespace

TEST_CASE("a proof of the card's transaction does not settle a journal entry it does not match") {
    Card card;
    OsChannel ch(card.os);
    auto issuer = hc::testing::devIssuer(kImages);
    const auto pending = lostPurchase(ch, 300);
    card.os.reset();

    SUBCASE("the journal's amount differs from the card's debit") {
        auto other = pending;
        other.amount = 500;
        PurseClient next(ch, hc::testing::fixedClock());
        requireUnknownForProof(next.settle(other, &issuer));
    }
    SUBCASE("the journal's terminal differs") {
        auto other = pending;
        other.terminal[5] ^= 0x01;
        PurseClient next(ch, hc::testing::fixedClock());
        requireUnknownForProof(next.settle(other, &issuer));
    }
    SUBCASE("the journal's time differs") {
        auto other = pending;
        other.when = TransactionTime::parse("20261123120001");
        PurseClient next(ch, hc::testing::fixedClock());
        requireUnknownForProof(next.settle(other, &issuer));
    }
    SUBCASE("the matching journal entry settles Done and verified") {
        PurseClient next(ch, hc::testing::fixedClock());
        const auto o = next.settle(pending, &issuer);
        REQUIRE(std::holds_alternative<Done>(o));
        CHECK(std::get<Done>(o).verified);
        CHECK(std::get<Done>(o).balanceAfter == pending.balanceBefore - 300);
    }
}

TEST_CASE("a load's proof does not settle a load journaled with another amount") {
    Card card;
    OsChannel ch(card.os);
    auto issuer = hc::testing::devIssuer(kImages);
    PurseClient client(ch, hc::testing::fixedClock());
    ch.tearAfter = 0x52;
    const auto out = client.load(700, kTerm, issuer);
    REQUIRE(std::holds_alternative<Unknown>(out));
    auto other = std::get<Unknown>(out).tx;
    other.amount = 7000;
    card.os.reset();
    PurseClient next(ch, hc::testing::fixedClock());
    requireUnknownForProof(next.settle(other, &issuer));
}
