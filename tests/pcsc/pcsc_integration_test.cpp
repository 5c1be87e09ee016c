// Integration: our PC/SC driver, T=0 layer and hcard against real pcscd + vpcd + hcemu.
#include "hc/card/recording_channel.hpp"
#include "hc/card/replay_channel.hpp"
#include "hc/card/t0_channel.hpp"
#include "hc/card/tracing_channel.hpp"
#include "hc/emu/card_os.hpp"
#include "hc/pcsc.hpp"
#include "hc/testing/pcsc_stack.hpp"

#include <atomic>
#include <doctest/doctest.h>
#include <sstream>
#include <thread>

using namespace hc;
using namespace hc::card;
using hc::testing::EmulatedCard;
using hc::testing::kReader0;
using hc::testing::kReader1;

namespace {
std::unique_ptr<CardChannel> connect(const std::string& reader = kReader0) {
    return std::make_unique<T0Channel>(std::make_unique<pcsc::PcscCard>(reader));
}
std::string text(const Bytes& b) {
    return std::string(b.begin(), b.end());
}
} // namespace

TEST_CASE("the two vpcd readers are listed") {
    hc::testing::sharedPcscd();
    const auto readers = pcsc::listReaders();
    CHECK(std::find(readers.begin(), readers.end(), kReader0) != readers.end());
    CHECK(std::find(readers.begin(), readers.end(), kReader1) != readers.end());
}

TEST_CASE("connecting to an empty reader says there is no card") {
    hc::testing::sharedPcscd();
    REQUIRE(hc::testing::waitForCard(kReader1, false));
    try {
        pcsc::PcscCard card(kReader1);
        FAIL("connect to an empty reader succeeded");
    } catch (const pcsc::PcscError& e) {
        CHECK(e.function() == "SCardConnect");
        CHECK(e.reader() == kReader1);
        CHECK(e.nextStep() == NextStep::ReinsertCard);
    }
    CHECK_THROWS_AS(pcsc::PcscCard("No Such Reader 00 00"), pcsc::ReaderUnavailable);
}

TEST_CASE("insert and remove events arrive as they happen") {
    hc::testing::sharedPcscd();
    pcsc::ReaderMonitor monitor;
    auto first = monitor.wait(std::chrono::milliseconds(500));
    int added = 0;
    for (const auto& e : first) {
        added += e.kind == pcsc::ReaderEvent::Kind::ReaderAdded;
    }
    CHECK(added >= 2);

    EmulatedCard card("demo-card.json", 0, false);
    // Only kReader0's events: pcscd has six readers, and cards may come and go in the others.
    auto ofReader0 = [](std::vector<pcsc::ReaderEvent> v) {
        std::erase_if(v, [](const pcsc::ReaderEvent& e) { return e.reader != kReader0; });
        return v;
    };
    std::vector<pcsc::ReaderEvent> got;
    for (int i = 0; i < 20 && got.empty(); ++i) {
        got = ofReader0(monitor.wait(std::chrono::milliseconds(500)));
    }
    REQUIRE(got.size() == 1);
    CHECK(got[0].kind == pcsc::ReaderEvent::Kind::CardInserted);
    CHECK(got[0].reader == kReader0);
    CHECK(toHex(got[0].atr) == "3BF81300008131FE454843454D55000001B7");

    card.control("remove");
    got.clear();
    for (int i = 0; i < 20 && got.empty(); ++i) {
        got = ofReader0(monitor.wait(std::chrono::milliseconds(500)));
    }
    REQUIRE(got.size() == 1);
    CHECK(got[0].kind == pcsc::ReaderEvent::Kind::CardRemoved);

    SUBCASE("a wait is cancelled from another thread") {
        std::thread t([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            monitor.cancel();
        });
        CHECK_THROWS_AS(monitor.wait(), pcsc::Cancelled);
        t.join();
    }
}

