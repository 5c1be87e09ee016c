// Internal: an enum's wire names in a table indexed by its value (settlement statuses, outbox
// states), read back by one lookup.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace hc::settle::detail {

/** The value whose name in `names` (indexed by value) is `text`; nullopt when none is. */
template <class E, std::size_t N>
std::optional<E> enumFromName(
    const std::array<const char*, N>& names, std::string_view text) noexcept {
    for (std::size_t i = 0; i < N; ++i) {
        if (text == names[i]) {
            return static_cast<E>(i);
        }
    }
    return std::nullopt;
}

} // namespace hc::settle::detail
