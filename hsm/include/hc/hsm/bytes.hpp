// Byte buffers and hex text for hc::hsm (the same vocabulary as hc/card/bytes.hpp; hsm/ does not
// depend on card/). Pure functions, any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hc::hsm {

/** An owned byte buffer (never for clear keys: use SecureBytes). */
using Bytes = std::vector<std::uint8_t>;
/** A borrowed read-only view of bytes. */
using ByteView = std::span<const std::uint8_t>;

/** Upper-case hex without separators. */
std::string toHex(ByteView bytes);

/** Parses hex; spaces are ignored. Throws InvalidArgumentError on odd length or a bad digit. */
Bytes fromHex(std::string_view text);

/** Constant-time equality of two equally long buffers (false if lengths differ). */
bool constantTimeEqual(ByteView a, ByteView b) noexcept;

} // namespace hc::hsm
