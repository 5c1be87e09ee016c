// Integration: RecordingChannel on a live card (pcscd + vpcd + hcemu) records transcripts that
// ReplayChannel replays to the same data, and the transcripts in the repository
// (tests/healthcard/transcripts/, replayed by transcript_test.cpp) still follow the flows the
// library runs today. Every run records into a temporary directory; with HC_RECORD_TRANSCRIPTS=1
// the fresh recordings then replace the ones in the repository (after they replayed). The read
// data is recorded in clear (fictional residents of the emulator); PINs and keys stay masked by
// the default policy.
#include "hc/card/health/health_card.hpp"
#include "hc/card/recording_channel.hpp"
#include "hc/card/replay_channel.hpp"
#include "health_test_util.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <fstream>

using namespace hc;
using namespace hc::card;
using namespace hc::card::health;
using hc::testing::EmulatedCard;

namespace {

bool updateRepository() {
    const char* v = std::getenv("HC_RECORD_TRANSCRIPTS");
    return v != nullptr && std::string(v) == "1";
}

std::filesystem::path committed(const std::string& name) {
    return hc::testing::sourcePath("tests/healthcard/transcripts/" + name);
}

/** CLA INS P1 P2 P3 of each step ("RESET" for a reset): the flow, without the session's random
 * challenges and the cryptograms computed from them. */
std::vector<std::string> flow(const Transcript& t) {
    std::vector<std::string> out;
    for (const auto& s : t.steps) {
        out.push_back(s.reset ? "RESET" : s.command.toHex().substr(0, 10));
    }
    return out;
}

/** Checks a fresh recording against the repository's transcript of the same name: the same
 * flow step by step. Then, with HC_RECORD_TRANSCRIPTS=1, copies the recording over it. */
void compareWithRepository(const std::filesystem::path& fresh, const std::string& name) {
    const auto now = flow(loadTranscript(fresh));
    const auto kept = flow(loadTranscript(committed(name)));
    INFO("tests/healthcard/transcripts/" << name
                                         << " no longer follows the library's flow: record it "
                                            "again with HC_RECORD_TRANSCRIPTS=1 "
                                            "build/tests/healthcard/test_health_transcript_record");
    CHECK(now.size() == kept.size());
    for (std::size_t i = 0; i < std::min(now.size(), kept.size()); ++i) {
        CAPTURE(i + 1);
        CHECK(now[i] == kept[i]);
    }
    if (updateRepository()) {
        std::filesystem::copy_file(
            fresh, committed(name), std::filesystem::copy_options::overwrite_existing);
        MESSAGE("recorded " << committed(name).string());
    }
}

} // namespace

TEST_CASE("record and replay: readAll of resident-li-na (bulk reads)") {
    hc::testing::TempDir dir("hc-transcripts-");
    const auto path = dir / "read-all-li-na.jsonl";
    auto sam = healthtest::testSam();
    HealthCardData live;
    {
        EmulatedCard emu("resident-li-na.json");
        std::ofstream file(path, std::ios::trunc);
        RecordingChannel ch(
            healthtest::connect(), file, MaskPolicy::defaults().withReadDataShown());
        StrategyCache cache; // a fresh kind: the transcript shows the first card's commands
        HealthCard card(ch, CardProfile::ws543_2017(), sam.get(), &cache);
        live = card.readAll().value;
        REQUIRE(live.identity.holder.name == "李娜");
        CHECK(ch.steps() > 10);
    }
    // The recording replays without the card to the same data, every step used.
    ReplayChannel replay(loadTranscript(path));
    StrategyCache fresh; // the same first-card discovery as the recording
    HealthCard again(replay, CardProfile::ws543_2017(), sam.get(), &fresh);
    const auto replayed = again.readAll().value;
    CHECK(replay.finished());
    CHECK(replayed.identity.holder.name == live.identity.holder.name);
    CHECK(replayed.identity.holder.idNumber == live.identity.holder.idNumber);
    CHECK(replayed.allergies.size() == live.allergies.size());
    CHECK(replayed.immunisations.size() == live.immunisations.size());
    CHECK(replayed.clinical.otherAlert == live.clinical.otherAlert);
    compareWithRepository(path, "read-all-li-na.jsonl");
}

TEST_CASE("record and replay: readIdentity of resident-ayigul per record") {
    hc::testing::TempDir dir("hc-transcripts-");
    const auto path = dir / "read-identity-ayigul-per-record.jsonl";
    auto sam = healthtest::testSam();
    auto profile = CardProfile::ws543_2017();
    profile.bulkRead = false;
    std::string liveName;
    {
        EmulatedCard emu("resident-ayigul.json");
        std::ofstream file(path, std::ios::trunc);
        RecordingChannel ch(
            healthtest::connect(), file, MaskPolicy::defaults().withReadDataShown());
        StrategyCache cache;
        HealthCard card(ch, profile, sam.get(), &cache);
        const auto id = card.readIdentity().value;
        REQUIRE(id.holder.ethnicity == 5);
        liveName = id.holder.name;
    }
    ReplayChannel replay(loadTranscript(path));
    StrategyCache fresh; // the same first-card discovery as the recording
    HealthCard again(replay, profile, sam.get(), &fresh);
    CHECK(again.readIdentity().value.holder.name == liveName);
    CHECK(replay.finished());
    compareWithRepository(path, "read-identity-ayigul-per-record.jsonl");
}
