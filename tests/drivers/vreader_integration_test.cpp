// Integration: libifdhcvr.so (drivers/vreader) in a real pcscd with hcemu as the card: readers
// listed, insert and remove seen through pcscd's events, ATR, APDUs through the card layer,
// several readers at once (one loaded copy serving several readers), an emulator killed or
// talking garbage mid-session, and pcscd stopping cleanly through the driver's stop function.
#include "hc/card/apdu.hpp"
#include "hc/card/t0_channel.hpp"
#include "hc/pcsc.hpp"
#include "hc/testing/pcsc_stack.hpp"
#include "vreader_test_util.hpp"

#include <PCSC/winscard.h>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <doctest/doctest.h>
#include <optional>
#include <sys/wait.h>
#include <thread>

using namespace hc;
using namespace hc::card;
using hc::testing::EmulatedCard;
using hc::testing::PcscdOptions;
using hc::testing::ReaderDriver;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// Slots 4 and 5 ("Virtual PCD C 00 00/01", ports 35967/35968) and 2 ("Virtual PCD B 00 00"):
// away from slots 0 and 1, where a demo run by hand plugs its cards.
constexpr int kSlot = 4;
const std::string kDemoAtr = "3BF81300008131FE454843454D55000001B7";

PcscdOptions hcvrOptions() {
    PcscdOptions o;
    o.driver = ReaderDriver::Hcvr;
    o.extraArgs = { "--info" }; // the drivers' and the event threads' INFO lines in the log
    return o;
}

/** The shared pcscd, running the standard six readers on hcvr (restarted once per process, or
 * after a test that changed it). */
bool g_standard = false;
hc::testing::PcscdDaemon& hcvrPcscd() {
    if (!g_standard) {
        hc::testing::restartSharedPcscd(hcvrOptions());
        g_standard = true;
    }
    return hc::testing::sharedPcscd();
}

std::unique_ptr<CardChannel> connect(const std::string& reader) {
    return std::make_unique<T0Channel>(std::make_unique<pcsc::PcscCard>(reader));
}

/** SELECT 0001 + READ BINARY 16 on the demo card: its "Hello from hcemu". */
std::string hello(CardChannel& ch) {
    auto r = ch.transmit(apdu::selectFid(0x0001).withNe(256));
    if (!r.ok()) {
        return "SELECT failed";
    }
    r = ch.transmit(apdu::readBinary(0, 16));
    return std::string(r.data().begin(), r.data().end());
}

double msSince(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

} // namespace

TEST_CASE("pcscd loads hcvr for the six readers and uses its polling thread") {
    auto& d = hcvrPcscd();
    const auto readers = pcsc::listReaders();
    for (int slot = 0; slot < 6; ++slot) {
        CHECK(std::find(readers.begin(), readers.end(), hc::testing::readerForSlot(slot))
            != readers.end());
    }
    const std::string log = d.log();
    CHECK(log.find("Using the reader polling thread") != std::string::npos);
    CHECK(log.find("Using the pcscd polling thread") == std::string::npos);
    CHECK(log.find("hcvr: ") != std::string::npos);
}

TEST_CASE("insert, ATR, APDUs through the card layer, remove and re-insert") {
    hcvrPcscd();
    EmulatedCard card("demo-card.json", kSlot);
    {
        auto ch = connect(card.reader());
        CHECK(toHex(ch->atr()) == kDemoAtr);
        CHECK(hello(*ch) == "Hello from hcemu");
    }
    pcsc::ReaderMonitor monitor;
    (void)monitor.wait(500ms); // the present state
    card.control("remove");
    bool removed = false;
    for (int i = 0; i < 20 && !removed; ++i) {
        for (const auto& e : monitor.wait(500ms)) {
            removed = removed
                || (e.reader == card.reader() && e.kind == pcsc::ReaderEvent::Kind::CardRemoved);
        }
    }
    CHECK(removed);
    CHECK_THROWS_AS(pcsc::PcscCard(card.reader()), pcsc::PcscError);

    card.control("insert");
    std::optional<pcsc::ReaderEvent> inserted;
    for (int i = 0; i < 20 && !inserted; ++i) {
        for (const auto& e : monitor.wait(500ms)) {
            if (e.reader == card.reader() && e.kind == pcsc::ReaderEvent::Kind::CardInserted) {
                inserted = e;
            }
        }
    }
    REQUIRE(inserted);
    CHECK(toHex(inserted->atr) == kDemoAtr);
    auto ch = connect(card.reader());
    CHECK(hello(*ch) == "Hello from hcemu");
}

