#include "hc/emu/emulator.hpp"

#include "hc/card/error.hpp"
#include "hc/emu/vpcd_protocol.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <map>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace hc::emu {

namespace {

bool readExact(int fd, std::uint8_t* buf, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
        const ssize_t r = ::recv(fd, buf + got, n - got, MSG_WAITALL);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return false;
        }
        got += static_cast<std::size_t>(r);
    }
    return true;
}

void setQuickAck(int fd) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

void log(const std::string& line) {
    std::cerr << "hcemu: " << line << std::endl;
}

} // namespace

Emulator::Emulator(CardOs& os, EmulatorOptions options)
    : m_os(os)
    , m_options(std::move(options)) {
    if (::pipe2(m_wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        throw hc::Error(
            std::string("hcemu: pipe failed: ") + std::strerror(errno), hc::NextStep::CallStaff);
    }
    if (m_options.controlPort) {
        m_controlListen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        ::setsockopt(m_controlListen, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a {};
        a.sin_family = AF_INET;
        a.sin_port = htons(*m_options.controlPort);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(m_controlListen, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0
            || ::listen(m_controlListen, 4) != 0) {
            const std::string err = std::strerror(errno);
            ::close(m_controlListen);
            throw hc::Error("hcemu: cannot listen for control on 127.0.0.1:"
                    + std::to_string(*m_options.controlPort) + ": " + err
                    + "; choose another --control-port",
                hc::NextStep::CheckConfiguration);
        }
        socklen_t len = sizeof a;
        ::getsockname(m_controlListen, reinterpret_cast<sockaddr*>(&a), &len);
        m_boundControlPort = ntohs(a.sin_port);
    }
}

Emulator::~Emulator() {
    disconnectVpcd();
    if (m_controlListen >= 0) {
        ::close(m_controlListen);
    }
    ::close(m_wake[0]);
    ::close(m_wake[1]);
}

void Emulator::stop() {
    const char c = 'q';
    [[maybe_unused]] auto r = ::write(m_wake[1], &c, 1);
}

bool Emulator::connectVpcd() {
    // Non-blocking, waited for together with the stop pipe: a connect to a vpcd whose accept
    // queue is full (a previous connection not yet accepted) blocks until the kernel gives up on
    // its SYNs (about two minutes), and stop() - SIGTERM - must end the emulator in that state too.
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return false;
    }
    sockaddr_in a {};
    a.sin_family = AF_INET;
    a.sin_port = htons(m_options.vpcdPort);
    if (::inet_pton(AF_INET, m_options.vpcdHost.c_str(), &a.sin_addr) != 1) {
        ::close(fd);
        throw hc::Error("hcemu: --vpcd-host \"" + m_options.vpcdHost + "\" is not an IPv4 address",
            hc::NextStep::FixInput);
    }
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && !waitConnected(fd)) {
        ::close(fd);
        return false;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK); // frames are read and sent blocking
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    m_vpcd = fd;
    m_os.powerOff();
    if (m_options.verbose) {
        log("card inserted (connected to vpcd " + m_options.vpcdHost + ":"
            + std::to_string(m_options.vpcdPort) + ")");
    }
    return true;
}

bool Emulator::waitConnected(int fd) {
    if (errno != EINPROGRESS) {
        return false;
    }
    for (;;) {
        pollfd fds[2] = { { fd, POLLOUT, 0 }, { m_wake[0], POLLIN, 0 } };
        const int n = ::poll(fds, 2, -1);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 || fds[1].revents != 0) {
            return false; // stopped: run() sees the wake byte, which is left in the pipe
        }
        if (fds[0].revents != 0) {
            int err = 0;
            socklen_t len = sizeof err;
            return ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
        }
    }
}

void Emulator::disconnectVpcd() {
    if (m_vpcd >= 0) {
        ::shutdown(m_vpcd, SHUT_RDWR);
        ::close(m_vpcd);
        m_vpcd = -1;
        m_os.powerOff();
    }
}

