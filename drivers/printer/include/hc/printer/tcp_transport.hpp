// TcpTransport: a raw TCP connection to a network receipt printer (port 9100) with connect,
// write and read timeouts (plain POSIX sockets, poll). One thread at a time.
#pragma once

#include "hc/printer/transport.hpp"

namespace hc::printer {

/** Raw TCP (JetDirect / port 9100) transport. */
class TcpTransport final : public Transport {
public:
    /** `host` is an IPv4/IPv6 literal or a name; `timeout` bounds connect, each write and read. */
    TcpTransport(std::string host, unsigned short port,
        std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));
    ~TcpTransport() override;
    TcpTransport(const TcpTransport&) = delete;
    TcpTransport& operator=(const TcpTransport&) = delete;

    void open() override;
    void close() noexcept override;
    void write(std::span<const std::uint8_t> bytes) override;
    std::size_t read(std::span<std::uint8_t> out, std::chrono::milliseconds timeout) override;
    bool canReadStatus() const override { return true; }
    std::string describe() const override;

private:
    std::string m_host;
    unsigned short m_port;
    std::chrono::milliseconds m_timeout;
    int m_fd = -1;
};

} // namespace hc::printer
