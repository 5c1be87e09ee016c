// ISO/IEC 9797-1 padding method 2 (append 80, then 00 up to the block size) for callers that build
// MAC or encryption input (e.g. the health card's secure-messaging blocks). Pure functions.
#pragma once

#include <cstddef>

#include "hc/hsm/bytes.hpp"

namespace hc::hsm {

/** Appends 80 and then 00 up to a multiple of `block` (a full block is added when aligned). */
Bytes padIso9797Method2(ByteView data, std::size_t block);

/** Removes method-2 padding; throws InvalidArgumentError when it is malformed. */
Bytes unpadIso9797Method2(ByteView data, std::size_t block);

} // namespace hc::hsm