void Emulator::sendFrame(hc::ByteView payload) {
    const hc::Bytes frame = encodeVpcdFrame(payload);
    std::size_t off = 0;
    while (off < frame.size()) {
        const ssize_t w = ::send(m_vpcd, frame.data() + off, frame.size() - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            disconnectVpcd();
            return;
        }
        off += static_cast<std::size_t>(w);
    }
}

bool Emulator::handleVpcdFrame() {
    setQuickAck(m_vpcd);
    std::uint8_t hdr[2];
    if (!readExact(m_vpcd, hdr, 2)) {
        return false;
    }
    const std::size_t len = (std::size_t { hdr[0] } << 8) | hdr[1];
    hc::Bytes payload(len);
    if (len > 0 && !readExact(m_vpcd, payload.data(), len)) {
        return false;
    }
    VpcdRequest req;
    try {
        req = decodeVpcdPayload(payload);
    } catch (const hc::InputError& e) {
        log(std::string("ignoring malformed frame: ") + e.what());
        return true;
    }
    if (const auto* ctl = std::get_if<VpcdControl>(&req)) {
        switch (*ctl) {
        case VpcdControl::PowerOff:
            m_os.powerOff();
            break;
        case VpcdControl::PowerOn:
            m_os.powerOn();
            break;
        case VpcdControl::Reset:
            m_os.reset();
            break;
        case VpcdControl::GetAtr:
            sendFrame(m_os.atr());
            break;
        }
        return true;
    }
    const auto& apdu = std::get<VpcdApdu>(req).bytes;
    const bool tearThis
        = m_tear != Tear::None && (!m_tearIns || (apdu.size() > 1 && apdu[1] == *m_tearIns));
    if (tearThis && m_tear == Tear::Before) {
        m_tear = Tear::None;
        m_inserted = false;
        log("card pulled before processing the APDU (tear before)");
        return false;
    }
    hc::Bytes rsp;
    if (m_forgeMac2 && apdu.size() > 1 && apdu[0] == 0x80 && apdu[1] == 0x54) {
        // "forge mac2": what a counterfeit card answers to DEBIT FOR PURCHASE (TAC || MAC2, 9000)
        // without any purse behind it.
        m_forgeMac2 = false;
        rsp = { 0x0B, 0xAD, 0x7A, 0xC0, 0x0B, 0xAD, 0x3A, 0xC2, 0x90, 0x00 };
        log("DEBIT FOR PURCHASE answered with a forged MAC2 (forge mac2)");
    } else {
        rsp = m_os.processRaw(apdu);
    }
    if (rsp.size() > kVpcdMaxPayload) {
        // 65534+ data bytes (a huge record, READ RECORD of all records with Le 0000): more than a
        // vpcd frame carries. Answer "wrong length" rather than end the emulator.
        log("response of " + std::to_string(rsp.size())
            + " bytes does not fit a vpcd frame; answered 6700");
        rsp = { 0x67, 0x00 };
    }
    if (m_options.verbose) {
        std::ostringstream os;
        os << "APDU INS=" << hc::toHex(hc::ByteView(apdu.data() + 1, 1))
           << " -> SW=" << hc::toHex(hc::ByteView(rsp.data() + rsp.size() - 2, 2));
        log(os.str());
    }
    if (const unsigned ms = m_os.personality().delayMs) {
        std::this_thread::sleep_for(std::chrono::milliseconds(ms)); // a slow card or link
    }
    if (tearThis && m_tear == Tear::After) {
        m_tear = Tear::None;
        m_inserted = false;
        log("card pulled after processing the APDU, before answering (tear after)");
        return false;
    }
    sendFrame(rsp);
    return true;
}

