#include "hc/testing/tcp_ports.hpp"

#include "hc/testing/process.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace hc::testing {

namespace {

constexpr const char* kReservedPorts = "/proc/sys/net/ipv4/ip_local_reserved_ports";

// /proc/net/tcp's state column (include/net/tcp_states.h).
std::string stateName(const std::string& hex) {
    static const std::map<std::string, std::string> names { { "01", "ESTABLISHED" },
        { "02", "SYN_SENT" }, { "03", "SYN_RECV" }, { "04", "FIN_WAIT1" }, { "05", "FIN_WAIT2" },
        { "06", "TIME_WAIT" }, { "07", "CLOSE" }, { "08", "CLOSE_WAIT" }, { "09", "LAST_ACK" },
        { "0A", "LISTEN" }, { "0B", "CLOSING" } };
    const auto it = names.find(hex);
    return it == names.end() ? "state " + hex : it->second;
}

struct PortSocket {
    std::string state;
    std::string inode; // "0" for TIME_WAIT entries: no process owns them
};

// The sockets of /proc/net/tcp and tcp6 whose local port is `port`.
std::vector<PortSocket> socketsOnPort(unsigned short port) {
    std::vector<PortSocket> out;
    char want[8];
    std::snprintf(want, sizeof want, ":%04X", static_cast<unsigned>(port));
    for (const char* table : { "/proc/net/tcp", "/proc/net/tcp6" }) {
        std::ifstream in(table);
        std::string line;
        std::getline(in, line); // the header
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
            if (!(fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits
                    >> uid >> timeout >> inode)) {
                continue;
            }
            if (local.size() >= 5 && local.compare(local.size() - 5, 5, want) == 0) {
                out.push_back({ stateName(state), inode });
            }
        }
    }
    return out;
}

} // namespace

std::string reserveLocalPorts(const std::vector<unsigned short>& ports) {
    std::string current;
    {
        std::ifstream in(kReservedPorts);
        if (!in) {
            return std::string("cannot read ") + kReservedPorts;
        }
        std::getline(in, current);
    }
    std::string list = current;
    for (const auto p : ports) {
        list += (list.empty() ? "" : ",") + std::to_string(p);
    }
    // The kernel merges overlapping entries; writing what is already there changes nothing.
    std::ofstream out(kReservedPorts);
    out << list << '\n';
    out.flush();
    if (!out) {
        return std::string("cannot write ") + kReservedPorts + " (" + std::strerror(errno)
            + "; root in a network namespace with a writable /proc/sys is needed)";
    }
    return {};
}

bool canListenOn(unsigned short port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a {};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    const bool ok
        = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(fd, 1) == 0;
    ::close(fd);
    return ok;
}

std::string tcpPortHolders(unsigned short port) {
    std::string out;
    int timeWait = 0;
    for (const auto& s : socketsOnPort(port)) {
        if (s.inode == "0") {
            timeWait += s.state == "TIME_WAIT" ? 1 : 0;
            if (s.state != "TIME_WAIT") {
                out += (out.empty() ? "" : ", ") + s.state + " (no process)";
            }
            continue;
        }
        const auto owners = processesHolding("socket:[" + s.inode + "]", true);
        out += (out.empty() ? "" : ", ")
            + (owners.empty() ? "a process of another namespace or gone" : owners.front()) + " "
            + s.state;
    }
    if (timeWait > 0) {
        out += (out.empty() ? "" : ", ") + std::to_string(timeWait)
            + " connection(s) in TIME_WAIT (no process; the kernel frees them within 60 s)";
    }
    return out;
}

std::string waitUntilListenable(
    const std::vector<unsigned short>& ports, std::chrono::milliseconds timeout) {
    const auto start = std::chrono::steady_clock::now();
    bool reported = false;
    while (true) {
        std::string taken;
        for (const auto p : ports) {
            if (!canListenOn(p)) {
                const auto who = tcpPortHolders(p);
                taken += (taken.empty() ? "" : "; ") + ("port " + std::to_string(p) + ": ")
                    + (who.empty() ? "held by nothing /proc/net/tcp shows" : who);
            }
        }
        if (taken.empty()) {
            return {};
        }
        const auto waited = std::chrono::steady_clock::now() - start;
        if (waited >= timeout) {
            return taken;
        }
        if (!reported && waited >= std::chrono::seconds(5)) {
            std::fprintf(
                stderr, "hc-testing: waiting for the virtual readers' ports: %s\n", taken.c_str());
            std::fflush(stderr);
            reported = true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

} // namespace hc::testing