TEST_CASE("hcard wait prints insert and remove events as JSON lines") {
    hc::testing::sharedPcscd();
    EmulatedCard card("demo-card.json", 1, false);
    card.control("remove");
    hc::testing::waitForCard(kReader1, false);
    std::thread actor([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(700));
        card.control("insert");
        hc::testing::waitForCard(kReader1, true);
        card.control("remove");
    });
    // 8 events: reader-added for each of pcscd's six readers, then the insert and the remove.
    const auto r = hc::testing::runCommand({ hc::testing::binaryPath("hcard").string(), "wait",
        "--json", "--count", "8", "--timeout", "15" });
    actor.join();
    CHECK(r.status == 0);
    CHECK(r.out.find("\"event\":\"reader-added\",\"reader\":\"Virtual PCD 00 01\"")
        != std::string::npos);
    const auto ins = r.out.find("\"event\":\"card-inserted\",\"reader\":\"Virtual PCD 00 01\"");
    const auto rem = r.out.find("\"event\":\"card-removed\",\"reader\":\"Virtual PCD 00 01\"");
    CHECK(ins != std::string::npos);
    CHECK(rem != std::string::npos);
    CHECK(ins < rem);
}

TEST_CASE("a SELECT / READ BINARY / READ RECORD session with access conditions") {
    EmulatedCard emu("demo-card.json");
    auto ch = connect();
    CHECK(ch->readerName() == kReader0);

    auto r = ch->transmit(apdu::selectFid(0x0001).withNe(256));
    REQUIRE(r.ok());
    CHECK(r.data().at(0) == 0x62); // FCP template
    r = ch->transmit(apdu::readBinary(0, 16));
    CHECK(r.ok());
    CHECK(text(r.data()) == "Hello from hcemu");

    // Records by number, by identifier and all at once.
    REQUIRE(ch->transmit(apdu::selectFid(0x0003)).ok());
    r = ch->transmit(apdu::readRecord(2));
    CHECK(r.ok());
    CHECK(r.data().at(0) == 0x02);
    r = ch->transmit(CommandApdu(0x00, 0xB2, 0x03, 0x00, {}, 256)); // first record with id 03
    CHECK(r.ok());
    CHECK(text(Bytes(r.data().begin() + 2, r.data().end())) == "19800101");
    r = ch->transmit(CommandApdu(0x00, 0xB2, 0x01, 0x05, {}, 256)); // all from record 1
    CHECK(r.ok());
    CHECK(r.data().size() == 8 + 6 + 10);
    CHECK(ch->transmit(apdu::readRecord(9)).sw() == sw::RecordNotFound);

    // A PIN-protected file: refused, wrong PIN counts down, right PIN opens it.
    REQUIRE(ch->transmit(apdu::selectFid(0x1000)).ok());
    REQUIRE(ch->transmit(apdu::selectFid(0x1002)).ok());
    CHECK(ch->transmit(apdu::readBinary(0, 16)).sw() == sw::SecurityStatusNotSatisfied);
    r = ch->transmit(CommandApdu(0x00, 0x20, 0x00, 0x00, Bytes { '9', '9', '9', '9', '9', '9' }));
    CHECK(r.sw().triesLeft() == 2);
    CHECK(ch->transmit(CommandApdu(0x00, 0x20, 0x00, 0x00, Bytes { '1', '2', '3', '4', '5', '6' }))
              .ok());
    r = ch->transmit(apdu::readBinary(0, 16));
    CHECK(r.ok());
    CHECK(text(r.data()) == "pin-protected!!!");

    // A key-protected file after EXTERNAL AUTHENTICATE with the card's key.
    REQUIRE(ch->transmit(apdu::selectFid(0x1001)).ok());
    CHECK(ch->transmit(apdu::readBinary(0, 16)).sw() == sw::SecurityStatusNotSatisfied);
    const auto challenge = ch->transmit(apdu::getChallenge(8));
    REQUIRE(challenge.ok());
    const auto key = fromHex("0123456789ABCDEFFEDCBA9876543210");
    CHECK(ch->transmit(CommandApdu(0x00, 0x82, 0x00, 0x01,
                           emu::externalAuthCryptogram(key, challenge.data())))
              .ok());
    CHECK(ch->transmit(apdu::readBinary(0, 16)).ok());
}

