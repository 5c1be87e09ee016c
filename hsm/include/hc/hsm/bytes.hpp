// Byte buffers and hex text for hc::hsm: hc/base/bytes.hpp's vocabulary (Bytes, ByteView, toHex,
// constantTimeEqual), with fromHex throwing hc::hsm::InvalidArgumentError as hsm callers expect.
// Pure functions, any thread.
#pragma once

#include "hc/base/bytes.hpp"

#include <string_view>

namespace hc::hsm {

using hc::Bytes;
using hc::ByteView;
using hc::constantTimeEqual;
using hc::toHex;

/** Parses hex (hc::fromHex: spaces and colons ignored). Throws InvalidArgumentError naming the
 * position on odd length or a bad digit. */
Bytes fromHex(std::string_view text);

} // namespace hc::hsm
