// DeviceWatcher on the real stack: pcscd + vpcd + hcemu. A card already in the reader is
// reported at start; pulled and put back, removed and inserted; the SAM reader next to it is not
// reported; pcscd stopped is a lost monitor, pcscd started again its return and the card again.
#include "hc/kiosk/core/device_watcher.hpp"
#include "hc/testing/pcsc_stack.hpp"

#include <algorithm>
#include <condition_variable>
#include <doctest/doctest.h>
#include <mutex>

using namespace hc::kiosk::core;
using namespace std::chrono_literals;

namespace {

// vpcd slots 2 and 3: slots 0 and 1 are where a demo left running by hand puts its cards.
constexpr int kCardSlot = 2;
constexpr int kSamSlot = 3;

struct Seen {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::string> log;
    void add(std::string s) {
        {
            std::lock_guard lock(mutex);
            log.push_back(std::move(s));
        }
        changed.notify_all();
    }
    /** Waits until the log holds `n` entries; the log then. */
    std::vector<std::string> waitFor(std::size_t n, std::chrono::milliseconds timeout = 15s) {
        std::unique_lock lock(mutex);
        changed.wait_for(lock, timeout, [&] { return log.size() >= n; });
        return log;
    }
};

DeviceWatcherEvents recordInto(Seen& seen) {
    DeviceWatcherEvents ev;
    ev.cardInserted = [&seen] { seen.add("inserted"); };
    ev.cardRemoved = [&seen] { seen.add("removed"); };
    ev.readerLost = [&seen](ReaderLoss loss, const std::string&) {
        seen.add(loss == ReaderLoss::MonitorFailed ? "lost-monitor" : "lost-reader");
    };
    ev.readerBack = [&seen] { seen.add("back"); };
    return ev;
}

} // namespace

/** How many entries of `log` are `what`. */
std::size_t count(const std::vector<std::string>& log, const std::string& what) {
    return static_cast<std::size_t>(std::count(log.begin(), log.end(), what));
}

TEST_CASE("DeviceWatcher over pcscd + vpcd + hcemu: insert, remove, pcscd gone and back") {
    hc::testing::sharedPcscd();
    auto card = std::make_unique<hc::testing::EmulatedCard>("resident-li-na.json", kCardSlot);
    auto sam = std::make_unique<hc::testing::EmulatedCard>("resident-sam.json", kSamSlot);
    Seen seen;
    DeviceWatcher w(hc::testing::readerForSlot(kCardSlot), recordInto(seen));
    w.start();
    CHECK(seen.waitFor(1) == std::vector<std::string> { "inserted" }); // present at start

    card->remove();
    CHECK(seen.waitFor(2) == std::vector<std::string> { "inserted", "removed" });
    sam->remove(); // the SAM's reader is not watched
    sam->insert();
    card->insert();
    CHECK(seen.waitFor(3) == std::vector<std::string> { "inserted", "removed", "inserted" });

    // pcscd goes away: reported, not once per retry (the watcher makes a new monitor every
    // second; the first failure and the failing new contexts may say different things).
    card.reset();
    sam.reset();
    hc::testing::sharedPcscd().stop();
    bool lost = false;
    for (int i = 0; i < 150 && !lost; ++i) {
        lost = count(seen.waitFor(0, 0ms), "lost-monitor") > 0;
        std::this_thread::sleep_for(100ms);
    }
    REQUIRE(lost);
    std::this_thread::sleep_for(1500ms);
    const auto reported = count(seen.waitFor(0, 0ms), "lost-monitor");
    std::this_thread::sleep_for(2500ms); // two more retries
    CHECK(count(seen.waitFor(0, 0ms), "lost-monitor") == reported);
    CHECK(reported <= 2);
    CHECK(count(seen.waitFor(0, 0ms), "back") == 0);

    // pcscd back: the watcher's new monitor works again and sees the card put in the reader.
    hc::testing::restartSharedPcscd({});
    hc::testing::EmulatedCard again("resident-li-na.json", kCardSlot);
    std::vector<std::string> log;
    for (int i = 0; i < 200; ++i) {
        log = seen.waitFor(0, 0ms);
        const auto back = std::find(log.begin(), log.end(), "back");
        if (back != log.end() && std::find(back, log.end(), "inserted") != log.end()) {
            break;
        }
        std::this_thread::sleep_for(100ms);
    }
    const auto back = std::find(log.begin(), log.end(), "back");
    REQUIRE(back != log.end());
    CHECK(std::find(back, log.end(), "inserted") != log.end());
    w.stop();
}
