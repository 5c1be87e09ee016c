// The encrypted key-store file of SoftwareHsm. Layout (all integers big-endian):
//   "HCKS" | version 01 | kdf 01 (scrypt) | log2 N (1) | r (1) | p (1) | salt (16) | nonce (12)
//   | ciphertext length (4) | ciphertext | GCM tag (16)
// AES-256-GCM under scrypt(passphrase, salt); the 41-byte header is the additional data. The
// plaintext is: count (2), then per key: label length (1) | label | version (4) | algorithm (1)
// | flags (1, bit 0 exportable) | key length (1) | key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hc/hsm/bytes.hpp"
#include "hc/hsm/key.hpp"
#include "hc/hsm/secure_bytes.hpp"

namespace hc::hsm {

/** One key in the store. */
struct StoredKey {
    KeyRef ref;                                  ///< name
    KeyAlgorithm algorithm = KeyAlgorithm::Des3; ///< algorithm
    bool exportable = true;                      ///< may be exported wrapped
    SecureBytes value;                           ///< clear key (locked, zeroized)
};

/** scrypt cost. The defaults suit an operator's machine; tests use log2N = 10. */
struct KdfParameters {
    std::uint8_t log2N = 15; ///< N = 2^log2N
    std::uint8_t r = 8;      ///< block size
    std::uint8_t p = 1;      ///< parallelism
};

/** Encrypts the keys into the file format above. */
Bytes sealKeyStore(const std::vector<StoredKey>& keys, const std::string& passphrase,
                   const KdfParameters& kdf);

/** Decrypts and parses a key-store file. Throws KeyStoreError on a wrong passphrase, a damaged
 *  file or a malformed entry (each check bounded; safe on hostile input). */
std::vector<StoredKey> openKeyStore(ByteView file, const std::string& passphrase);

/** Parses the decrypted plaintext (exposed for fuzzing). Throws KeyStoreError. */
std::vector<StoredKey> parseKeyStorePlaintext(ByteView plaintext);

/** Parses only the header, returning the KDF parameters (exposed for fuzzing); throws
 *  KeyStoreError. Limits: log2N 10..20, r 1..16, p 1..4. */
KdfParameters parseKeyStoreHeader(ByteView file);

} // namespace hc::hsm
