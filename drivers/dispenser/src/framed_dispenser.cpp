#include "hc/dispenser/framed_dispenser.hpp"

#include "hc/dispenser/frame.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

namespace hc::dispenser {

namespace {

std::string lastError() {
    return std::strerror(errno);
}

/** Closes a file descriptor at scope end. */
class Fd {
public:
    explicit Fd(int fd)
        : m_fd(fd) { }
    ~Fd() {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return m_fd; }

private:
    int m_fd;
};

int msLeft(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now())
                          .count();
    return left <= 0 ? 0 : static_cast<int>(left);
}

} // namespace

DispenserFault faultOfCode(std::string_view code) {
    if (code == "EMPTY") {
        return DispenserFault::Empty;
    }
    if (code == "JAM") {
        return DispenserFault::Jam;
    }
    if (code == "BINFULL") {
        return DispenserFault::BinFull;
    }
    if (code == "NOCARD") {
        return DispenserFault::NoCard;
    }
    if (code == "BUSY") {
        return DispenserFault::Busy;
    }
    return DispenserFault::Rejected;
}

DispenserReply parseReply(std::string_view payload) {
    DispenserReply r;
    std::string_view rest;
    if (payload.substr(0, 3) == "OK ") {
        r.ok = true;
        rest = payload.substr(3);
    } else if (payload.substr(0, 3) == "ER ") {
        const auto sp = payload.find(' ', 3);
        if (sp == std::string_view::npos) {
            throw DispenserProtocolError("dispenser reply: ER without a status");
        }
        const auto code = payload.substr(3, sp - 3);
        if (code.empty() || code.size() > 16) {
            throw DispenserProtocolError("dispenser reply: ER code must be 1 to 16 letters");
        }
        for (const char c : code) {
            if (c < 'A' || c > 'Z') {
                throw DispenserProtocolError("dispenser reply: ER code must be upper-case letters");
            }
        }
        r.code = std::string(code);
        rest = payload.substr(sp + 1);
    } else {
        throw DispenserProtocolError("dispenser reply: expected OK or ER");
    }
    r.status = parseStatus(rest);
    // The extra tokens, already checked by parseStatus.
    std::size_t pos = 0;
    while (pos < rest.size()) {
        const auto end = std::min(rest.find(' ', pos), rest.size());
        const auto tok = rest.substr(pos, end - pos);
        const auto eq = tok.find('=');
        if (eq != std::string_view::npos && eq > 1) {
            r.extra[std::string(tok.substr(0, eq))] = std::string(tok.substr(eq + 1));
        }
        pos = end + 1;
    }
    return r;
}

FramedDispenser::FramedDispenser(std::string address, std::chrono::milliseconds timeout)
    : m_address(std::move(address))
    , m_timeout(timeout) {
    if (m_address.rfind("tcp:", 0) == 0) {
        const auto colon = m_address.rfind(':');
        if (colon <= 4) {
            throw hc::InputError("dispenser address: expected tcp:HOST:PORT");
        }
        m_host = m_address.substr(4, colon - 4);
        int port = 0;
        try {
            port = std::stoi(m_address.substr(colon + 1));
        } catch (const std::exception&) {
            port = 0;
        }
        if (port < 1 || port > 65535 || m_host.empty()) {
            throw hc::InputError("dispenser address: expected tcp:HOST:PORT (port 1..65535)");
        }
        m_port = static_cast<unsigned short>(port);
    } else if (m_address.empty() || m_address[0] != '/') {
        throw hc::InputError("dispenser address: expected tcp:HOST:PORT or a serial device path");
    }
}

int FramedDispenser::open() const {
    if (m_port == 0) {
        const int fd = ::open(m_address.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) {
            throw DispenserUnavailable("dispenser " + m_address + ": cannot open: " + lastError());
        }
        termios t {};
        if (::tcgetattr(fd, &t) == 0) {
            ::cfmakeraw(&t);
            ::cfsetispeed(&t, B9600);
            ::cfsetospeed(&t, B9600);
            t.c_cflag |= CLOCAL | CREAD;
            ::tcsetattr(fd, TCSANOW, &t);
        }
        return fd;
    }
    addrinfo hints {};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    const int gai = ::getaddrinfo(m_host.c_str(), std::to_string(m_port).c_str(), &hints, &list);
    if (gai != 0) {
        throw DispenserUnavailable(
            "dispenser " + m_address + ": cannot resolve host: " + ::gai_strerror(gai));
    }
    std::string error = "no address";
    int found = -1;
    for (auto* ai = list; ai != nullptr && found < 0; ai = ai->ai_next) {
        const int fd = ::socket(
            ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            error = lastError();
            continue;
        }
        int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc < 0 && errno == EINPROGRESS) {
            pollfd p { fd, POLLOUT, 0 };
            rc = ::poll(&p, 1, static_cast<int>(m_timeout.count()));
            int soError = 0;
            socklen_t len = sizeof soError;
            if (rc == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len) == 0
                && soError == 0) {
                rc = 0;
            } else {
                error = rc == 0 ? "connect timed out" : std::strerror(soError);
                rc = -1;
            }
        } else if (rc < 0) {
            error = lastError();
        }
        if (rc == 0) {
            found = fd;
        } else {
            ::close(fd);
        }
    }
    ::freeaddrinfo(list);
    if (found < 0) {
        throw DispenserUnavailable("dispenser " + m_address + ": cannot connect: " + error);
    }
    return found;
}

DispenserReply FramedDispenser::command(std::string_view payload) {
    const auto frame = encodeFrame(payload);
    const auto deadline = std::chrono::steady_clock::now() + m_timeout;
    Fd fd(open());
    std::size_t done = 0;
    while (done < frame.size()) {
        pollfd p { fd.get(), POLLOUT, 0 };
        const int r = ::poll(&p, 1, msLeft(deadline));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            throw DispenserUnavailable("dispenser " + m_address + ": write timed out");
        }
        const auto n = ::write(fd.get(), frame.data() + done, frame.size() - done);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            throw DispenserUnavailable("dispenser " + m_address + ": write failed: " + lastError());
        }
        done += static_cast<std::size_t>(n);
    }
    FrameReader reader;
    for (;;) {
        if (auto reply = reader.next()) {
            return parseReply(*reply);
        }
        pollfd p { fd.get(), POLLIN, 0 };
        const int r = ::poll(&p, 1, msLeft(deadline));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            throw DispenserUnavailable("dispenser " + m_address + ": no reply within "
                + std::to_string(m_timeout.count()) + " ms");
        }
        std::uint8_t buf[512];
        const auto n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n <= 0) {
            throw DispenserUnavailable("dispenser " + m_address
                + ": connection closed before "
                  "a whole reply");
        }
        reader.feed(std::span<const std::uint8_t>(buf, static_cast<std::size_t>(n)));
    }
}

DispenserStatus FramedDispenser::move(std::string_view payload, const char* what) {
    const auto r = command(payload);
    if (!r.ok) {
        throw DispenserError("dispenser " + m_address + ": " + what + " refused: " + r.code,
            faultOfCode(r.code), r.status);
    }
    return r.status;
}

DispenserStatus FramedDispenser::status() {
    return move("ST", "status");
}

DispenserStatus FramedDispenser::moveToIc() {
    return move("MI", "move to IC position");
}

DispenserStatus FramedDispenser::eject() {
    return move("EJ", "eject to the gate");
}

DispenserStatus FramedDispenser::capture() {
    return move("CP", "capture to the reject bin");
}

} // namespace hc::dispenser
