// Test helpers: wait for a simulator's port, and talk to escpos-sim's control line protocol.
#pragma once

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <netinet/in.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>
#include <unistd.h>

namespace hc::kiosk::test {

/** How long a helper below waits for the other side's reply before it fails the test, naming
 * what it waited for (a hung server must fail the test with a message, not run it into ctest's
 * timeout with no output). */
constexpr int kReplySeconds = 60;

/** Connects to 127.0.0.1:port; -1 when refused. Reads on the socket time out after
 * kReplySeconds. */
inline int connectLocal(unsigned short port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv {};
    tv.tv_sec = kReplySeconds;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

/** Reads until the peer closes; throws naming `what` when nothing more came for kReplySeconds. */
inline std::string readUntilClosed(int fd, const std::string& what) {
    std::string reply;
    char buf[1024];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            reply.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            ::close(fd);
            throw std::runtime_error(what + ": no answer within " + std::to_string(kReplySeconds)
                + " s (got " + std::to_string(reply.size()) + " bytes)");
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        return reply;
    }
}

/** Waits until something listens on the port (up to 10 s). */
inline void waitForPort(unsigned short port) {
    for (int i = 0; i < 200; ++i) {
        const int fd = connectLocal(port);
        if (fd >= 0) {
            ::close(fd);
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("nothing listens on port " + std::to_string(port));
}

/** Sends one control line and returns the reply line. */
inline std::string controlCommand(unsigned short port, const std::string& line) {
    const int fd = connectLocal(port);
    if (fd < 0) {
        throw std::runtime_error("control port refused");
    }
    const auto msg = line + "\n";
    if (::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(msg.size())) {
        ::close(fd);
        throw std::runtime_error("control send failed");
    }
    std::string reply;
    char c = 0;
    ssize_t n = 0;
    while ((n = ::read(fd, &c, 1)) == 1 && c != '\n') {
        reply.push_back(c);
    }
    ::close(fd);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        throw std::runtime_error("control line \"" + line + "\" on port " + std::to_string(port)
            + ": no answer within " + std::to_string(kReplySeconds) + " s");
    }
    return reply;
}

/** A one-shot HTTP GET (Connection: close); returns the whole response text. `headers`: more
 * header lines, each ending in CRLF (the kiosk's access cookie). */
inline std::string httpGet(
    unsigned short port, const std::string& path, const std::string& headers = {}) {
    const int fd = connectLocal(port);
    if (fd < 0) {
        throw std::runtime_error("HTTP port refused");
    }
    const auto msg = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        + headers + "\r\n";
    (void)::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL);
    auto reply = readUntilClosed(fd, "GET " + path + " on port " + std::to_string(port));
    ::close(fd);
    return reply;
}

/** A one-shot HTTP POST (Connection: close); returns the whole response text. */
inline std::string httpPost(unsigned short port, const std::string& path, const std::string& body,
    const std::string& headers = {}) {
    const int fd = connectLocal(port);
    if (fd < 0) {
        throw std::runtime_error("HTTP port refused");
    }
    const auto msg = "POST " + path
        + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
          "application/json\r\nConnection: close\r\nContent-Length: "
        + std::to_string(body.size()) + "\r\n" + headers + "\r\n" + body;
    (void)::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL);
    auto reply = readUntilClosed(fd, "POST " + path + " on port " + std::to_string(port));
    ::close(fd);
    return reply;
}

} // namespace hc::kiosk::test
