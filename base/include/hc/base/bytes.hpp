// Byte buffers and hex text: the vocabulary every module speaks (APDUs, keys in transit, frames).
// Clear key bytes go in hc::SecureBytes instead (hc/base/secure_bytes.hpp).
// Pure functions, no I/O, safe to call from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hc {

/** An owned byte buffer (APDU bodies, file contents, keys in transit). */
using Bytes = std::vector<std::uint8_t>;
/** A borrowed, read-only view of bytes. */
using ByteView = std::span<const std::uint8_t>;

/** Upper-case hex without separators: {0x3B, 0x8F} -> "3B8F". */
std::string toHex(ByteView bytes);

/**
 * Parses hex text. Spaces, tabs, colons and newlines between byte pairs are ignored, so
 * "00 A4 04 00" and "00a40400" both work. Throws hc::InputError naming the offending
 * character position on an odd digit count or a non-hex character.
 */
Bytes fromHex(std::string_view text);

/** Big-endian unsigned integer from 1..8 bytes. Throws hc::InputError when out of range. */
std::uint64_t readBigEndian(ByteView bytes);

/** Appends `value` as `width` big-endian bytes (width 1..8). */
void appendBigEndian(Bytes& out, std::uint64_t value, std::size_t width);

/** Constant-time equality of two buffers (false, at once, when the lengths differ): for MACs,
 * cryptograms and PIN blocks, so the time taken does not say how many leading bytes matched. */
bool constantTimeEqual(ByteView a, ByteView b) noexcept;

/** Concatenation helper: concat(a, b, c). */
template <typename... Parts> Bytes concat(const Parts&... parts) {
    Bytes out;
    (out.insert(out.end(), std::begin(parts), std::end(parts)), ...);
    return out;
}

} // namespace hc
