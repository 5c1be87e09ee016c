// SerialTransport: a receipt printer on a serial port (termios raw mode, 8N1, configurable baud,
// optional RTS/CTS). Works with a pty in tests. One thread at a time.
#pragma once

#include "hc/printer/transport.hpp"

namespace hc::printer {

/** Serial-port transport. */
class SerialTransport final : public Transport {
public:
    /** `baud` is one of 9600, 19200, 38400, 57600, 115200 (else hc::InputError). */
    SerialTransport(std::string device, int baud = 115200, bool rtsCts = false,
        std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));
    ~SerialTransport() override;
    SerialTransport(const SerialTransport&) = delete;
    SerialTransport& operator=(const SerialTransport&) = delete;

    void open() override;
    void close() noexcept override;
    void write(std::span<const std::uint8_t> bytes) override;
    std::size_t read(std::span<std::uint8_t> out, std::chrono::milliseconds timeout) override;
    bool canReadStatus() const override { return true; }
    std::string describe() const override;

private:
    std::string m_device;
    int m_baud;
    bool m_rtsCts;
    std::chrono::milliseconds m_timeout;
    int m_fd = -1;
};

} // namespace hc::printer
