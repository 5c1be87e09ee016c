// UTF-8 <-> GBK conversion through iconv (glibc's GBK converter). Pure functions; thread-safe
// (each call opens its own iconv descriptor).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace hc::printer {

/** Encodes UTF-8 text as GBK for the printer. Line feeds pass through; any other control
 * character, invalid UTF-8, or a character GBK cannot encode (emoji, rare CJK extension B
 * characters, ...) throws EncodingError naming the character, its code point and position. */
std::string utf8ToGbk(std::string_view utf8);

/** Decodes one GBK double-byte character (lead 0x81-0xFE, trail 0x40-0xFE except 0x7F) to UTF-8.
 * Returns "" when the pair is not a GBK character. */
std::string gbkPairToUtf8(std::uint8_t lead, std::uint8_t trail);

/** Decodes GBK bytes to UTF-8; throws hc::InputError naming the offset of a bad sequence. */
std::string gbkToUtf8(std::span<const std::uint8_t> gbk);

/** Number of printer columns UTF-8 text takes: 2 for a character outside ASCII, 1 otherwise. */
std::size_t displayWidth(std::string_view utf8);

} // namespace hc::printer
