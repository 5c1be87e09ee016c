// The purchase transcripts kept in tests/epurse/transcripts (recorded through pcscd + vpcd +
// hcemu by purse_integration_test.cpp with HC_EPURSE_WRITE_TRANSCRIPTS=<dir>) replay through the
// purse client: same commands byte for byte, MAC2 verified by the PSAM, TAC by the issuer.
#include "hc/card/epurse/purse_client.hpp"
#include "hc/card/replay_channel.hpp"

#include <doctest/doctest.h>

using namespace hc;
using namespace hc::card;
using namespace hc::card::epurse;

TEST_CASE("the recorded purchase replays: 2 card APDUs after selection, 2 PSAM APDUs") {
    const std::filesystem::path dir = std::filesystem::path(HC_EPURSE_TEST_DIR) / "transcripts";
    ReplayChannel card(loadTranscript(dir / "purchase-card.jsonl"));
    ReplayChannel psamCh(loadTranscript(dir / "purchase-psam.jsonl"));
    PsamCard psam(psamCh);
    PurseClientOptions opt;
    opt.clock = [] { return TransactionTime::parse("20261123120000"); };
    PurseClient client(card, opt);
    client.open();
    CHECK(card.nextStep() == 3);
    const auto out = client.purchase(321, psam);
    REQUIRE(std::holds_alternative<Done>(out));
    const auto& done = std::get<Done>(out);
    CHECK(done.verified);
    CHECK(done.balanceAfter == 10000 - 321);
    CHECK(card.finished());
    CHECK(psamCh.finished());
    SoftwareIssuer issuer(
        loadIssuerKeys(std::filesystem::path(HC_IMAGES_DIR) / "purse-issuer-dev-keys.json"));
    const PurseFields f { 321, txtype::EpPurchase, done.tx.terminal, done.tx.when };
    CHECK(issuer.verifyPurchaseTac(done.tx.card, f, done.tx.ttsn, done.tac));

    SUBCASE("another amount diverges at INITIALIZE FOR PURCHASE") {
        ReplayChannel card2(loadTranscript(dir / "purchase-card.jsonl"));
        ReplayChannel psam2Ch(loadTranscript(dir / "purchase-psam.jsonl"));
        PsamCard psam2(psam2Ch);
        PurseClient c2(card2, opt);
        c2.open();
        CHECK_THROWS_AS(c2.purchase(322, psam2), ReplayMismatch);
    }
}
