#include "hc/card/epurse/types.hpp"

#include <chrono>
#include <ctime>

namespace hc::card::epurse {

namespace {
std::uint8_t bcd(int v) {
    return static_cast<std::uint8_t>(((v / 10) << 4) | (v % 10));
}
int unbcd(std::uint8_t b) {
    return (b >> 4) * 10 + (b & 0x0F);
}
} // namespace

TransactionTime TransactionTime::from(
    int year, int month, int day, int hour, int minute, int second) {
    if (year < 0 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0
        || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
        throw InputError("transaction time: a field is out of range");
    }
    TransactionTime t;
    t.date = { bcd(year / 100), bcd(year % 100), bcd(month), bcd(day) };
    t.time = { bcd(hour), bcd(minute), bcd(second) };
    return t;
}

TransactionTime TransactionTime::parse(const std::string& d) {
    if (d.size() != 14 || d.find_first_not_of("0123456789") != std::string::npos) {
        throw InputError("transaction time: expected 14 digits YYYYMMDDhhmmss, got \"" + d + "\"");
    }
    auto n = [&](std::size_t pos, std::size_t len) { return std::stoi(d.substr(pos, len)); };
    return from(n(0, 4), n(4, 2), n(6, 2), n(8, 2), n(10, 2), n(12, 2));
}

TransactionTime TransactionTime::nowChina() {
    const auto now = std::chrono::system_clock::now() + std::chrono::hours(8);
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm {};
    gmtime_r(&t, &tm);
    return from(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string TransactionTime::text() const {
    std::string s;
    for (auto b : date) {
        s += std::to_string(unbcd(b) / 10) + std::to_string(unbcd(b) % 10);
    }
    for (auto b : time) {
        s += std::to_string(unbcd(b) / 10) + std::to_string(unbcd(b) % 10);
    }
    return s;
}

std::uint32_t checkedFen(std::int64_t fen, const char* what, bool allowZero) {
    if (fen < (allowZero ? 0 : 1) || fen > 0xFFFFFFFFll) {
        throw InputError(std::string(what) + ": " + std::to_string(fen)
            + " fen is outside 1..4294967295" + (allowZero ? " (or 0)" : ""));
    }
    return static_cast<std::uint32_t>(fen);
}

std::string formatYuan(std::int64_t fen) {
    const bool neg = fen < 0;
    const std::uint64_t a
        = neg ? static_cast<std::uint64_t>(-(fen + 1)) + 1 : static_cast<std::uint64_t>(fen);
    std::string cents = std::to_string(a % 100);
    if (cents.size() < 2) {
        cents = "0" + cents;
    }
    return (neg ? "-" : "") + std::to_string(a / 100) + "." + cents;
}

} // namespace hc::card::epurse
