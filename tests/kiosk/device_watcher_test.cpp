// DeviceWatcher's logic with a fake reader-event source (no pcscd): the card reader's insert and
// remove reach the callbacks, other readers' do not; a failing monitor is reported once, replaced
// by a new one, and its recovery reported; an unplugged reader is reported and its return.
#include "hc/kiosk/core/device_watcher.hpp"

#include <condition_variable>
#include <deque>
#include <doctest/doctest.h>
#include <mutex>
#include <variant>

using namespace hc::kiosk::core;
using hc::pcsc::ReaderEvent;
using Kind = hc::pcsc::ReaderEvent::Kind;
using namespace std::chrono_literals;

namespace {

const std::string kCardReader = "Card Reader 00";
const std::string kSamReader = "SAM Reader 01";

/** A script of what successive waits return: events, or a failure (its message). */
class Script {
public:
    using Step = std::variant<std::vector<ReaderEvent>, std::string>;
    void push(Step step) {
        std::lock_guard lock(m_mutex);
        m_steps.push_back(std::move(step));
    }
    /** The next step, or no events after `timeout` when the script is empty. */
    std::vector<ReaderEvent> next(std::chrono::milliseconds timeout) {
        std::unique_lock lock(m_mutex);
        if (m_steps.empty()) {
            lock.unlock();
            std::this_thread::sleep_for(std::min(timeout, std::chrono::milliseconds(5)));
            return {};
        }
        auto step = std::move(m_steps.front());
        m_steps.pop_front();
        if (auto* failure = std::get_if<std::string>(&step)) {
            throw std::runtime_error(*failure);
        }
        return std::get<std::vector<ReaderEvent>>(step);
    }
    bool empty() {
        std::lock_guard lock(m_mutex);
        return m_steps.empty();
    }
    std::atomic<int> sourcesMade { 0 };

private:
    std::mutex m_mutex;
    std::deque<Step> m_steps;
};

class FakeSource : public ReaderEventSource {
public:
    explicit FakeSource(Script& s)
        : m_script(s) { }
    std::vector<ReaderEvent> wait(std::chrono::milliseconds timeout) override {
        return m_script.next(timeout);
    }

private:
    Script& m_script;
};

/** What the callbacks saw, in order. */
struct Seen {
    std::mutex mutex;
    std::vector<std::string> log;
    void add(std::string s) {
        std::lock_guard lock(mutex);
        log.push_back(std::move(s));
    }
    std::vector<std::string> get() {
        std::lock_guard lock(mutex);
        return log;
    }
};

DeviceWatcherEvents recordInto(Seen& seen) {
    DeviceWatcherEvents ev;
    ev.cardInserted = [&seen] { seen.add("inserted"); };
    ev.cardRemoved = [&seen] { seen.add("removed"); };
    ev.readerLost = [&seen](ReaderLoss loss, const std::string& why) {
        seen.add(std::string(loss == ReaderLoss::MonitorFailed ? "lost-monitor: " : "lost-reader: ")
            + why);
    };
    ev.readerBack = [&seen] { seen.add("back"); };
    return ev;
}

ReaderEvent event(Kind kind, const std::string& reader) {
    return ReaderEvent { kind, reader, {} };
}

ReaderEventSourceFactory fakeFactory(Script& script) {
    return [&script] {
        ++script.sourcesMade;
        return std::make_unique<FakeSource>(script);
    };
}

const DeviceWatcherTiming kFast { 20ms, 10ms };

/** Waits until the script ran out and the watcher had time to deliver the last step. */
void drain(Script& script) {
    for (int i = 0; i < 500 && !script.empty(); ++i) {
        std::this_thread::sleep_for(2ms);
    }
    std::this_thread::sleep_for(50ms);
}

} // namespace

