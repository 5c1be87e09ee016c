// The CBC MACs of ISO/IEC 9797-1 over hc::crypto's block ciphers. The data passed here is already
// padded (hc::crypto::padIso9797Method2); each function returns the whole final block and the
// caller keeps as many leading bytes as its protocol says (PBOC: 4). Pure functions, any thread.
//
//   MAC algorithm 1  CBC-MAC: E_K over every block, chained from the IV; output the last block.
//                    With DES this is the PBOC purse MAC (single-DES session key), with SM4 the
//                    PBOC 3.0 / health-card SM4 MAC.
//   MAC algorithm 3  "retail MAC" (ANSI X9.19) with a 16-byte 2-key 3DES key K = K_L || K_R:
//                    single DES with K_L over every block, then D_KR and E_KL on the last.
#pragma once

#include "hc/base/bytes.hpp"
#include "hc/base/crypto/block_cipher.hpp"

namespace hc::crypto {

/** ISO 9797-1 MAC algorithm 1 (CBC-MAC) over whole blocks; `iv` empty = zero. Returns the last
 * cipher block. Throws hc::InputError for empty data or a bad key, IV or data length. */
Bytes cbcMac(BlockCipher cipher, ByteView key, ByteView iv, ByteView padded);

/** ISO 9797-1 MAC algorithm 3 (retail MAC) with a 16-byte 2-key 3DES key over whole 8-byte
 * blocks; `iv` empty = zero. Returns the 8-byte final block. */
Bytes retailMac(ByteView key16, ByteView iv, ByteView padded);

} // namespace hc::crypto
