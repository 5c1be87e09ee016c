// Transcripts of full reads (JSONL, tests/healthcard/transcripts/) replayed without a card: the
// same library calls must send exactly the recorded commands (the software SAM with the test keys
// recomputes the same cryptograms from the recorded challenges) and decode the recorded answers.
// Record them again with the integration test `test_health_transcript_record`
// (HC_RECORD_TRANSCRIPTS=1) when the flows change.
#include "hc/card/health/health_card.hpp"
#include "hc/card/replay_channel.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace hc;
using namespace hc::card;
using namespace hc::card::health;

namespace {
std::filesystem::path transcript(const std::string& name) {
    return std::filesystem::path(HC_HEALTH_TRANSCRIPTS) / name;
}
std::unique_ptr<SoftwareSam> sam() {
    std::ifstream in(HC_HEALTH_KEYS);
    std::stringstream ss;
    ss << in.rdbuf();
    return SoftwareSam::fromJson(ss.str());
}
} // namespace

TEST_CASE("replay: readAll of resident-li-na (bulk reads)") {
    ReplayChannel ch(loadTranscript(transcript("read-all-li-na.jsonl")));
    auto keys = sam();
    StrategyCache cache; // a fresh kind, as when the transcript was recorded
    HealthCard card(ch, CardProfile::ws543_2017(), keys.get(), &cache);
    const auto all = card.readAll();
    CHECK(all.value.identity.holder.name == "李娜");
    CHECK(all.value.allergies.size() == 2);
    CHECK(all.value.immunisations.size() == 3);
    CHECK(all.value.clinical.otherAlert == "对碘造影剂敏感");
    CHECK(all.apdus == 26); // a fresh session: SELECTs and authentications included
    CHECK(ch.finished());
}

TEST_CASE("replay: readIdentity of resident-ayigul per record (contactless pseudo-ATR)") {
    ReplayChannel ch(loadTranscript(transcript("read-identity-ayigul-per-record.jsonl")));
    auto keys = sam();
    auto profile = CardProfile::ws543_2017();
    profile.bulkRead = false;
    StrategyCache cache;
    HealthCard card(ch, profile, keys.get(), &cache);
    CHECK(toHex(card.diversifier()) == "6501020000000002");
    const auto id = card.readIdentity();
    CHECK(id.value.holder.name == "阿依古丽·买买提");
    CHECK(id.apdus == 18);
    CHECK(ch.finished());
}

TEST_CASE("replay: a session that diverges from the transcript is caught") {
    ReplayChannel ch(loadTranscript(transcript("read-all-li-na.jsonl")));
    auto keys = sam();
    auto profile = CardProfile::ws543_2017();
    profile.bulkRead = false; // different commands than recorded
    StrategyCache cache;
    HealthCard card(ch, profile, keys.get(), &cache);
    CHECK_THROWS_AS(card.readAll(), ReplayMismatch);
}

TEST_CASE("transcripts hold no key material and mask nothing the replay needs") {
    std::ifstream in(transcript("read-all-li-na.jsonl"));
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    std::ifstream keysIn(HC_HEALTH_KEYS);
    std::stringstream ks;
    ks << keysIn.rdbuf();
    // No master key appears in the transcript.
    const auto masters = ks.str();
    for (std::size_t pos = masters.find(": \""); pos != std::string::npos;
         pos = masters.find(": \"", pos + 1)) {
        const std::string hex = masters.substr(pos + 3, 32);
        if (hex.size() == 32 && hex.find('"') == std::string::npos) {
            CHECK(text.find(hex) == std::string::npos);
        }
    }
}
