// Emulator: the vpcd link and the control port over loopback TCP, with this test playing vpcd
// (a listening socket on a free port) and the control client. No pcscd.
#include "emu_test_util.hpp"
#include "hc/emu/emulator.hpp"
#include "hc/emu/vpcd_protocol.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace hc;
using namespace hc::emu;

namespace {

constexpr int kTimeoutMs = 3000;

/** A socket fd closed on scope exit. */
struct Fd {
    int fd = -1;
    explicit Fd(int f = -1)
        : fd(f) { }
    ~Fd() {
        if (fd >= 0) {
            ::close(fd);
        }
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    void reset(int f) {
        if (fd >= 0) {
            ::close(fd);
        }
        fd = f;
    }
};

bool readable(int fd, int ms = kTimeoutMs) {
    pollfd p { fd, POLLIN, 0 };
    return ::poll(&p, 1, ms) == 1;
}

/** Reads exactly n bytes; false on EOF, error or timeout. */
bool readExact(int fd, std::uint8_t* buf, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
        if (!readable(fd)) {
            return false;
        }
        const ssize_t r = ::recv(fd, buf + got, n - got, 0);
        if (r <= 0) {
            return false;
        }
        got += static_cast<std::size_t>(r);
    }
    return true;
}

/** The vpcd side: listens on a free loopback port and accepts the emulator's connection. */
class FakeVpcd {
public:
    FakeVpcd() {
        m_listen.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in a {};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(m_listen.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(m_listen.fd, 4) == 0);
        socklen_t len = sizeof a;
        ::getsockname(m_listen.fd, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
    }
    /** Waits for the card to connect ("insertion"). */
    bool accept() {
        if (!readable(m_listen.fd)) {
            return false;
        }
        m_card.reset(::accept4(m_listen.fd, nullptr, nullptr, SOCK_CLOEXEC));
        return m_card.fd >= 0;
    }
    void send(const std::string& payloadHex) {
        const Bytes frame = encodeVpcdFrame(fromHex(payloadHex));
        REQUIRE(::send(m_card.fd, frame.data(), frame.size(), MSG_NOSIGNAL)
            == static_cast<ssize_t>(frame.size()));
    }
    /** The next frame's payload as hex, or "closed" when the card went away. */
    std::string receive() {
        std::uint8_t hdr[2];
        if (!readExact(m_card.fd, hdr, 2)) {
            return "closed";
        }
        Bytes payload((std::size_t { hdr[0] } << 8) | hdr[1]);
        if (!payload.empty() && !readExact(m_card.fd, payload.data(), payload.size())) {
            return "closed";
        }
        return toHex(payload);
    }
    /** True when nothing arrives within ms. */
    bool silent(int ms = 200) { return !readable(m_card.fd, ms); }

    std::uint16_t port = 0;

private:
    Fd m_listen;
    Fd m_card;
};

/** A control-port client: one command, one reply line. */
class Control {
public:
    explicit Control(std::uint16_t port) {
        m_fd.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in a {};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(m_fd.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    }
    std::string ask(const std::string& line) {
        const std::string out = line + "\n";
        REQUIRE(::send(m_fd.fd, out.data(), out.size(), MSG_NOSIGNAL)
            == static_cast<ssize_t>(out.size()));
        std::string reply;
        char c = 0;
        while (readable(m_fd.fd) && ::recv(m_fd.fd, &c, 1, 0) == 1 && c != '\n') {
            reply += c;
        }
        return reply;
    }

private:
    Fd m_fd;
};

/** An Emulator over demo-card.json running in its own thread, stopped and joined at the end. */
struct RunningEmulator {
    explicit RunningEmulator(
        std::uint16_t vpcdPort, CardImage image = emutest::loadSample("demo-card.json"))
        : os(std::move(image))
        , emulator(os, options(vpcdPort))
        , thread([this] { emulator.run(); }) { }
    ~RunningEmulator() {
        emulator.stop();
        thread.join();
    }
    RunningEmulator(const RunningEmulator&) = delete;
    RunningEmulator& operator=(const RunningEmulator&) = delete;

    static EmulatorOptions options(std::uint16_t vpcdPort) {
        EmulatorOptions o;
        o.vpcdPort = vpcdPort;
        o.controlPort = 0; // any free port
        return o;
    }

