#include "hc/base/stop_signals.hpp"

#include <cerrno>
#include <ctime>
#include <pthread.h>
#include <stdexcept>

namespace hc {

StopSignals::StopSignals(bool hangup) {
    sigemptyset(&m_set);
    sigaddset(&m_set, SIGINT);
    sigaddset(&m_set, SIGTERM);
    if (hangup) {
        sigaddset(&m_set, SIGHUP);
    }
    if (pthread_sigmask(SIG_BLOCK, &m_set, &m_previous) != 0) {
        throw std::runtime_error("StopSignals: pthread_sigmask failed");
    }
    struct sigaction ignore { };
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGPIPE, &ignore, &m_previousPipe);
}

StopSignals::~StopSignals() {
    m_closing = true;
    if (m_watcher.joinable()) {
        m_watcher.join();
    }
    ::sigaction(SIGPIPE, &m_previousPipe, nullptr);
    pthread_sigmask(SIG_SETMASK, &m_previous, nullptr);
}

int StopSignals::wait() {
    for (;;) {
        int sig = 0;
        const int rc = sigwait(&m_set, &sig);
        if (rc == 0) {
            return sig;
        }
        if (rc != EINTR) {
            throw std::runtime_error("StopSignals: sigwait failed");
        }
    }
}

std::optional<int> StopSignals::waitFor(std::chrono::milliseconds timeout) {
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(timeout);
    timespec ts {};
    ts.tv_sec = static_cast<time_t>(s.count());
    ts.tv_nsec = static_cast<long>(std::chrono::nanoseconds(timeout - s).count());
    const int sig = sigtimedwait(&m_set, nullptr, &ts);
    if (sig < 0) {
        return std::nullopt; // EAGAIN (timeout) or EINTR
    }
    return sig;
}

void StopSignals::watch(std::function<void(int)> onSignal) {
    if (m_watcher.joinable()) {
        throw std::logic_error("StopSignals::watch: already watching");
    }
    m_watcher = std::thread([this, fn = std::move(onSignal)] {
        while (!m_closing) {
            if (const auto sig = waitFor(std::chrono::milliseconds(200))) {
                fn(*sig);
            }
        }
    });
}

} // namespace hc
