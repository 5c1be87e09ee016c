// SettlementServer's diagnostic trace (SettlementServerConfig::traceFile, settlementd's
// HC_SETTLED_TRACE): one line per request stage, "<µs> <pid> <stage> <routing id hex> <extra>".
// Never a request body. Thread-safe; a closed trace writes nothing.
#pragma once

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <unistd.h>

namespace hc::settle {

class ServerTrace {
public:
    ServerTrace() = default;
    ~ServerTrace() {
        if (m_file != nullptr) {
            std::fclose(m_file);
        }
    }
    ServerTrace(const ServerTrace&) = delete;
    ServerTrace& operator=(const ServerTrace&) = delete;

    /** Appends to `path` from now on ("" = no trace). */
    void open(const std::string& path) {
        if (!path.empty()) {
            m_file = std::fopen(path.c_str(), "a");
        }
    }
    bool on() const { return m_file != nullptr; }

    void write(
        const char* what, const void* rid, std::size_t ridSize, const std::string& extra = {}) {
        if (m_file == nullptr) {
            return;
        }
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
        std::string hex;
        for (std::size_t i = 0; i < ridSize; ++i) {
            char b[3];
            std::snprintf(b, sizeof b, "%02x", static_cast<const unsigned char*>(rid)[i]);
            hex += b;
        }
        std::lock_guard lock(m_mutex);
        std::fprintf(m_file, "%lld %d %s %s %s\n", static_cast<long long>(us), ::getpid(), what,
            hex.c_str(), extra.c_str());
        std::fflush(m_file);
    }

private:
    std::FILE* m_file = nullptr;
    std::mutex m_mutex;
};

} // namespace hc::settle