TEST_CASE("61xx and 6Cxx through the real stack are handled by the T=0 layer") {
    EmulatedCard emu("demo-card-t0.json");
    {
        pcsc::PcscCard raw(kReader0);
        CHECK(raw.protocol() == pcsc::ActiveProtocol::T0);
        // Without the T=0 layer the card's length dialogue shows.
        auto r = raw.transmit(apdu::selectFid(0x0001).withNe(256));
        CHECK(r.sw().moreData());
        r = raw.transmit(apdu::readBinary(0, 200));
        CHECK(r.sw() == StatusWord(0x6C, 0x20));
    }
    auto ch = connect();
    auto r = ch->transmit(apdu::selectFid(0x0001).withNe(256));
    CHECK(r.ok());
    CHECK(r.data().at(0) == 0x62);
    r = ch->transmit(apdu::readBinary(0, 200)); // the card offers 32 bytes: 6C20, resend
    CHECK(r.ok());
    CHECK(r.data().size() == 32);
    CHECK(text(Bytes(r.data().begin(), r.data().begin() + 16)) == "Hello from hcemu");
    // A 300-byte file read with extended Le chains several GET RESPONSEs... T=0 is short only:
    // read it in two parts.
    REQUIRE(ch->transmit(apdu::selectFid(0x0005)).ok());
    r = ch->transmit(apdu::readBinary(256, 44));
    CHECK(r.ok());
    CHECK(r.data().size() == 44);
    CHECK(r.data().at(0) == 0x00);
}

TEST_CASE("a card pulled in the middle of an APDU gives CardRemoved, and comes back") {
    EmulatedCard emu("demo-card.json");
    pcsc::PcscCard card(kReader0);
    REQUIRE(card.transmit(apdu::selectFid(0x0001)).ok());
    emu.control("tear before B0");
    try {
        card.transmit(apdu::readBinary(0, 16));
        FAIL("transmit succeeded on a pulled card");
    } catch (const pcsc::CardRemoved& e) {
        CHECK(e.nextStep() == NextStep::ReinsertCard);
        CHECK(e.reader() == kReader0);
        CHECK(std::string(e.what()).find("SCardTransmit") != std::string::npos);
    }
    CHECK_FALSE(card.present());
    emu.insert();
    pcsc::PcscCard again(kReader0);
    REQUIRE(again.transmit(apdu::selectFid(0x0001)).ok());
    CHECK(again.transmit(apdu::readBinary(0, 5)).ok());
}

TEST_CASE("a write whose answer was lost mid-APDU is on the card when it comes back") {
    EmulatedCard emu("demo-card.json");
    {
        pcsc::PcscCard card(kReader0);
        REQUIRE(card.transmit(apdu::selectFid(0x0001)).ok());
        emu.control("tear after D6");
        CHECK_THROWS_AS(
            card.transmit(apdu::updateBinary(0, Bytes { 'W', 'r', 'i', 't', 't', 'e', 'n' })),
            pcsc::CardRemoved);
    }
    emu.insert();
    pcsc::PcscCard card(kReader0);
    REQUIRE(card.transmit(apdu::selectFid(0x0001)).ok());
    CHECK(text(card.transmit(apdu::readBinary(0, 7)).data()) == "Written");
    // And it survives the emulator being killed: the image was saved before the answer.
    emu.restart(true);
    pcsc::PcscCard after(kReader0);
    REQUIRE(after.transmit(apdu::selectFid(0x0001)).ok());
    CHECK(text(after.transmit(apdu::readBinary(0, 7)).data()) == "Written");
}

