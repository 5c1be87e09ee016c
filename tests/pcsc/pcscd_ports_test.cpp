// The test support's reader ports (tests/support/tcp_ports.cpp): vpcd binds 35963.. once, when
// pcscd loads it. On 2026-12-05 a CI run lost four PC/SC tests to "Address already in use": some
// other socket had port 35963 (inside the kernel's ephemeral range) when pcscd started, and pcscd
// came up without "Virtual PCD 00 00". A PcscdDaemon now reserves the ports, waits for them, and
// names whoever holds one.
#include "hc/testing/pcsc_stack.hpp"
#include "hc/testing/tcp_ports.hpp"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fstream>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace {

constexpr unsigned short kPort0 = 35963; // "Virtual PCD 00 00"

// A connection whose local port is `port`, bound without SO_REUSEADDR (as an ordinary client's
// is): while it lives no listener can take that port, SO_REUSEADDR or not.
class PortSquatter {
public:
    explicit PortSquatter(unsigned short port) {
        m_server = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a {};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(m_server, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(m_server, 1) == 0);
        socklen_t len = sizeof a;
        ::getsockname(m_server, reinterpret_cast<sockaddr*>(&a), &len);
        m_client = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in local {};
        local.sin_family = AF_INET;
        local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        local.sin_port = htons(port);
        REQUIRE_MESSAGE(::bind(m_client, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0,
            "port ", port, " must be free for this test: ", hc::testing::tcpPortHolders(port));
        REQUIRE(::connect(m_client, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        m_accepted = ::accept(m_server, nullptr, nullptr);
    }
    ~PortSquatter() { release(); }
    // The server side closes first: the TIME_WAIT stays on its (ephemeral) port, not on `port`.
    void release() {
        for (int* fd : { &m_accepted, &m_client, &m_server }) {
            if (*fd >= 0) {
                ::close(*fd);
                *fd = -1;
            }
        }
    }

private:
    int m_server = -1;
    int m_client = -1;
    int m_accepted = -1;
};

bool reserved(unsigned short port) {
    std::ifstream in("/proc/sys/net/ipv4/ip_local_reserved_ports");
    std::string list;
    std::getline(in, list);
    std::size_t at = 0;
    while (at <= list.size()) {
        const auto comma = std::min(list.find(',', at), list.size());
        const auto item = list.substr(at, comma - at);
        const auto dash = item.find('-');
        if (!item.empty()) {
            const auto lo = std::stoul(item.substr(0, dash));
            const auto hi = dash == std::string::npos ? lo : std::stoul(item.substr(dash + 1));
            if (port >= lo && port <= hi) {
                return true;
            }
        }
        at = comma + 1;
    }
    return false;
}

} // namespace

TEST_CASE("a reader port held by another socket: the daemon waits for it, then all six readers") {
    PortSquatter squatter(kPort0);
    CHECK_FALSE(hc::testing::canListenOn(kPort0));
    const auto holders = hc::testing::tcpPortHolders(kPort0);
    CHECK(holders.find("pid " + std::to_string(::getpid())) != std::string::npos);
    CHECK(holders.find("ESTABLISHED") != std::string::npos);

    std::thread later([&] {
        std::this_thread::sleep_for(std::chrono::seconds(2));
        squatter.release();
    });
    hc::testing::PcscdDaemon daemon; // throws when a reader is missing after 10 s
    later.join();
    CHECK(daemon.process().running());
    CHECK(daemon.log().find("Address already in use") == std::string::npos);
    // The kernel now hands these ports to no connect() and no bind to port 0.
    for (unsigned short p = 35963; p <= 35968; ++p) {
        CHECK_MESSAGE(reserved(p), "port ", p, " not in net.ipv4.ip_local_reserved_ports");
    }
}

TEST_CASE("a reader port that stays taken: the error names the port and who holds it") {
    PortSquatter squatter(kPort0);
    hc::testing::PcscdOptions o;
    o.portWait = std::chrono::milliseconds(300);
    try {
        hc::testing::PcscdDaemon daemon(o);
        FAIL("pcscd must not be started while one of its reader ports is taken");
    } catch (const std::exception& e) {
        const std::string what = e.what();
        CHECK(what.find("port 35963") != std::string::npos);
        CHECK(what.find("pid " + std::to_string(::getpid())) != std::string::npos);
    }
    squatter.release();
    hc::testing::PcscdDaemon next; // the lock was given back; the port is free again
    CHECK(next.process().running());
}
