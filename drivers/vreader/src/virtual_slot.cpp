#include "hc/vreader/virtual_slot.hpp"

#include "hc/vreader/frame.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace hc::vreader {

namespace {

using Clock = std::chrono::steady_clock;

std::string errnoText() {
    return std::strerror(errno);
}

/** Milliseconds left until `deadline`, at least 0, as poll() wants them. */
int msLeft(Clock::time_point deadline) {
    const auto left
        = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(left);
}

} // namespace

VirtualSlot::VirtualSlot(SlotOptions options, LogSink log)
    : m_options(std::move(options))
    , m_log(std::move(log)) {
    sockaddr_in a {};
    a.sin_family = AF_INET;
    a.sin_port = htons(m_options.port);
    if (::inet_pton(AF_INET, m_options.bindAddress.c_str(), &a.sin_addr) != 1) {
        throw VreaderError("virtual reader: \"" + m_options.bindAddress
            + "\" is not an IPv4 address (DEVICENAME is <address>:<port>)");
    }
    m_wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (m_wake < 0 || m_listen < 0) {
        const std::string why = errnoText();
        for (const int fd : { m_wake, m_listen }) {
            if (fd >= 0) {
                ::close(fd);
            }
        }
        throw VreaderError("virtual reader: cannot create sockets: " + why);
    }
    int one = 1;
    ::setsockopt(m_listen, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(m_listen, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0
        || ::listen(m_listen, 4) != 0) {
        const std::string why = errnoText();
        const auto port = m_options.port;
        ::close(m_listen);
        ::close(m_wake);
        m_listen = m_wake = -1;
        throw VreaderError("virtual reader: cannot listen on " + m_options.bindAddress + ":"
            + std::to_string(port) + ": " + why + " (another reader or program has the port?)");
    }
    socklen_t len = sizeof a;
    ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&a), &len);
    m_port = ntohs(a.sin_port);
}

VirtualSlot::~VirtualSlot() {
    for (int* fd : { &m_conn, &m_listen, &m_wake }) {
        if (*fd >= 0) {
            ::close(*fd);
            *fd = -1;
        }
    }
}

void VirtualSlot::log(LogLevel level, const std::string& line) const {
    if (m_log) {
        m_log(level, "port " + std::to_string(m_port) + ": " + line);
    }
}

void VirtualSlot::signalLocked() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto w = ::write(m_wake, &one, sizeof one);
}

void VirtualSlot::acceptLocked() {
    const int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        return; // nothing pending (EAGAIN) or the connection was reset before we took it
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    m_conn = fd;
    m_atr.clear();
    log(LogLevel::Info, "emulator connected: card inserted");
    signalLocked();
}

void VirtualSlot::dropLocked(const std::string& why) {
    if (m_conn < 0) {
        return;
    }
    ::shutdown(m_conn, SHUT_RDWR);
    ::close(m_conn);
    m_conn = -1;
    m_atr.clear();
    log(LogLevel::Info, "card removed: " + why);
    signalLocked();
}

bool VirtualSlot::aliveLocked() {
    std::uint8_t b;
    const ssize_t r = ::recv(m_conn, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    if (r == 0) {
        dropLocked("the emulator closed the connection");
        return false;
    }
    if (r < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            return true;
        }
        dropLocked("connection error: " + errnoText());
        return false;
    }
    // The emulator only ever answers: bytes nobody asked for mean the link is out of step.
    dropLocked("the emulator sent bytes nobody asked for (out of step)");
    return false;
}

bool VirtualSlot::present() {
    const std::lock_guard lock(m_mutex);
    if (m_conn < 0) {
        acceptLocked();
    }
    return m_conn >= 0 && aliveLocked();
}

bool VirtualSlot::sendLocked(std::span<const std::uint8_t> frame) {
    const auto deadline = Clock::now() + m_options.responseTimeout;
    std::size_t off = 0;
    while (off < frame.size()) {
        const ssize_t w = ::send(m_conn, frame.data() + off, frame.size() - off, MSG_NOSIGNAL);
        if (w > 0) {
            off += static_cast<std::size_t>(w);
            continue;
        }
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            pollfd p { m_conn, POLLOUT, 0 };
            if (::poll(&p, 1, msLeft(deadline)) > 0) {
                continue;
            }
            dropLocked("the emulator did not take a frame within the timeout");
            return false;
        }
        dropLocked("send failed: " + errnoText());
        return false;
    }
    return true;
}

