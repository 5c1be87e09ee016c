#include "hc/printer/serial_transport.hpp"

#include "fd_io.hpp"
#include "hc/card/error.hpp"
#include "hc/printer/error.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

namespace hc::printer {

namespace {
speed_t speedFor(int baud) {
    switch (baud) {
    case 9600:
        return B9600;
    case 19200:
        return B19200;
    case 38400:
        return B38400;
    case 57600:
        return B57600;
    case 115200:
        return B115200;
    default:
        throw hc::InputError("serial baud rate " + std::to_string(baud)
            + " is not one of 9600, 19200, 38400, 57600, 115200");
    }
}
} // namespace

SerialTransport::SerialTransport(
    std::string device, int baud, bool rtsCts, std::chrono::milliseconds timeout)
    : m_device(std::move(device))
    , m_baud(baud)
    , m_rtsCts(rtsCts)
    , m_timeout(timeout) {
    (void)speedFor(baud);
}

SerialTransport::~SerialTransport() {
    close();
}

std::string SerialTransport::describe() const {
    return "serial " + m_device + " " + std::to_string(m_baud);
}

void SerialTransport::open() {
    if (m_fd >= 0) {
        return;
    }
    const int fd = ::open(m_device.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        throw PrinterUnavailable(describe() + ": cannot open: " + detail::lastError());
    }
    termios tio {};
    if (::tcgetattr(fd, &tio) != 0) {
        const auto e = detail::lastError();
        ::close(fd);
        throw PrinterUnavailable(describe() + ": not a serial port: " + e);
    }
    ::cfmakeraw(&tio);
    const auto speed = speedFor(m_baud);
    ::cfsetispeed(&tio, speed);
    ::cfsetospeed(&tio, speed);
    tio.c_cflag |= CLOCAL | CREAD;
    tio.c_cflag &= ~static_cast<tcflag_t>(CSTOPB | PARENB);
    if (m_rtsCts) {
        tio.c_cflag |= CRTSCTS;
    } else {
        tio.c_cflag &= ~static_cast<tcflag_t>(CRTSCTS);
    }
    tio.c_cc[VMIN] = 0;
    tio.c_cc[VTIME] = 0;
    if (::tcsetattr(fd, TCSANOW, &tio) != 0) {
        const auto e = detail::lastError();
        ::close(fd);
        throw PrinterUnavailable(describe() + ": cannot configure: " + e);
    }
    m_fd = fd;
}

void SerialTransport::close() noexcept {
    if (m_fd >= 0) {
        ::tcdrain(m_fd);
        ::close(m_fd);
        m_fd = -1;
    }
}

void SerialTransport::write(std::span<const std::uint8_t> bytes) {
    open();
    detail::writeAll(m_fd, bytes, m_timeout, describe());
}

std::size_t SerialTransport::read(std::span<std::uint8_t> out, std::chrono::milliseconds timeout) {
    open();
    return detail::readSome(m_fd, out, timeout, describe());
}

} // namespace hc::printer
