// hc_dispenser: the frame and reply parsers (unit), the driver against dispenser-sim as a process
// (stock, low, empty, jam, reject bin, positions) and a serial line (a pseudo-terminal).
#include "dispenser_sim.hpp"
#include "hc/dispenser.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace hc::dispenser;

namespace {

std::vector<std::uint8_t> bytes(std::string_view s) {
    return { s.begin(), s.end() };
}

} // namespace

TEST_CASE("a frame is STX LEN payload ETX BCC and reads back, across pieces and noise") {
    const auto f = encodeFrame("ST");
    REQUIRE(f.size() == 6);
    CHECK(f[0] == kStx);
    CHECK(f[1] == 2);
    CHECK(f[4] == kEtx);
    CHECK(f[5] == (2 ^ 'S' ^ 'T'));
    FrameReader r;
    auto noisy = bytes(std::string("\x00\x7f", 2));
    for (const auto b : f) {
        noisy.push_back(b);
    }
    const auto g = encodeFrame("OK S=1 L=1 B=0 F=0 P=N J=0");
    r.feed(std::span(noisy).first(4));
    CHECK_FALSE(r.next());
    r.feed(std::span(noisy).subspan(4));
    r.feed(g);
    CHECK(r.next() == std::optional<std::string>("ST"));
    CHECK(r.next() == std::optional<std::string>("OK S=1 L=1 B=0 F=0 P=N J=0"));
    CHECK_FALSE(r.next());
    CHECK(r.skipped() == 2);
    CHECK_THROWS_AS(encodeFrame(""), DispenserProtocolError);
    CHECK_THROWS_AS(encodeFrame(std::string(201, 'A')), DispenserProtocolError);
    CHECK_THROWS_AS(encodeFrame("A\nB"), DispenserProtocolError);
}

TEST_CASE("a bad BCC, length or missing ETX is refused and the reader resynchronises") {
    auto f = encodeFrame("OK S=1 L=1 B=0 F=0 P=N J=0");
    f.back() ^= 0x55;
    FrameReader r;
    r.feed(f);
    CHECK_THROWS_AS(r.next(), DispenserProtocolError);
    r.feed(encodeFrame("ST"));
    // The rest of the bad frame is skipped as noise until the next STX.
    CHECK(r.next() == std::optional<std::string>("ST"));
    FrameReader z;
    z.feed(bytes(std::string("\x02\x00", 2)));
    CHECK_THROWS_AS(z.next(), DispenserProtocolError);
    FrameReader e;
    e.feed(bytes(std::string("\x02\x02STX\x00", 6)));
    CHECK_THROWS_AS(e.next(), DispenserProtocolError);
}

TEST_CASE("replies: OK and ER with the status; every key required, unknown keys kept") {
    const auto ok = parseReply("OK S=12 L=0 B=1 F=0 P=I J=0");
    CHECK(ok.ok);
    CHECK(ok.status.stock == 12);
    CHECK(ok.status.position == CardPosition::IcPosition);
    CHECK(ok.status.problem() == DispenserProblem::CardInTransport);
    const auto er = parseReply("ER EMPTY S=0 L=1 B=0 F=0 P=N J=0 IMG=/x");
    CHECK_FALSE(er.ok);
    CHECK(er.code == "EMPTY");
    CHECK(faultOfCode(er.code) == DispenserFault::Empty);
    CHECK(er.status.problem() == DispenserProblem::Empty);
    CHECK(er.extra.at("IMG") == "/x");
    CHECK(parseStatus("J=1 P=G F=1 B=10 L=1 S=0").problem() == DispenserProblem::Jam);
    CHECK(parseStatus("J=0 P=G F=1 B=10 L=1 S=3").problem() == DispenserProblem::CardInTransport);
    CHECK(parseStatus("J=0 P=N F=1 B=10 L=1 S=3").problem() == DispenserProblem::BinFull);
    CHECK(formatStatus(parseStatus("S=7 L=0 B=2 F=0 P=G J=0")) == "S=7 L=0 B=2 F=0 P=G J=0");
    for (const char* bad : { "", "OK", "OK ", "OK S=1", "OK S=1 L=0 B=0 F=0 P=X J=0",
             "OK S=1 L=2 B=0 F=0 P=N J=0", "OK S=123456 L=0 B=0 F=0 P=N J=0",
             "OK S=1 S=1 L=0 B=0 F=0 P=N J=0", "OK S=1 L=0 B=0 F=0 P=N J=0 ", "ER S=1",
             "ER empty S=1 L=0 B=0 F=0 P=N J=0", "NO S=1 L=0 B=0 F=0 P=N J=0",
             "OK S=-1 L=0 B=0 F=0 P=N J=0", "OK S=1 L=0 B=0 F=0 P=N J=0 x=1" }) {
        CAPTURE(bad);
        CHECK_THROWS_AS(parseReply(bad), DispenserProtocolError);
    }
    CHECK_THROWS_AS(FramedDispenser("printer"), hc::InputError);
    CHECK_THROWS_AS(FramedDispenser("tcp:host"), hc::InputError);
}