TEST_CASE("a reset by another application: the first is reconnected and told, state is gone") {
    EmulatedCard emu("demo-card.json");
    pcsc::PcscCard a(kReader0);
    REQUIRE(a.transmit(apdu::selectFid(0x1000)).ok());
    REQUIRE(a.transmit(CommandApdu(0x00, 0x20, 0x00, 0x00, Bytes { '1', '2', '3', '4', '5', '6' }))
                .ok());
    REQUIRE(a.transmit(apdu::selectFid(0x1002)).ok());
    REQUIRE(a.transmit(apdu::readBinary(0, 16)).ok());

    pcsc::PcscCard b(kReader0);
    b.reset();

    try {
        a.transmit(apdu::readBinary(0, 16));
        FAIL("no CardReset after another application reset the card");
    } catch (const pcsc::CardReset& e) {
        CHECK(e.nextStep() == NextStep::ReselectApplication);
        CHECK(std::string(e.what()).find("SCARD_W_RESET_CARD") != std::string::npos);
    }
    // The handle works again; the card lost its PIN state and selection as a real card would.
    REQUIRE(a.transmit(apdu::selectFid(0x1000)).ok());
    REQUIRE(a.transmit(apdu::selectFid(0x1002)).ok());
    CHECK(a.transmit(apdu::readBinary(0, 16)).sw() == sw::SecurityStatusNotSatisfied);
}