TEST_CASE("several readers at once: both slots of one reader and another reader") {
    hcvrPcscd();
    EmulatedCard a("demo-card.json", 4);
    EmulatedCard b("demo-card-t0.json", 5);
    EmulatedCard c("demo-card.json", 2);
    std::atomic<int> ok { 0 };
    std::vector<std::thread> threads;
    for (const auto* card : { &a, &b, &c }) {
        threads.emplace_back([&ok, reader = card->reader()] {
            auto ch = connect(reader);
            for (int i = 0; i < 15; ++i) {
                ok += hello(*ch) == "Hello from hcemu";
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    CHECK(ok == 45);
    // Pulling one card leaves the others in place.
    b.remove();
    CHECK(hc::testing::waitForCard(a.reader(), true, 100ms));
    CHECK(hc::testing::waitForCard(c.reader(), true, 100ms));
    auto ch = connect(a.reader());
    CHECK(hello(*ch) == "Hello from hcemu");
}

TEST_CASE("an emulator killed mid-session: pcscd reports the removal, the next insert works") {
    hcvrPcscd();
    EmulatedCard card("demo-card.json", kSlot);
    auto ch = connect(card.reader());
    REQUIRE(hello(*ch) == "Hello from hcemu");
    card.process().signal(SIGKILL);
    const auto t0 = Clock::now();
    CHECK(hc::testing::waitForCard(card.reader(), false, 3000ms));
    MESSAGE("removal seen " << msSince(t0) << " ms after SIGKILL");
    CHECK_THROWS_AS(ch->transmit(apdu::readBinary(0, 16)), pcsc::PcscError);
    ch.reset();
    card.restart(); // waits until pcscd sees the card again
    auto ch2 = connect(card.reader());
    CHECK(hello(*ch2) == "Hello from hcemu");
}

TEST_CASE("garbage or a disconnect mid-APDU from the emulator: card removed, pcscd unharmed") {
    auto& d = hcvrPcscd();
    const std::string reader = hc::testing::readerForSlot(kSlot);
    REQUIRE(hc::testing::waitForCard(reader, false, 3000ms));
    const auto port = static_cast<std::uint16_t>(35963 + kSlot);

    SUBCASE("an ATR frame announcing 65535 bytes") {
        hc::vreader::test::FakeEmulator fake(port);
        REQUIRE(fake.connected());
        // pcscd powers the card up: power on, get ATR; the answer is garbage.
        CHECK(fake.readFrame() == std::vector<std::uint8_t> { 0x01 });
        CHECK(fake.readFrame() == std::vector<std::uint8_t> { 0x04 });
        fake.write({ 0xFF, 0xFF, 0x3B, 0x00 });
        // The driver hangs up on it.
        CHECK(fake.read(1).empty());
        CHECK(hc::testing::waitForCard(reader, false, 3000ms));
        // The driver logs the drop after hanging up: wait for the line (bounded), the log is
        // not complete the moment the fake sees the hang-up.
        INFO(d.log());
        CHECK(d.waitForLog("frame longer than allowed"));
    }
    SUBCASE("the emulator hangs up in the middle of an R-APDU") {
        std::atomic<bool> apduSeen { false };
        std::thread emu([&] {
            hc::vreader::test::FakeEmulator fake(port);
            while (true) {
                const auto f = fake.readFrame();
                if (f.empty()) {
                    return;
                }
                if (f.size() == 1 && f[0] == 0x04) {
                    fake.writeFrame({ 0x3B, 0x00 });
                } else if (f.size() >= 4) {
                    apduSeen = true;
                    fake.write({ 0x00, 0x10, 0x62, 0x0A }); // 2 of 16 bytes, then gone
                    return;
                }
            }
        });
        REQUIRE(hc::testing::waitForCard(reader, true, 3000ms));
        {
            pcsc::PcscCard card(reader);
            CHECK_THROWS_AS(card.transmit(apdu::selectFid(0x0001)), pcsc::PcscError);
        }
        emu.join();
        CHECK(apduSeen);
        CHECK(hc::testing::waitForCard(reader, false, 3000ms));
        INFO(d.log());
        CHECK(d.waitForLog("in the middle of an answer"));
    }
    // pcscd still serves the slot: a real card works there.
    EmulatedCard card("demo-card.json", kSlot);
    auto ch = connect(card.reader());
    CHECK(hello(*ch) == "Hello from hcemu");
}

TEST_CASE("pcscd stops at once through the driver's stop function, cards inserted") {
    auto& d = hcvrPcscd();
    EmulatedCard a("demo-card.json", 4);
    EmulatedCard b("demo-card.json", 2);
    // SIGINT: pcscd's full shutdown, which stops every reader's event thread (pcsc-lite 1.9.9
    // leaves at once on SIGTERM without touching the drivers).
    // pcscd's main thread notices the signal thread's flag only when its accept loop wakes: on
    // EINTR when the signal lands on that thread, else at the next client connection. A client
    // knocking every 200 ms makes the test independent of which thread got the signal.
    const auto t0 = Clock::now();
    d.process().signal(SIGINT);
    int status = -1;
    while (status == -1 && Clock::now() - t0 < 5s) {
        status = d.process().wait(200ms);
        SCARDCONTEXT ctx;
        if (status == -1
            && SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx)
                == SCARD_S_SUCCESS) {
            SCardReleaseContext(ctx);
        }
    }
    const double ms = msSince(t0);
    MESSAGE("pcscd stopped in " << ms << " ms");
    CHECK(status != -1); // exited by itself within 5 s
    CHECK(WIFEXITED(status));
    const std::string log = d.log();
    INFO(log.substr(log.size() > 3000 ? log.size() - 3000 : 0));
    CHECK(log.find("Request stopping of polling thread") != std::string::npos);
    CHECK(log.find("Killing polling thread") == std::string::npos);
    g_standard = false; // the next test starts a fresh one
}

TEST_CASE("one loaded copy of the driver serves several readers, each Lun its own state") {
    // Two devices from the same file: pcscd numbers them 00 and 01 and gives them Luns
    // 0x00000000 and 0x00010000 (plus the slot). One file, in order, so that the numbering
    // follows the ports.
    PcscdOptions o = hcvrOptions();
    const auto lib = hc::testing::hcvrDriverPath().string();
    o.confFiles = { { "hcvr",
        "FRIENDLYNAME \"HC Virtual Reader\"\nDEVICENAME   /dev/null:0x8C7B\nLIBPATH      " + lib
            + "\nCHANNELID    0x8C7B\n\nFRIENDLYNAME \"HC Virtual Reader\"\n"
              "DEVICENAME   /dev/null:0x8C7D\nLIBPATH      "
            + lib + "\nCHANNELID    0x8C7D\n" } };
    o.readers = { "HC Virtual Reader 00 00", "HC Virtual Reader 00 01", "HC Virtual Reader 01 00",
        "HC Virtual Reader 01 01" };
    auto& d = hc::testing::restartSharedPcscd(o);
    g_standard = false;
    {
        EmulatedCard a("demo-card.json", 1, true, "HC Virtual Reader 00 01");
        EmulatedCard b("demo-card-t0.json", 2, true, "HC Virtual Reader 01 00");
        EmulatedCard c("demo-card.json", 3, true, "HC Virtual Reader 01 01");
        CHECK(hc::testing::waitForCard("HC Virtual Reader 00 00", false, 100ms));
        for (const auto* card : { &a, &b, &c }) {
            auto ch = connect(card->reader());
            CHECK(hello(*ch) == "Hello from hcemu");
        }
        b.remove();
        CHECK(hc::testing::waitForCard(c.reader(), true, 100ms));
        CHECK(hc::testing::waitForCard(a.reader(), true, 100ms));
    }
    CHECK(d.log().find("simultaneous readers") != std::string::npos);
}
