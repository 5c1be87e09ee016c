// Start a helper process (center-sim, settlementd) and stop it by pid (tests only).
#pragma once

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace hc::settle::test {

class Process {
public:
    Process(const std::vector<std::string>& argv, const std::string& logFile) {
        std::fflush(nullptr);
        m_pid = ::fork();
        if (m_pid < 0) {
            throw std::runtime_error("fork failed");
        }
        if (m_pid == 0) {
            if (std::freopen(logFile.c_str(), "a", stdout) == nullptr
                || std::freopen(logFile.c_str(), "a", stderr) == nullptr) {
                ::_exit(126);
            }
            std::vector<char*> args;
            for (const auto& a : argv) {
                args.push_back(const_cast<char*>(a.c_str()));
            }
            args.push_back(nullptr);
            ::execv(args[0], args.data());
            ::_exit(127);
        }
    }
    ~Process() { stop(SIGTERM); }
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    /** Send `sig` and reap the child. */
    void stop(int sig) {
        if (m_pid > 0) {
            ::kill(m_pid, sig);
            int status = 0;
            ::waitpid(m_pid, &status, 0);
            m_pid = -1;
        }
    }
    pid_t pid() const { return m_pid; }

private:
    pid_t m_pid = -1;
};

/** Wait until `file` holds a port number; throws after `timeout`. */
inline unsigned short waitForPort(
    const std::string& file, std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        std::ifstream f(file);
        int port = 0;
        if (f >> port && port > 0) {
            return static_cast<unsigned short>(port);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("no port in " + file);
}

} // namespace hc::settle::test