TEST_CASE("a transaction keeps the card to one application until it ends") {
    EmulatedCard emu("demo-card.json");
    pcsc::PcscCard a(kReader0);
    pcsc::PcscCard b(kReader0);
    std::atomic<bool> bDone { false };
    std::thread other;
    {
        pcsc::PcscCard::Transaction tx(a);
        other = std::thread([&] {
            pcsc::PcscCard::Transaction txb(b); // blocks until a's transaction ends
            bDone = true;
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        CHECK_FALSE(bDone.load());
        REQUIRE(a.transmit(apdu::selectFid(0x0001)).ok());
    }
    other.join();
    CHECK(bDone.load());
}

TEST_CASE("two readers used at once") {
    EmulatedCard c0("demo-card.json", 0);
    EmulatedCard c1("demo-card-t0.json", 1);
    std::atomic<int> failures { 0 };
    auto worker = [&](const std::string& reader) {
        try {
            auto ch = connect(reader);
            for (int i = 0; i < 200; ++i) {
                if (!ch->transmit(apdu::selectFid(0x0001)).ok()
                    || text(ch->transmit(apdu::readBinary(0, 16)).data()) != "Hello from hcemu") {
                    ++failures;
                }
            }
        } catch (const std::exception& e) {
            MESSAGE(e.what());
            ++failures;
        }
    };
    std::thread t0(worker, kReader0), t1(worker, kReader1);
    t0.join();
    t1.join();
    CHECK(failures == 0);
}

TEST_CASE("a session recorded through the real stack replays, and a divergence names its step") {
    EmulatedCard emu("demo-card.json");
    std::vector<std::string> lines;
    {
        RecordingChannel rec(
            connect(), [&](std::string_view l) { lines.emplace_back(l); },
            MaskPolicy::defaults().withReadDataShown());
        REQUIRE(rec.transmit(apdu::selectFid(0x0001)).ok());
        REQUIRE(rec.transmit(apdu::readBinary(0, 16)).ok());
        REQUIRE(rec.transmit(apdu::selectFid(0x0003)).ok());
        REQUIRE(rec.transmit(apdu::readRecord(1)).ok());
    }
    std::string jsonl;
    for (const auto& l : lines) {
        jsonl += l + "\n";
    }
    ReplayChannel replay(parseTranscript(jsonl));
    CHECK(replay.transmit(apdu::selectFid(0x0001)).ok());
    CHECK(text(replay.transmit(apdu::readBinary(0, 16)).data()) == "Hello from hcemu");
    try {
        replay.transmit(apdu::selectFid(0x0004));
        FAIL("replay accepted a different command");
    } catch (const ReplayMismatch& e) {
        CHECK(e.step() == 3);
    }
}

TEST_CASE("the trace of a real session holds no PIN") {
    EmulatedCard emu("demo-card.json");
    std::ostringstream trace;
    TracingChannel ch(connect(), trace);
    REQUIRE(ch.transmit(apdu::selectFid(0x1000)).ok());
    CHECK(ch.transmit(CommandApdu(0x00, 0x20, 0x00, 0x00, Bytes { '1', '2', '3', '4', '5', '6' }))
              .ok());
    CHECK(trace.str().find("313233343536") == std::string::npos);
    CHECK(trace.str().find("123456") == std::string::npos);
    CHECK(trace.str().find("9000") != std::string::npos);
}

TEST_CASE("hcard apdu runs a script and explains each status word") {
    EmulatedCard emu("demo-card.json");
    const auto hcard = hc::testing::binaryPath("hcard").string();
    const std::string script
        = "# select and read\n00 A4 00 00 02 00 01\n00B0000010\n\n00 A4 00 00 02 00 03\n00 B2 09 "
          "04 00\nreset\n00 20 00 00 06 31 32 33 34 35 36\n";
    auto r = hc::testing::runCommand({ hcard, "apdu", "--reader", kReader0 }, script);
    CHECK(r.status == 0);
    CHECK(r.out.find("48656C6C6F2066726F6D206863656D75 9000 : success") != std::string::npos);
    CHECK(r.out.find("6A83 : record not found") != std::string::npos);
    CHECK(r.out.find("> reset") != std::string::npos);
    CHECK(r.out.find("313233343536") == std::string::npos); // the PIN never echoes

    r = hc::testing::runCommand(
        { hcard, "apdu", "--json", "--reader", "0", "00A40000020001", "00B0000005" });
    CHECK(r.status == 0);
    CHECK(
        r.out.find("{\"line\":2,\"command\":\"00B0000005\",\"data\":\"48656C6C6F\",\"sw\":\"9000\"")
        != std::string::npos);

    r = hc::testing::runCommand({ hcard, "apdu", "00A4000002", "00A40000050001" });
    CHECK(r.status == 2);
    CHECK(r.err.find("line 2: command APDU: Lc=5 but 2 bytes follow it") != std::string::npos);

    r = hc::testing::runCommand({ hcard, "readers", "--json" });
    CHECK(r.out.find("\"name\":\"Virtual PCD 00 00\",\"card\":true,\"atr\":\"3BF8")
        != std::string::npos);
    r = hc::testing::runCommand({ hcard, "atr", "--json" });
    CHECK(r.out.find("\"protocols\":[1]") != std::string::npos);
}

TEST_CASE("an exclusive connection keeps other applications out until it is closed") {
    EmulatedCard emu("demo-card.json");
    {
        pcsc::PcscCard owner(kReader0, pcsc::ShareMode::Exclusive, pcsc::Protocols::T1);
        CHECK(owner.protocol() == pcsc::ActiveProtocol::T1);
        try {
            pcsc::PcscCard other(kReader0);
            FAIL("a shared connection got in beside an exclusive one");
        } catch (const pcsc::SharingViolation& e) {
            CHECK(e.nextStep() == NextStep::Retry);
            CHECK(e.function() == "SCardConnect");
        }
        CHECK(owner.transmit(apdu::selectFid(0x0001)).ok());
    }
    pcsc::PcscCard later(kReader0);
    CHECK(later.transmit(apdu::selectFid(0x0001)).ok());
}

TEST_CASE("asking a T=1 card for T=0 only is refused with a clear error") {
    EmulatedCard emu("demo-card.json");
    try {
        pcsc::PcscCard card(kReader0, pcsc::ShareMode::Shared, pcsc::Protocols::T0);
        FAIL("T=0 connect to a T=1-only card succeeded");
    } catch (const pcsc::PcscError& e) {
        CHECK(std::string(e.what()).find("SCardConnect") != std::string::npos);
        CHECK(e.reader() == kReader0);
    }
}
