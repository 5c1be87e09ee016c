#include "hc/printer/tcp_transport.hpp"

#include "fd_io.hpp"
#include "hc/printer/error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace hc::printer {

namespace detail {

std::string lastError() {
    return std::strerror(errno);
}

void writeAll(int fd, std::span<const std::uint8_t> bytes, std::chrono::milliseconds timeout,
    const std::string& what) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        pollfd p { fd, POLLOUT, 0 };
        const int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            throw PrinterUnavailable(what + ": write timed out after " + std::to_string(done)
                + " of " + std::to_string(bytes.size()) + " bytes");
        }
        const auto n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        if (n < 0 && errno == ENOTSOCK) {
            const auto w = ::write(fd, bytes.data() + done, bytes.size() - done);
            if (w < 0) {
                throw PrinterUnavailable(what + ": write failed: " + lastError());
            }
            done += static_cast<std::size_t>(w);
            continue;
        }
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            throw PrinterUnavailable(what + ": write failed: " + lastError());
        }
        done += static_cast<std::size_t>(n);
    }
}

std::size_t readSome(int fd, std::span<std::uint8_t> out, std::chrono::milliseconds timeout,
    const std::string& what) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd p { fd, POLLIN, 0 };
        const int r = ::poll(&p, 1, static_cast<int>(std::max<long long>(0, left.count())));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            throw PrinterUnavailable(what + ": poll failed: " + lastError());
        }
        if (r == 0) {
            return 0;
        }
        const auto n = ::read(fd, out.data(), out.size());
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n < 0) {
            throw PrinterUnavailable(what + ": read failed: " + lastError());
        }
        if (n == 0) {
            throw PrinterUnavailable(what + ": the printer closed the connection");
        }
        return static_cast<std::size_t>(n);
    }
}

} // namespace detail

TcpTransport::TcpTransport(std::string host, unsigned short port, std::chrono::milliseconds timeout)
    : m_host(std::move(host))
    , m_port(port)
    , m_timeout(timeout) {
}

TcpTransport::~TcpTransport() {
    close();
}

std::string TcpTransport::describe() const {
    return "tcp " + m_host + ":" + std::to_string(m_port);
}

void TcpTransport::open() {
    if (m_fd >= 0) {
        return;
    }
    addrinfo hints {};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    const int gai = ::getaddrinfo(m_host.c_str(), std::to_string(m_port).c_str(), &hints, &list);
    if (gai != 0) {
        throw PrinterUnavailable(describe() + ": cannot resolve host: " + ::gai_strerror(gai));
    }
    std::string error = "no address";
    for (auto* ai = list; ai != nullptr; ai = ai->ai_next) {
        const int fd = ::socket(
            ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            error = detail::lastError();
            continue;
        }
        int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc < 0 && errno == EINPROGRESS) {
            pollfd p { fd, POLLOUT, 0 };
            rc = ::poll(&p, 1, static_cast<int>(m_timeout.count()));
            if (rc == 0) {
                error = "connect timed out after " + std::to_string(m_timeout.count()) + " ms";
                ::close(fd);
                continue;
            }
            int soError = 0;
            socklen_t len = sizeof soError;
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len);
            rc = soError == 0 ? 0 : -1;
            errno = soError;
        }
        if (rc < 0) {
            error = "connect failed: " + detail::lastError();
            ::close(fd);
            continue;
        }
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        m_fd = fd;
        break;
    }
    ::freeaddrinfo(list);
    if (m_fd < 0) {
        throw PrinterUnavailable(describe() + ": " + error);
    }
}

void TcpTransport::close() noexcept {
    if (m_fd >= 0) {
        ::shutdown(m_fd, SHUT_WR);
        // Let the printer read everything before the socket goes: wait (up to 2 s in all) for
        // its side to close, discarding anything it still sends.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        std::uint8_t sink[64];
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now())
                                  .count();
            pollfd p { m_fd, POLLIN, 0 };
            if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) {
                break;
            }
            if (::read(m_fd, sink, sizeof sink) <= 0) {
                break;
            }
        }
        ::close(m_fd);
        m_fd = -1;
    }
}

void TcpTransport::write(std::span<const std::uint8_t> bytes) {
    open();
    detail::writeAll(m_fd, bytes, m_timeout, describe());
}

std::size_t TcpTransport::read(std::span<std::uint8_t> out, std::chrono::milliseconds timeout) {
    open();
    return detail::readSome(m_fd, out, timeout, describe());
}

} // namespace hc::printer
