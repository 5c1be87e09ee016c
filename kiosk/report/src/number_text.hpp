// Internal: numbers as text the same way on every machine (shortest form that reads back
// exactly, std::to_chars), for the printed table and for the digest.
#pragma once

#include <charconv>
#include <string>

namespace hc::kiosk::report::detail {

inline std::string numberText(double value) {
    char buf[64];
    const auto result = std::to_chars(buf, buf + sizeof buf, value);
    return std::string(buf, result.ptr);
}

} // namespace hc::kiosk::report::detail
