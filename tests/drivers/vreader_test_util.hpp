// Test helpers of the driver tests: a fake emulator (a loopback TCP client the test scripts byte
// by byte: what hcemu would send, or garbage) and ports reserved from the kernel for a driver
// under test.
#pragma once

#include <arpa/inet.h>
#include <cstdint>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace hc::vreader::test {

class FakeEmulator {
public:
    explicit FakeEmulator(std::uint16_t port) {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a {};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        m_connected = ::connect(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    }
    ~FakeEmulator() { close(); }
    FakeEmulator(const FakeEmulator&) = delete;
    FakeEmulator& operator=(const FakeEmulator&) = delete;

    bool connected() const { return m_connected; }
    void close() {
        if (m_fd >= 0) {
            ::close(m_fd);
            m_fd = -1;
        }
    }
    /** Reads exactly n bytes (empty on EOF or after 2 s). */
    std::vector<std::uint8_t> read(std::size_t n) {
        std::vector<std::uint8_t> b(n);
        std::size_t got = 0;
        while (got < n) {
            pollfd p { m_fd, POLLIN, 0 };
            if (::poll(&p, 1, 2000) <= 0) {
                return {};
            }
            const ssize_t r = ::recv(m_fd, b.data() + got, n - got, 0);
            if (r <= 0) {
                return {};
            }
            got += static_cast<std::size_t>(r);
        }
        return b;
    }
    /** Reads one frame the reader sent (payload only). */
    std::vector<std::uint8_t> readFrame() {
        const auto h = read(2);
        if (h.size() != 2) {
            return {};
        }
        return read((std::size_t { h[0] } << 8) | h[1]);
    }
    void write(const std::vector<std::uint8_t>& bytes) {
        [[maybe_unused]] const auto w = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    }
    void writeFrame(const std::vector<std::uint8_t>& payload) {
        std::vector<std::uint8_t> f;
        f.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
        f.push_back(static_cast<std::uint8_t>(payload.size() & 0xFF));
        f.insert(f.end(), payload.begin(), payload.end());
        write(f);
    }

private:
    int m_fd = -1;
    bool m_connected = false;
};

/** Two adjacent loopback ports (`base()` and `base() + 1`, a reader's two slots) reserved from the
 * kernel and held until destruction, so that tests running in parallel never pick the same ports.
 *
 * Each port is bound without SO_REUSEADDR (the bind fails if any socket of any program holds the
 * port; the first one comes from bind to port 0), then marked SO_REUSEADDR and left bound, not
 * listening. No other program's bind can take it any more, but the driver under test, which binds
 * with SO_REUSEADDR, may listen on it: Linux lets a listener share the address with bound,
 * non-listening SO_REUSEADDR sockets. A connect to a reserved port nobody listens on is refused,
 * as for a free port. */
class ReservedPortPair {
public:
    ReservedPortPair() {
        for (int attempt = 0; attempt < 64; ++attempt) {
            const int first = reserve(0);
            const std::uint16_t port = boundPort(first);
            if (port != 0 && port < 0xFFFF) {
                const int second = reserve(static_cast<std::uint16_t>(port + 1));
                if (second >= 0) {
                    m_fds[0] = first;
                    m_fds[1] = second;
                    m_base = port;
                    return;
                }
            }
            if (first >= 0) {
                ::close(first);
            }
        }
        throw std::runtime_error("could not reserve two adjacent loopback ports in 64 tries");
    }
    ~ReservedPortPair() {
        for (const int fd : m_fds) {
            ::close(fd);
        }
    }
    ReservedPortPair(const ReservedPortPair&) = delete;
    ReservedPortPair& operator=(const ReservedPortPair&) = delete;

    std::uint16_t base() const { return m_base; }

private:
    /** A socket bound to 127.0.0.1:`port` (0: any port the kernel picks), or -1. */
    static int reserve(std::uint16_t port) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a {};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int one = 1;
        if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0
            || ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) {
            if (fd >= 0) {
                ::close(fd);
            }
            return -1;
        }
        return fd;
    }
    static std::uint16_t boundPort(int fd) {
        sockaddr_in a {};
        socklen_t len = sizeof a;
        if (fd < 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
            return 0;
        }
        return ntohs(a.sin_port);
    }
    int m_fds[2] { -1, -1 };
    std::uint16_t m_base = 0;
};

} // namespace hc::vreader::test