    CardOs os;
    Emulator emulator;
    std::thread thread;
};

} // namespace

TEST_CASE("Emulator: answers vpcd's control requests and APDUs in frames") {
    FakeVpcd vpcd;
    RunningEmulator emu(vpcd.port);
    REQUIRE(vpcd.accept());

    vpcd.send("04"); // get ATR
    CHECK(vpcd.receive() == "3BF81300008131FE454843454D55000001B7");
    vpcd.send("01"); // power on: no answer
    CHECK(vpcd.silent());
    vpcd.send("00A4000C020001");
    CHECK(vpcd.receive() == "9000");
    vpcd.send("00B0000005");
    CHECK(vpcd.receive() == "48656C6C6F9000");
    vpcd.send("00B0000000000000"); // malformed (8 bytes, extended Le with a stray byte)
    CHECK(vpcd.receive() == "6700");

    // Malformed frames are ignored without an answer; the link stays up.
    vpcd.send("0102");
    vpcd.send("03");
    CHECK(vpcd.silent());
    vpcd.send("02"); // reset: no answer, the selection is gone
    CHECK(vpcd.silent());
    vpcd.send("00B0000001");
    CHECK(vpcd.receive() == "6986");

    Control ctl(emu.emulator.controlPort());
    CHECK(ctl.ask("status") == "ok present apdus=4");
    CHECK(ctl.ask("bogus").find("error: unknown command \"bogus\"") == 0);
    CHECK(ctl.ask("quit") == "ok bye");
    CHECK(vpcd.receive() == "closed");
}

TEST_CASE("Emulator: remove and insert through the control port") {
    FakeVpcd vpcd;
    RunningEmulator emu(vpcd.port);
    REQUIRE(vpcd.accept());
    Control ctl(emu.emulator.controlPort());

    CHECK(ctl.ask("remove") == "ok removed");
    CHECK(vpcd.receive() == "closed");
    CHECK(ctl.ask("status").find("ok removed") == 0);
    CHECK(ctl.ask("insert") == "ok present");
    REQUIRE(vpcd.accept());
    vpcd.send("04");
    CHECK(vpcd.receive() == "3BF81300008131FE454843454D55000001B7");
}

TEST_CASE("Emulator: tear before and after an APDU") {
    FakeVpcd vpcd;
    RunningEmulator emu(vpcd.port);
    REQUIRE(vpcd.accept());
    Control ctl(emu.emulator.controlPort());
    vpcd.send("01");
    vpcd.send("00A4000C020001");
    REQUIRE(vpcd.receive() == "9000");

    SUBCASE("after: the write is done, the answer never comes") {
        CHECK(ctl.ask("tear after D6") == "ok armed");
        vpcd.send("00B0000001"); // another INS: not torn
        CHECK(vpcd.receive() == "489000");
        vpcd.send("00D6000001EE");
        CHECK(vpcd.receive() == "closed");
        CHECK(ctl.ask("status").find("ok removed") == 0);
        CHECK(ctl.ask("insert") == "ok present");
        REQUIRE(vpcd.accept());
        vpcd.send("01");
        vpcd.send("00B0810001");
        CHECK(vpcd.receive() == "EE9000");
    }
    SUBCASE("before: the card goes before it processes the command") {
        CHECK(ctl.ask("tear before") == "ok armed");
        vpcd.send("00D6000001EE");
        CHECK(vpcd.receive() == "closed");
        CHECK(ctl.ask("insert") == "ok present");
        REQUIRE(vpcd.accept());
        vpcd.send("01");
        vpcd.send("00B0810001");
        CHECK(vpcd.receive() == "489000");
    }
    SUBCASE("bad tear commands") {
        CHECK(ctl.ask("tear sometime").find("error:") == 0);
        CHECK(ctl.ask("tear after D6D6").find("error:") == 0);
        CHECK(ctl.ask("tear after XY").find("error:") == 0);
    }
}

TEST_CASE("Emulator: a response too big for a vpcd frame is answered 6700, not a crash") {
    // A 65534-byte record plus SW1 SW2 is 65536 bytes: one more than a frame carries.
    const std::string record(2 * 65534, 'A');
    auto image = parseCardImage(R"({"format": "hcemu-image/1", "atr": "3B00", "mf": {"fid": "3F00",
        "type": "df", "children": [{"fid": "0001", "type": "linear-variable", "sfi": 1,
        "record_size": 65535, "max_records": 2, "records": [")"
        + record + R"(", "0102"]}]}})");
    FakeVpcd vpcd;
    RunningEmulator emu(vpcd.port, std::move(image));
    REQUIRE(vpcd.accept());
    vpcd.send("01");
    vpcd.send("00B2010C000000"); // SFI 1 record 1, extended Le 65536
    CHECK(vpcd.receive() == "6700");
    vpcd.send("00B2020C000000"); // record 2 fits
    CHECK(vpcd.receive() == "01029000");
}