TEST_CASE("DeviceWatcher: the card reader's insert and remove are reported; other readers not") {
    Script script;
    script.push(std::vector<ReaderEvent> { event(Kind::ReaderAdded, kCardReader),
        event(Kind::ReaderAdded, kSamReader), event(Kind::CardInserted, kSamReader) });
    script.push(std::vector<ReaderEvent> { event(Kind::CardInserted, kCardReader) });
    script.push(std::vector<ReaderEvent> {
        event(Kind::CardRemoved, kSamReader), event(Kind::CardRemoved, kCardReader) });
    script.push(std::vector<ReaderEvent> { event(Kind::CardInserted, kCardReader) });
    Seen seen;
    {
        DeviceWatcher w(kCardReader, recordInto(seen), fakeFactory(script), kFast);
        w.start();
        drain(script);
    } // the destructor stops and joins
    CHECK(seen.get() == std::vector<std::string> { "inserted", "removed", "inserted" });
    CHECK(script.sourcesMade == 1);
}

TEST_CASE("DeviceWatcher: a failing monitor is reported once, replaced, and its return said") {
    Script script;
    script.push(std::vector<ReaderEvent> { event(Kind::CardInserted, kCardReader) });
    script.push(std::string("SCardGetStatusChange: Service not available"));
    script.push(std::string("SCardGetStatusChange: Service not available"));
    script.push(std::string("SCardGetStatusChange: Service not available"));
    // The new monitor's first wait reports the present state again.
    script.push(std::vector<ReaderEvent> {
        event(Kind::ReaderAdded, kCardReader), event(Kind::CardInserted, kCardReader) });
    Seen seen;
    DeviceWatcher w(kCardReader, recordInto(seen), fakeFactory(script), kFast);
    w.start();
    drain(script);
    w.stop();
    CHECK(seen.get()
        == std::vector<std::string> { "inserted",
            "lost-monitor: SCardGetStatusChange: Service not available", "back", "inserted" });
    CHECK(script.sourcesMade == 4); // a new monitor after each failure
}

TEST_CASE("DeviceWatcher: a monitor that cannot even be made is retried until it can") {
    Script script;
    std::atomic<int> attempts { 0 };
    auto factory = [&]() -> std::unique_ptr<ReaderEventSource> {
        if (++attempts <= 3) {
            throw std::runtime_error("SCardEstablishContext: no service");
        }
        return std::make_unique<FakeSource>(script);
    };
    Seen seen;
    DeviceWatcher w(kCardReader, recordInto(seen), factory, kFast);
    w.start();
    for (int i = 0; i < 500 && attempts < 4; ++i) {
        std::this_thread::sleep_for(2ms);
    }
    script.push(std::vector<ReaderEvent> { event(Kind::CardInserted, kCardReader) });
    drain(script);
    w.stop();
    CHECK(seen.get()
        == std::vector<std::string> {
            "lost-monitor: SCardEstablishContext: no service", "back", "inserted" });
}

TEST_CASE("DeviceWatcher: the card reader unplugged is reported; plugged back, its return") {
    Script script;
    script.push(std::vector<ReaderEvent> { event(Kind::ReaderRemoved, kSamReader) });
    script.push(std::vector<ReaderEvent> {
        event(Kind::CardRemoved, kCardReader), event(Kind::ReaderRemoved, kCardReader) });
    script.push(std::vector<ReaderEvent> { event(Kind::ReaderAdded, kCardReader) });
    Seen seen;
    DeviceWatcher w(kCardReader, recordInto(seen), fakeFactory(script), kFast);
    w.start();
    drain(script);
    w.stop();
    CHECK(seen.get()
        == std::vector<std::string> {
            "removed", "lost-reader: reader 'Card Reader 00' was removed", "back" });
}

TEST_CASE("DeviceWatcher: stop() ends a wait within one slice") {
    Script script;
    Seen seen;
    DeviceWatcher w(kCardReader, recordInto(seen), fakeFactory(script), { 20ms, 10ms });
    w.start();
    std::this_thread::sleep_for(30ms);
    const auto t0 = std::chrono::steady_clock::now();
    w.stop();
    CHECK(std::chrono::steady_clock::now() - t0 < 2s);
    CHECK(seen.get().empty());
}
