#include "sim_device.hpp"

#include "hc/dispenser/status.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <iostream>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace hc::dispenser::sim {

namespace fs = std::filesystem;

namespace {

unsigned short freePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a {};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

void log(const std::string& line) {
    std::cerr << "dispenser-sim: " << line << std::endl;
}

} // namespace

SimDevice::SimDevice(SimOptions options)
    : m_o(std::move(options)) {
    fs::create_directories(m_o.dir / "bin");
    fs::create_directories(m_o.dir / "taken");
}

SimDevice::~SimDevice() {
    stopCard();
}

std::string SimDevice::status() const {
    DispenserStatus s;
    s.stock = m_o.stock;
    s.low = m_o.stock <= m_o.lowMark;
    s.binCount = m_bin;
    s.binFull = m_bin >= m_o.binCapacity;
    s.position = m_position == 'I' ? CardPosition::IcPosition
        : m_position == 'G'        ? CardPosition::Gate
                                   : CardPosition::None;
    s.jam = m_jam;
    return formatStatus(s);
}

std::string SimDevice::ok(const std::string& extra) const {
    return "OK " + status() + (extra.empty() ? "" : " " + extra);
}

std::string SimDevice::er(const std::string& code) const {
    return "ER " + code + " " + status();
}

std::string SimDevice::control(const std::string& line) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a {};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(m_controlPort);
    std::string reply;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
        const auto msg = line + "\n";
        if (::write(fd, msg.data(), msg.size()) == static_cast<ssize_t>(msg.size())) {
            char buf[256];
            pollfd p { fd, POLLIN, 0 };
            while (reply.find('\n') == std::string::npos && ::poll(&p, 1, 2000) == 1) {
                const auto n = ::read(fd, buf, sizeof buf);
                if (n <= 0) {
                    break;
                }
                reply.append(buf, static_cast<std::size_t>(n));
            }
        }
    }
    ::close(fd);
    return reply;
}

void SimDevice::startCard() {
    // The transport takes a moment, and pcscd (vpcd polls every 400 ms) must see the reader empty
    // between two cards, or it keeps the previous card's ATR for the new one.
    const auto ready = m_left + std::chrono::milliseconds(1200);
    if (std::chrono::steady_clock::now() < ready) {
        std::this_thread::sleep_until(ready);
    }
    ++m_serial;
    m_image = m_o.dir / ("card-" + std::to_string(m_serial) + ".json");
    fs::remove(m_image);
    if (m_o.hcemu.empty()) {
        return;
    }
    m_controlPort = freePort();
    const std::string image = m_image.string();
    const std::string slot = std::to_string(m_o.slot);
    const std::string port = std::to_string(m_controlPort);
    const std::string bin = m_o.hcemu.string();
    const pid_t pid = ::fork();
    if (pid == 0) {
        // hcemu starts with the signals as a fresh process has them: main() blocks SIGINT/SIGTERM
        // (hc::StopSignals) and ignores SIGPIPE, and both would be inherited through exec.
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::signal(SIGPIPE, SIG_DFL);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        const char* argv[] = { bin.c_str(), "--blank", "--image", image.c_str(), "--slot",
            slot.c_str(), "--control-port", port.c_str(), nullptr };
        ::execv(bin.c_str(), const_cast<char* const*>(argv));
        ::_exit(127);
    }
    m_child = pid;
    // The card is at the contacts once hcemu is connected to vpcd.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        if (control("status").rfind("ok present", 0) == 0) {
            log("card " + std::to_string(m_serial) + " at the IC position (vpcd slot " + slot + ", "
                + image + ")");
            return;
        }
        int st = 0;
        if (::waitpid(m_child, &st, WNOHANG) == m_child) {
            m_child = -1;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    log("hcemu did not connect to vpcd slot " + slot + " within 10 s");
}

void SimDevice::stopCard() {
    if (m_child <= 0) {
        return;
    }
    m_left = std::chrono::steady_clock::now();
    ::kill(m_child, SIGTERM);
    for (int i = 0; i < 100; ++i) {
        int st = 0;
        if (::waitpid(m_child, &st, WNOHANG) == m_child) {
            m_child = -1;
            m_left = std::chrono::steady_clock::now();
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(m_child, SIGKILL);
    ::waitpid(m_child, nullptr, 0);
    m_child = -1;
    m_left = std::chrono::steady_clock::now();
}

std::string SimDevice::handle(const std::string& command) {
    const auto cmd = command.substr(0, 2);
    const auto arg = command.size() > 3 ? command.substr(3) : std::string();
    const bool move = cmd == "MI" || cmd == "EJ" || cmd == "CP";
    if (move && m_jamNext) {
        m_jamNext = false;
        m_jam = true;
        log(cmd + ": jam (armed by XJ)");
    }
    if (move && m_jam) {
        return er("JAM");
    }
    if (cmd == "ST") {
        return ok();
    }
    if (cmd == "MI") {
        if (m_position != 'N') {
            return er("BUSY");
        }
        if (m_o.stock == 0) {
            return er("EMPTY");
        }
        --m_o.stock;
        startCard();
        m_position = 'I';
        return ok();
    }
    if (cmd == "EJ") {
        if (m_position != 'I') {
            return er("NOCARD");
        }
        if (m_child > 0) {
            control("remove"); // out of the reader's contacts
            stopCard();
        }
        m_position = 'G';
        log("card " + std::to_string(m_serial) + " at the gate");
        return ok();
    }
    if (cmd == "CP") {
        if (m_position == 'N') {
            return er("NOCARD");
        }
        if (m_bin >= m_o.binCapacity) {
            return er("BINFULL");
        }
        stopCard();
        std::error_code ec;
        fs::rename(m_image, m_o.dir / "bin" / m_image.filename(), ec);
        ++m_bin;
        m_position = 'N';
        log("card " + std::to_string(m_serial) + " captured into the reject bin ("
            + std::to_string(m_bin) + ")");
        return ok();
    }
    // The simulator's own commands (tests, staff).
    if (cmd == "XT") {
        if (m_position != 'G') {
            return er("NOCARD");
        }
        const auto to = m_o.dir / "taken" / m_image.filename();
        std::error_code ec;
        fs::rename(m_image, to, ec);
        m_position = 'N';
        log("card " + std::to_string(m_serial) + " taken from the gate");
        return ok("IMG=" + to.string());
    }
    if (cmd == "XJ") {
        m_jamNext = true;
        return ok();
    }
    if (cmd == "XR") {
        m_jam = false;
        return ok();
    }
    if (cmd == "XS") {
        try {
            m_o.stock = static_cast<std::uint32_t>(std::stoul(arg));
        } catch (const std::exception&) {
            return er("BADARG");
        }
        return ok();
    }
    if (cmd == "XE") {
        m_bin = 0;
        return ok();
    }
    return er("BADCMD");
}

} // namespace hc::dispenser::sim
