// Internal: the statement caches' key hash (look-up by string_view, no copy of the text).
#pragma once

#include <functional>
#include <string_view>

namespace hc::sql::detail {

/** Transparent hash of statement texts. */
struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view> {}(s);
    }
};

} // namespace hc::sql::detail
