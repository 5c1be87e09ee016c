// ISO/IEC 9797-1 padding method 2 (append 80, then 00 up to a multiple of the block size; a whole
// block is added when the data is already aligned), as the PBOC MACs, the health card's secure
// messaging and the HSM's callers use it. Pure functions, any thread.
#pragma once

#include "hc/base/bytes.hpp"

#include <cstddef>

namespace hc::crypto {

/** Appends 80, then 00 up to a multiple of `block` (8 for DES, 16 for SM4). */
Bytes padIso9797Method2(ByteView data, std::size_t block);

/** Removes method-2 padding: the data must be whole blocks and end in 80 followed by fewer than
 * `block` bytes 00. Throws hc::InputError saying what is wrong. */
Bytes unpadIso9797Method2(ByteView data, std::size_t block);

} // namespace hc::crypto
