// Records the transcripts that transcript_test.cpp replays (only when HC_RECORD_TRANSCRIPTS=1):
// the read data is recorded in clear (fictional residents of the emulator), PINs and keys stay
// masked by the default policy.
#include "hc/card/health/health_card.hpp"
#include "hc/card/recording_channel.hpp"
#include "health_test_util.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <fstream>

using namespace hc;
using namespace hc::card;
using namespace hc::card::health;
using hc::testing::EmulatedCard;

namespace {
bool recording() {
    return std::getenv("HC_RECORD_TRANSCRIPTS") != nullptr;
}
std::string out(const std::string& name) {
    return hc::testing::sourcePath("tests/healthcard/transcripts/" + name).string();
}
} // namespace

TEST_CASE("record: readAll of resident-li-na and readIdentity of resident-ayigul per record") {
    if (!recording()) {
        MESSAGE("set HC_RECORD_TRANSCRIPTS=1 to record the transcripts again");
        return;
    }
    auto sam = healthtest::testSam();
    {
        EmulatedCard emu("resident-li-na.json");
        std::ofstream file(out("read-all-li-na.jsonl"), std::ios::trunc);
        RecordingChannel ch(
            healthtest::connect(), file, MaskPolicy::defaults().withReadDataShown());
        StrategyCache cache; // a fresh kind: the transcript shows the first card's commands
        HealthCard card(ch, CardProfile::ws543_2017(), sam.get(), &cache);
        CHECK(card.readAll().value.identity.holder.name == "李娜");
    }
    {
        EmulatedCard emu("resident-ayigul.json");
        std::ofstream file(out("read-identity-ayigul-per-record.jsonl"), std::ios::trunc);
        RecordingChannel ch(
            healthtest::connect(), file, MaskPolicy::defaults().withReadDataShown());
        auto profile = CardProfile::ws543_2017();
        profile.bulkRead = false;
        StrategyCache cache;
        HealthCard card(ch, profile, sam.get(), &cache);
        CHECK(card.readIdentity().value.holder.ethnicity == 5);
    }
}
