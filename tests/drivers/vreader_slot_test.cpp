// drivers/vreader VirtualSlot against a scripted fake emulator on loopback: insert/remove
// events, power up and APDUs, and every way the emulator can go wrong (garbage, a disconnect
// mid-answer, silence, bytes nobody asked for) ending as "card removed", never as a hang.
#include "hc/vreader/virtual_slot.hpp"
#include "vreader_test_util.hpp"

#include <doctest/doctest.h>
#include <future>
#include <thread>

using namespace hc::vreader;
using hc::vreader::test::FakeEmulator;
using Bytes = std::vector<std::uint8_t>;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {
const Bytes kAtr { 0x3B, 0x68, 0x00, 0x00, 0x48, 0x43, 0x45, 0x4D, 0x55, 0x00, 0x00, 0x01 };

struct Rig {
    std::vector<std::string> lines;
    std::mutex mutex;
    VirtualSlot slot;
    explicit Rig(std::chrono::milliseconds timeout = 2000ms)
        : slot(SlotOptions { "127.0.0.1", 0, timeout }, [this](LogLevel, const std::string& l) {
            const std::lock_guard lock(mutex);
            lines.push_back(l);
        }) { }
    std::string log() {
        const std::lock_guard lock(mutex);
        std::string all;
        for (const auto& l : lines) {
            all += l + "\n";
        }
        return all;
    }
};

double msSince(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

/** Plays the emulator's part of a power up: expects power on + get ATR, answers `atr`. */
void answerPowerUp(FakeEmulator& emu, const Bytes& atr) {
    CHECK(emu.readFrame() == Bytes { 0x01 });
    CHECK(emu.readFrame() == Bytes { 0x04 });
    emu.writeFrame(atr);
}
} // namespace

TEST_CASE("an emulator connecting wakes the wait at once and is the card") {
    Rig rig;
    CHECK_FALSE(rig.slot.present());
    CHECK(rig.slot.waitForEvent(50ms) == Wake::Timeout);
    auto waiting = std::async(std::launch::async, [&] {
        const auto t0 = Clock::now();
        const Wake w = rig.slot.waitForEvent(5000ms);
        return std::pair { w, msSince(t0) };
    });
    std::this_thread::sleep_for(100ms);
    FakeEmulator emu(rig.slot.port());
    REQUIRE(emu.connected());
    const auto [wake, ms] = waiting.get();
    CHECK(wake == Wake::Event);
    CHECK(ms < 1000); // 100 ms of sleep + the wake-up
    CHECK(rig.slot.present());

    Bytes atr;
    std::thread t([&] { answerPowerUp(emu, kAtr); });
    CHECK(rig.slot.powerUp(atr) == SlotResult::Ok);
    t.join();
    CHECK(atr == kAtr);
    CHECK(rig.slot.atr() == kAtr);

    Bytes rsp;
    std::thread t2([&] {
        CHECK(emu.readFrame() == Bytes { 0x00, 0xB0, 0x00, 0x00, 0x02 });
        emu.writeFrame({ 0x12, 0x34, 0x90, 0x00 });
    });
    CHECK(rig.slot.transmit(Bytes { 0x00, 0xB0, 0x00, 0x00, 0x02 }, rsp, 258) == SlotResult::Ok);
    t2.join();
    CHECK(rsp == Bytes { 0x12, 0x34, 0x90, 0x00 });

    // Removal: the emulator closes; the wait (watching the connection) wakes.
    auto waiting2 = std::async(std::launch::async, [&] { return rig.slot.waitForEvent(5000ms); });
    std::this_thread::sleep_for(50ms);
    emu.close();
    CHECK(waiting2.get() == Wake::Event);
    CHECK_FALSE(rig.slot.present());
    CHECK(rig.slot.atr().empty());
    CHECK(rig.slot.powerUp(atr) == SlotResult::NoCard);

    // Re-insert.
    FakeEmulator emu2(rig.slot.port());
    CHECK(rig.slot.waitForEvent(2000ms) == Wake::Event);
    CHECK(rig.slot.present());
}

TEST_CASE("answers to other threads' commands do not wake the wait") {
    Rig rig;
    FakeEmulator emu(rig.slot.port());
    REQUIRE(rig.slot.present());
    auto waiting = std::async(std::launch::async, [&] { return rig.slot.waitForEvent(400ms); });
    std::this_thread::sleep_for(50ms);
    std::thread t([&] {
        (void)emu.readFrame();
        emu.writeFrame({ 0x90, 0x00 });
    });
    Bytes rsp;
    CHECK(rig.slot.transmit(Bytes { 0x00, 0x84, 0x00, 0x00, 0x08 }, rsp, 258) == SlotResult::Ok);
    t.join();
    CHECK(waiting.get() == Wake::Timeout);
}

TEST_CASE("stop() ends a wait in progress and every later one") {
    Rig rig;
    auto waiting = std::async(std::launch::async, [&] {
        const auto t0 = Clock::now();
        const Wake w = rig.slot.waitForEvent(-1ms); // no limit
        return std::pair { w, msSince(t0) };
    });
    std::this_thread::sleep_for(50ms);
    rig.slot.stop();
    const auto [wake, ms] = waiting.get();
    CHECK(wake == Wake::Stopped);
    CHECK(ms < 1000);
    CHECK(rig.slot.waitForEvent(5000ms) == Wake::Stopped);
}

TEST_CASE("a garbage answer header drops the card at once, without waiting for 64 KiB") {
    Rig rig(5000ms);
    FakeEmulator emu(rig.slot.port());
    REQUIRE(rig.slot.present());
    std::thread t([&] {
        (void)emu.readFrame();
        (void)emu.readFrame();
        emu.write({ 0xFF, 0xFF, 0x3B }); // an "ATR" of 65535 bytes
    });
    const auto t0 = Clock::now();
    Bytes atr;
    CHECK(rig.slot.powerUp(atr) == SlotResult::CommunicationError);
    CHECK(msSince(t0) < 2000);
    t.join();
    CHECK_FALSE(rig.slot.present());
    CHECK(rig.log().find("frame longer than allowed") != std::string::npos);
}

TEST_CASE("a malformed ATR drops the card") {
    Rig rig;
    FakeEmulator emu(rig.slot.port());
    REQUIRE(rig.slot.present());
    std::thread t([&] { answerPowerUp(emu, { 0x3B, 0x05, 0x01 }); });
    Bytes atr;
    CHECK(rig.slot.powerUp(atr) == SlotResult::CommunicationError);
    t.join();
    CHECK_FALSE(rig.slot.present());
    CHECK(rig.log().find("bad ATR") != std::string::npos);
}

TEST_CASE("a disconnect in the middle of an answer is a communication error, card removed") {
    Rig rig;
    FakeEmulator emu(rig.slot.port());
    REQUIRE(rig.slot.present());
    std::thread t([&] {
        (void)emu.readFrame();
        emu.write({ 0x00, 0x05, 0x90 });
        emu.close();
    });
    Bytes rsp;
    CHECK(rig.slot.transmit(Bytes { 0x00, 0xB0, 0x00, 0x00, 0x03 }, rsp, 258)
        == SlotResult::CommunicationError);
    t.join();
    CHECK_FALSE(rig.slot.present());
    CHECK(rig.log().find("in the middle of an answer") != std::string::npos);
}

TEST_CASE("a silent emulator times out instead of hanging") {
    Rig rig(300ms);
    FakeEmulator emu(rig.slot.port());
    REQUIRE(rig.slot.present());
    const auto t0 = Clock::now();
    Bytes rsp;
    CHECK(rig.slot.transmit(Bytes { 0x00, 0xB0, 0x00, 0x00, 0x03 }, rsp, 258)
        == SlotResult::CommunicationError);
    CHECK(msSince(t0) >= 250);
    CHECK(msSince(t0) < 2000);
    CHECK_FALSE(rig.slot.present());
}

TEST_CASE("bytes nobody asked for mean the link is out of step: card removed") {
    Rig rig;
    FakeEmulator emu(rig.slot.port());
    REQUIRE(rig.slot.present());
    emu.write({ 0x00, 0x02, 0x90, 0x00 });
    std::this_thread::sleep_for(50ms);
    CHECK_FALSE(rig.slot.present());
}

TEST_CASE("an empty or short R-APDU drops the card; a long one reports the small buffer") {
    Rig rig;
    FakeEmulator emu(rig.slot.port());
    REQUIRE(rig.slot.present());
    Bytes rsp;
    std::thread t([&] {
        (void)emu.readFrame();
        emu.writeFrame({ 0x01, 0x02, 0x03, 0x04, 0x90, 0x00 });
    });
    CHECK(rig.slot.transmit(Bytes { 0x00, 0xB0, 0x00, 0x00, 0x04 }, rsp, 4)
        == SlotResult::BufferTooSmall);
    t.join();
    CHECK(rig.slot.present()); // the whole frame was read: still in step

    std::thread t2([&] {
        (void)emu.readFrame();
        emu.writeFrame({ 0x90 });
    });
    CHECK(rig.slot.transmit(Bytes { 0x00, 0xB0, 0x00, 0x00, 0x04 }, rsp, 258)
        == SlotResult::CommunicationError);
    t2.join();
    CHECK_FALSE(rig.slot.present());
}

TEST_CASE("commands shorter than 4 bytes are refused without being sent") {
    Rig rig;
    FakeEmulator emu(rig.slot.port());
    REQUIRE(rig.slot.present());
    Bytes rsp;
    CHECK(rig.slot.transmit(Bytes { 0x00, 0xA4, 0x04 }, rsp, 258) == SlotResult::BadCommand);
    CHECK(rig.slot.present());
}

TEST_CASE("PIN data never reaches the log") {
    Rig rig(200ms);
    FakeEmulator emu(rig.slot.port());
    REQUIRE(rig.slot.present());
    // VERIFY with PIN 123456; the emulator never answers (the error path logs the most).
    const Bytes verify { 0x00, 0x20, 0x00, 0x81, 0x06, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36 };
    Bytes rsp;
    CHECK(rig.slot.transmit(verify, rsp, 258) == SlotResult::CommunicationError);
    const std::string log = rig.log();
    CHECK(log.find("123456") == std::string::npos);
    CHECK(log.find("313233") == std::string::npos);
    CHECK(log.find("31 32") == std::string::npos);
    CHECK_FALSE(log.empty());
}

TEST_CASE("a port already taken is a configuration error") {
    Rig rig;
    CHECK_THROWS_AS(
        VirtualSlot(SlotOptions { "127.0.0.1", rig.slot.port(), 1000ms }, nullptr), VreaderError);
    CHECK_THROWS_AS(
        VirtualSlot(SlotOptions { "not-an-address", 0, 1000ms }, nullptr), VreaderError);
}