TEST_CASE("dispenser-sim: stock counts down, moves follow the card, refusals carry the status") {
    hc::testing::DispenserSim sim(2, -1, 1);
    auto d = sim.driver();
    auto s = d.status();
    CHECK(s.stock == 2);
    CHECK(s.low); // at or below the low mark (3)
    CHECK_FALSE(s.problem());
    CHECK_THROWS_AS(d.eject(), DispenserError); // nothing at IC
    s = d.moveToIc();
    CHECK(s.stock == 1);
    CHECK(s.position == CardPosition::IcPosition);
    try {
        d.moveToIc();
        FAIL("a second card while one is at IC");
    } catch (const DispenserError& e) {
        CHECK(e.fault() == DispenserFault::Busy);
        CHECK(e.status().position == CardPosition::IcPosition);
    }
    CHECK(d.eject().position == CardPosition::Gate);
    CHECK(d.status().problem() == DispenserProblem::CardInTransport);
    // The patient takes it.
    const auto taken = sim.command("XT");
    CHECK(taken.ok);
    CHECK(taken.status.position == CardPosition::None);
    // The last card: captured into the bin, which is then full (capacity 1).
    d.moveToIc();
    s = d.capture();
    CHECK(s.binCount == 1);
    CHECK(s.binFull);
    CHECK(s.stock == 0);
    CHECK(s.problem() == DispenserProblem::Empty);
    try {
        d.moveToIc();
        FAIL("empty stack");
    } catch (const DispenserError& e) {
        CHECK(e.fault() == DispenserFault::Empty);
    }
    CHECK(sim.command("XS 4").status.stock == 4);
    CHECK(sim.command("XE").status.binCount == 0);
    // A jam: refused, and reported until staff clear it.
    sim.command("XJ");
    try {
        d.moveToIc();
        FAIL("jam");
    } catch (const DispenserError& e) {
        CHECK(e.fault() == DispenserFault::Jam);
    }
    CHECK(d.status().problem() == DispenserProblem::Jam);
    sim.command("XR");
    CHECK_FALSE(d.status().problem());
}

TEST_CASE("dispenser-sim: SIGTERM and SIGINT end it with exit 0, idle or with a client connected") {
    for (const int sig : { SIGTERM, SIGINT }) {
        for (const bool connected : { false, true }) {
            CAPTURE(sig);
            CAPTURE(connected);
            hc::testing::DispenserSim sim(2);
            CHECK(sim.driver().status().stock == 2);
            int client = -1;
            if (connected) { // a client that connected and sends nothing: the sim waits on it
                const auto addr = sim.address();
                sockaddr_in a {};
                a.sin_family = AF_INET;
                a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                a.sin_port = htons(
                    static_cast<unsigned short>(std::stoi(addr.substr(addr.rfind(':') + 1))));
                client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                REQUIRE(::connect(client, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
                std::this_thread::sleep_for(std::chrono::milliseconds(100)); // accepted by now
            }
            sim.process().signal(sig);
            const int status = sim.process().wait(std::chrono::milliseconds(3000));
            INFO(sim.log());
            REQUIRE_MESSAGE(status != -1, "dispenser-sim still running 3 s after the signal");
            CHECK(WIFEXITED(status));
            CHECK(WEXITSTATUS(status) == 0);
            if (client >= 0) {
                ::close(client);
            }
        }
    }
}

TEST_CASE("no dispenser at the address: DispenserUnavailable, NextStep retry") {
    FramedDispenser d(
        "tcp:127.0.0.1:" + std::to_string(hc::testing::freeTcpPort()), std::chrono::seconds(2));
    try {
        d.status();
        FAIL("no device");
    } catch (const DispenserUnavailable& e) {
        CHECK(e.nextStep() == hc::NextStep::Retry);
    }
}

TEST_CASE("the driver on a serial line (a pseudo-terminal standing in for the device)") {
    const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
    REQUIRE(master >= 0);
    REQUIRE(::grantpt(master) == 0);
    REQUIRE(::unlockpt(master) == 0);
    const std::string path = ::ptsname(master);
    std::thread device([master] {
        FrameReader r;
        std::uint8_t buf[64];
        for (;;) {
            pollfd p { master, POLLIN, 0 };
            if (::poll(&p, 1, 5000) != 1) {
                return;
            }
            const auto n = ::read(master, buf, sizeof buf);
            if (n <= 0) {
                return;
            }
            r.feed(std::span<const std::uint8_t>(buf, static_cast<std::size_t>(n)));
            if (auto cmd = r.next()) {
                const auto reply = encodeFrame(*cmd == "ST" ? "OK S=9 L=0 B=0 F=0 P=N J=0"
                                                            : "ER NOCARD S=9 L=0 B=0 F=0 P=N J=0");
                (void)!::write(master, reply.data(), reply.size());
                return;
            }
        }
    });
    FramedDispenser d(path, std::chrono::seconds(5));
    CHECK(d.status().stock == 9);
    device.join();
    ::close(master);
}