std::string Emulator::handleControl(const std::string& line) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    if (cmd == "remove") {
        m_inserted = false;
        disconnectVpcd();
        return "ok removed";
    }
    if (cmd == "insert") {
        m_inserted = true;
        if (m_vpcd < 0 && !connectVpcd()) {
            return "ok insert pending (vpcd not reachable yet)";
        }
        return "ok present";
    }
    if (cmd == "tear") {
        std::string when, ins;
        in >> when >> ins;
        if (when != "before" && when != "after") {
            return "error: tear needs before or after";
        }
        m_tearIns.reset();
        if (!ins.empty()) {
            try {
                const auto b = hc::fromHex(ins);
                if (b.size() != 1) {
                    return "error: INS is one byte";
                }
                m_tearIns = b[0];
            } catch (const hc::InputError& e) {
                return std::string("error: ") + e.what();
            }
        }
        m_tear = when == "before" ? Tear::Before : Tear::After;
        return "ok armed";
    }
    if (cmd == "forge") {
        std::string what;
        in >> what;
        if (what != "mac2") {
            return "error: forge needs mac2";
        }
        m_forgeMac2 = true;
        return "ok armed";
    }
    if (cmd == "status") {
        return std::string("ok ") + (m_vpcd >= 0 ? "present" : "removed")
            + " apdus=" + std::to_string(m_os.apduCount());
    }
    if (cmd == "quit") {
        m_quit = true;
        return "ok bye";
    }
    return "error: unknown command \"" + cmd + "\" (remove, insert, tear, forge, status, quit)";
}

void Emulator::run() {
    std::map<int, std::string> clients; // fd -> partial line
    auto lastAttempt = std::chrono::steady_clock::time_point {};
    while (!m_quit) {
        if (m_inserted && m_vpcd < 0) {
            const auto now = std::chrono::steady_clock::now();
            if (now - lastAttempt > std::chrono::milliseconds(100)) {
                lastAttempt = now;
                connectVpcd();
            }
        }
        std::vector<pollfd> fds;
        fds.push_back({ m_wake[0], POLLIN, 0 });
        if (m_controlListen >= 0) {
            fds.push_back({ m_controlListen, POLLIN, 0 });
        }
        for (const auto& [fd, _] : clients) {
            fds.push_back({ fd, POLLIN, 0 });
        }
        if (m_vpcd >= 0) {
            fds.push_back({ m_vpcd, POLLIN, 0 });
        }
        const int timeout = (m_inserted && m_vpcd < 0) ? 100 : -1;
        const int n = ::poll(fds.data(), fds.size(), timeout);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw hc::Error(std::string("hcemu: poll failed: ") + std::strerror(errno),
                hc::NextStep::CallStaff);
        }
        for (const auto& p : fds) {
            if (!p.revents) {
                continue;
            }
            if (p.fd == m_wake[0]) {
                m_quit = true;
            } else if (p.fd == m_controlListen) {
                const int c = ::accept4(m_controlListen, nullptr, nullptr, SOCK_CLOEXEC);
                if (c >= 0) {
                    clients[c] = {};
                }
            } else if (p.fd == m_vpcd) {
                if (!handleVpcdFrame()) {
                    disconnectVpcd();
                }
            } else if (clients.contains(p.fd)) {
                char buf[512];
                const ssize_t r = ::recv(p.fd, buf, sizeof buf, 0);
                if (r <= 0) {
                    ::close(p.fd);
                    clients.erase(p.fd);
                    continue;
                }
                auto& pending = clients[p.fd];
                pending.append(buf, static_cast<std::size_t>(r));
                std::size_t nl;
                while ((nl = pending.find('\n')) != std::string::npos) {
                    std::string line = pending.substr(0, nl);
                    pending.erase(0, nl + 1);
                    if (!line.empty() && line.back() == '\r') {
                        line.pop_back();
                    }
                    const std::string reply = handleControl(line) + "\n";
                    [[maybe_unused]] auto w
                        = ::send(p.fd, reply.data(), reply.size(), MSG_NOSIGNAL);
                }
                if (pending.size() > 4096) {
                    ::close(p.fd);
                    clients.erase(p.fd);
                }
            }
        }
    }
    for (const auto& [fd, _] : clients) {
        ::close(fd);
    }
    disconnectVpcd();
}

} // namespace hc::emu
