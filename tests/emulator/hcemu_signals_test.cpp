// hcemu as a process: SIGTERM (and SIGINT) end it with exit status 0 in every state it can be in,
// within a few seconds. No pcscd: the test plays vpcd with a listening socket of its own (or none).
//   - waiting for vpcd (nothing listens on its port: it retries every 100 ms);
//   - connecting to a vpcd whose accept queue is full (a connection it has not accepted yet): the
//     connect does not finish until the kernel gives up on its SYNs, about two minutes;
//   - connected (the card is in the reader);
//   - pulled out through the control port ("remove").
#include "hc/testing/process.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace std::chrono_literals;
using hc::testing::Process;

namespace {

/** A listening socket on 127.0.0.1 (backlog 0: one connection waits to be accepted). */
struct Listener {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unsigned short port = 0;
    Listener() {
        sockaddr_in a {};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(fd, 0) == 0);
        socklen_t len = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
    }
    ~Listener() { ::close(fd); }
};

int connectTo(unsigned short port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a {};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    return fd;
}

/** One control command, its reply line. */
std::string control(unsigned short port, const std::string& line) {
    const int fd = connectTo(port);
    timeval tv { 5, 0 };
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const std::string msg = line + "\n";
    REQUIRE(::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(msg.size()));
    std::string reply;
    char c = 0;
    while (::recv(fd, &c, 1, 0) == 1 && c != '\n') {
        reply.push_back(c);
    }
    ::close(fd);
    return reply;
}

/** hcemu on a copy of the demo card, vpcd at 127.0.0.1:`vpcdPort`, control port from the kernel. */
struct Hcemu {
    hc::testing::TempDir dir { "hc-hcemu-sig-" };
    std::unique_ptr<Process> process;
    unsigned short controlPort = 0;

    explicit Hcemu(unsigned short vpcdPort) {
        std::filesystem::copy_file(
            hc::testing::sourcePath("firmware-tools/images/demo-card.json"), dir / "card.json");
        process = std::make_unique<Process>(
            std::vector<std::string> { hc::testing::binaryPath("hcemu").string(), "--image",
                (dir / "card.json").string(), "--port", std::to_string(vpcdPort), "--control-port",
                "0", "--verbose" },
            dir / "hcemu.log");
        // Its first line names the control port; it is written once the signals are watched.
        const std::string marker = "control on 127.0.0.1:";
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        for (;;) {
            const auto text = log();
            const auto at = text.find(marker);
            const auto eol = at == std::string::npos ? at : text.find('\n', at);
            if (eol != std::string::npos) {
                controlPort = static_cast<unsigned short>(
                    std::stoul(text.substr(at + marker.size(), eol - at - marker.size())));
                return;
            }
            REQUIRE_MESSAGE(process->running(), "hcemu exited at start: " << text);
            REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline,
                "hcemu did not report its control port: " << text);
            std::this_thread::sleep_for(10ms);
        }
    }
    std::string log() const { return hc::testing::readFile(dir / "hcemu.log"); }

    /** Sends `sig`; checks that hcemu exits by itself within 3 s with status 0. */
    void checkStopsOn(int sig) {
        process->signal(sig);
        const int status = process->wait(3000ms);
        INFO("hcemu log:\n" << log());
        REQUIRE_MESSAGE(status != -1, "hcemu still running 3 s after signal " << sig);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
};

} // namespace

TEST_CASE("hcemu waiting for vpcd (nothing listens): SIGTERM ends it with exit 0") {
    const unsigned short port = hc::testing::freeTcpPort();
    Hcemu emu(port);
    std::this_thread::sleep_for(300ms); // a few connection attempts
    CHECK(control(emu.controlPort, "status").rfind("ok removed", 0) == 0);
    emu.checkStopsOn(SIGTERM);
}

TEST_CASE("hcemu connecting to a vpcd whose accept queue is full: SIGTERM ends it with exit 0") {
    Listener vpcd;
    const int queued = connectTo(vpcd.port); // fills the queue: hcemu's SYNs are dropped
    Hcemu emu(vpcd.port);
    std::this_thread::sleep_for(300ms); // inside its connect by now
    emu.checkStopsOn(SIGTERM);
    ::close(queued);
}

TEST_CASE("hcemu connected to vpcd, then pulled out through the control port: SIGTERM and SIGINT "
          "end it with exit 0") {
    for (const int sig : { SIGTERM, SIGINT }) {
        for (const bool pulled : { false, true }) {
            CAPTURE(sig);
            CAPTURE(pulled);
            Listener vpcd;
            Hcemu emu(vpcd.port);
            const int card = ::accept(vpcd.fd, nullptr, nullptr); // the card is in the reader
            REQUIRE(card >= 0);
            const auto deadline = std::chrono::steady_clock::now() + 5s;
            while (control(emu.controlPort, "status").rfind("ok present", 0) != 0) {
                REQUIRE(std::chrono::steady_clock::now() < deadline);
                std::this_thread::sleep_for(20ms);
            }
            if (pulled) {
                CHECK(control(emu.controlPort, "remove") == "ok removed");
            }
            emu.checkStopsOn(sig);
            ::close(card);
        }
    }
}
