#include "hc/base/log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace hc {

namespace {

std::mutex g_mutex;
std::string g_program = "hc";
std::atomic<int> g_level { static_cast<int>(LogLevel::Info) };

} // namespace

std::optional<LogLevel> parseLogLevel(std::string_view text) {
    if (text == "error") {
        return LogLevel::Error;
    }
    if (text == "warning") {
        return LogLevel::Warning;
    }
    if (text == "info") {
        return LogLevel::Info;
    }
    if (text == "debug") {
        return LogLevel::Debug;
    }
    return std::nullopt;
}

void setUpLog(std::string program, LogLevel level) {
    std::lock_guard lock(g_mutex);
    g_program = std::move(program);
    g_level = static_cast<int>(level);
}

bool logs(LogLevel level) {
    return static_cast<int>(level) <= g_level.load();
}

void logLine(LogLevel level, std::string_view message) {
    if (!logs(level)) {
        return;
    }
    std::lock_guard lock(g_mutex);
    std::string line = g_program;
    line += ": ";
    line += message;
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

} // namespace hc
