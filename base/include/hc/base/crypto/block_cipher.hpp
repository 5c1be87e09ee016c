// The block ciphers every module uses, once, over OpenSSL 3's default provider: DES, 3DES (2-key
// and 3-key EDE), SM4 (GB/T 32907) and AES, in ECB or CBC over whole blocks (no padding is added:
// pad with hc::crypto::padIso9797Method2 first). Single DES runs as 3DES with K1 = K2 = K3 and
// 2-key 3DES as K1 K2 K1, so no legacy provider is needed. Pure functions, any thread; the
// OpenSSL cipher objects are fetched once per process.
#pragma once

#include "hc/base/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace hc::crypto {

/** A block cipher and its key sizes. */
enum class BlockCipher {
    Des, ///< single DES: 8-byte key, 8-byte block
    Des3, ///< 3DES EDE: 16-byte (2-key, K1 K2 K1) or 24-byte (3-key) key, 8-byte block
    Sm4, ///< SM4: 16-byte key, 16-byte block
    Aes, ///< AES: 16, 24 or 32-byte key, 16-byte block
};

/** ECB (each block alone) or CBC (chained, with an IV). */
enum class CipherMode { Ecb, Cbc };

/** 8 for DES and 3DES, 16 for SM4 and AES. */
std::size_t blockSize(BlockCipher cipher) noexcept;
/** "DES", "3DES", "SM4" or "AES". */
const char* describe(BlockCipher cipher) noexcept;

/**
 * Encrypts (`encrypt` true) or decrypts `in` into `out` (same size; may not overlap). `iv` is
 * used in CBC only: empty means all zero, otherwise one block. Throws hc::InputError naming the
 * key, IV or data length that is wrong; hc::Error (call staff) if OpenSSL itself fails.
 */
void crypt(BlockCipher cipher, CipherMode mode, bool encrypt, ByteView key, ByteView iv,
    ByteView in, std::span<std::uint8_t> out);

/** ECB encryption of whole blocks. */
Bytes encryptEcb(BlockCipher cipher, ByteView key, ByteView data);
/** ECB decryption of whole blocks. */
Bytes decryptEcb(BlockCipher cipher, ByteView key, ByteView data);
/** CBC encryption of whole blocks; `iv` empty = zero. */
Bytes encryptCbc(BlockCipher cipher, ByteView key, ByteView iv, ByteView data);
/** CBC decryption of whole blocks; `iv` empty = zero. */
Bytes decryptCbc(BlockCipher cipher, ByteView key, ByteView iv, ByteView data);

} // namespace hc::crypto
