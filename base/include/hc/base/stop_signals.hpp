// The signals that end a server: SIGINT and SIGTERM (and SIGHUP when asked). Construct one in
// main() BEFORE starting any thread: it blocks these signals in the calling thread, and every
// thread started afterwards inherits the mask, so no thread is killed by them and no poll is
// interrupted; the program takes them one at a time with wait() (or a callback, watch()).
// SIGPIPE is ignored while it lives (a peer closing a socket must not end a server).
// A child process started while it lives inherits the blocked mask (and would ignore SIGTERM) and
// the ignored SIGPIPE: a program that starts children must restore both in the child before exec
// (dispenser-sim does for the hcemu it starts: sigprocmask to an empty set, SIGPIPE to SIG_DFL).
//
//   hc::StopSignals signals;
//   server.start();
//   const int sig = signals.wait();          // blocks until SIGINT/SIGTERM
//   server.stop();
//
// On destruction the previous signal mask and SIGPIPE disposition come back. One per process.
#pragma once

#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <optional>
#include <thread>

namespace hc {

/** SIGINT/SIGTERM (optionally SIGHUP) taken synchronously instead of by a handler. */
class StopSignals {
public:
    /** Blocks SIGINT and SIGTERM (and SIGHUP when `hangup`) in this thread and in the threads
     *  started after it. */
    explicit StopSignals(bool hangup = false);
    /** Ends a watch() thread and restores the signal mask. */
    ~StopSignals();
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

    /** Blocks until one of the signals arrives; returns its number. */
    int wait();
    /** Like wait(), for at most `timeout`; nullopt when none came. */
    std::optional<int> waitFor(std::chrono::milliseconds timeout);
    /** Calls `onSignal(number)` on a thread of its own for every signal that arrives, until
     *  destruction (for programs whose main thread runs a loop of its own). Once only. */
    void watch(std::function<void(int)> onSignal);

private:
    sigset_t m_set {};
    sigset_t m_previous {};
    struct sigaction m_previousPipe { };
    std::atomic<bool> m_closing { false };
    std::thread m_watcher;
};

} // namespace hc