bool VirtualSlot::readFrameLocked(std::size_t maxPayload, std::vector<std::uint8_t>& payload) {
    const auto deadline = Clock::now() + m_options.responseTimeout;
    std::vector<std::uint8_t> buf;
    buf.reserve(2);
    while (true) {
        const FrameSplit split = splitFrame(buf, maxPayload);
        if (split.status == FrameStatus::Complete) {
            payload.assign(split.payload.begin(), split.payload.end());
            return true;
        }
        if (split.status != FrameStatus::NeedMore) {
            dropLocked(std::string("bad answer: ") + std::string(describe(split.status)));
            return false;
        }
        // Read exactly what is missing: the header, then the payload it announces.
        const std::size_t want = buf.size() < 2
            ? 2 - buf.size()
            : 2 + ((std::size_t { buf[0] } << 8) | buf[1]) - buf.size();
        const std::size_t had = buf.size();
        buf.resize(had + want);
        const ssize_t r = ::recv(m_conn, buf.data() + had, want, 0);
        if (r > 0) {
            buf.resize(had + static_cast<std::size_t>(r));
            continue;
        }
        buf.resize(had);
        if (r == 0) {
            dropLocked(had == 0 ? "the emulator closed the connection instead of answering"
                                : "the emulator closed the connection in the middle of an answer");
            return false;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            dropLocked("receive failed: " + errnoText());
            return false;
        }
        pollfd p { m_conn, POLLIN, 0 };
        if (::poll(&p, 1, msLeft(deadline)) <= 0) {
            dropLocked(
                "no answer within " + std::to_string(m_options.responseTimeout.count()) + " ms");
            return false;
        }
    }
}

SlotResult VirtualSlot::powerLocked(bool reset, std::vector<std::uint8_t>& atr) {
    if (m_conn < 0) {
        return SlotResult::NoCard;
    }
    if (!sendLocked(encodeControl(reset ? Control::Reset : Control::PowerOn))
        || !sendLocked(encodeControl(Control::GetAtr))) {
        return SlotResult::CommunicationError;
    }
    std::vector<std::uint8_t> got;
    if (!readFrameLocked(kMaxAtrSize, got)) {
        return SlotResult::CommunicationError;
    }
    const AtrStatus s = checkAtr(got);
    if (s != AtrStatus::Ok) {
        dropLocked(std::string("bad ATR: ") + std::string(describe(s)));
        return SlotResult::CommunicationError;
    }
    m_atr = got;
    atr = std::move(got);
    return SlotResult::Ok;
}

SlotResult VirtualSlot::powerUp(std::vector<std::uint8_t>& atr) {
    const std::lock_guard lock(m_mutex);
    return powerLocked(false, atr);
}

SlotResult VirtualSlot::reset(std::vector<std::uint8_t>& atr) {
    const std::lock_guard lock(m_mutex);
    return powerLocked(true, atr);
}

SlotResult VirtualSlot::powerDown() {
    const std::lock_guard lock(m_mutex);
    if (m_conn < 0) {
        return SlotResult::NoCard;
    }
    m_atr.clear();
    return sendLocked(encodeControl(Control::PowerOff)) ? SlotResult::Ok
                                                        : SlotResult::CommunicationError;
}

std::vector<std::uint8_t> VirtualSlot::atr() const {
    const std::lock_guard lock(m_mutex);
    return m_atr;
}

SlotResult VirtualSlot::transmit(std::span<const std::uint8_t> command,
    std::vector<std::uint8_t>& response, std::size_t capacity) {
    const auto frame = encodeCommand(command);
    if (frame.empty()) {
        log(LogLevel::Error,
            "refused a C-APDU of " + std::to_string(command.size()) + " bytes (4 to 65535)");
        return SlotResult::BadCommand;
    }
    const std::lock_guard lock(m_mutex);
    if (m_conn < 0) {
        return SlotResult::NoCard;
    }
    std::vector<std::uint8_t> got;
    if (!sendLocked(frame) || !readFrameLocked(kMaxFramePayload, got)) {
        return SlotResult::CommunicationError;
    }
    const ResponseStatus s = checkResponse(got, capacity);
    if (s == ResponseStatus::TooShort) {
        dropLocked(std::string("bad R-APDU: ") + std::string(describe(s)));
        return SlotResult::CommunicationError;
    }
    if (s == ResponseStatus::TooLong) {
        log(LogLevel::Error,
            "R-APDU of " + std::to_string(got.size()) + " bytes for a buffer of "
                + std::to_string(capacity));
        return SlotResult::BufferTooSmall;
    }
    response = std::move(got);
    return SlotResult::Ok;
}

Wake VirtualSlot::waitForEvent(std::chrono::milliseconds timeout) {
    pollfd p[2] {};
    {
        const std::lock_guard lock(m_mutex);
        if (m_stopped) {
            return Wake::Stopped;
        }
        std::uint64_t drained;
        [[maybe_unused]] const auto r = ::read(m_wake, &drained, sizeof drained);
        // Absent: a connection arriving on the listening socket. Present: the peer closing
        // (POLLRDHUP; POLLHUP and POLLERR come anyway), not the answers another thread reads.
        p[0].fd = m_conn >= 0 ? m_conn : m_listen;
        p[0].events = static_cast<short>(m_conn >= 0 ? POLLRDHUP : POLLIN);
        p[1].fd = m_wake;
        p[1].events = POLLIN;
    }
    const int ms = timeout.count() < 0
        ? -1
        : static_cast<int>(std::min<long long>(timeout.count(), 24LL * 3600 * 1000));
    int n;
    do {
        n = ::poll(p, 2, ms);
    } while (n < 0 && errno == EINTR);
    if (n == 0) {
        return Wake::Timeout;
    }
    const std::lock_guard lock(m_mutex);
    return m_stopped ? Wake::Stopped : Wake::Event;
}

void VirtualSlot::stop() {
    const std::lock_guard lock(m_mutex);
    m_stopped = true;
    signalLocked();
}

} // namespace hc::vreader
