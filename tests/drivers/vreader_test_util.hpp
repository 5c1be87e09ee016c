// A fake emulator for the VirtualSlot unit tests: a loopback TCP client the test scripts byte by
// byte (what hcemu would send, or garbage).
#pragma once

#include <arpa/inet.h>
#include <cstdint>
#include <netinet/in.h>
#include <poll.h>
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

} // namespace hc::vreader::test
