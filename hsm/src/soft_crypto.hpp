// OpenSSL primitives on clear keys held in SecureBytes. Shared by SoftwareHsm and by the PKCS#11
// backend's host-side path (SM4 without a vendor mechanism, retail MAC and TAC on derived keys),
// so both backends compute the same bytes. Internal header.
#pragma once

#include <cstddef>
#include <string>

#include "hc/hsm/bytes.hpp"
#include "hc/hsm/hsm.hpp"
#include "hc/hsm/key.hpp"
#include "hc/hsm/secure_bytes.hpp"

namespace hc::hsm::soft {

/** Shape (algorithm, length) of the key a derivation step produces; throws InvalidArgumentError
 *  when the step does not apply to the parent or the data has the wrong length. */
struct Shape {
    KeyAlgorithm algorithm;
    std::size_t length;
};
Shape derivedShape(Shape parent, const DerivationStep& step);

/** ECB/CBC over whole blocks into `out` (same size as `in`). */
void cipher(KeyAlgorithm algorithm, const SecureBytes& key, bool encrypt, CipherMode mode,
            ByteView iv, ByteView in, std::uint8_t* out);

/** Convenience: cipher into a new buffer. */
Bytes cipher(KeyAlgorithm algorithm, const SecureBytes& key, bool encrypt, CipherMode mode,
             ByteView iv, ByteView in);

/** MAC over padded data; returns the last block. */
Bytes mac(KeyAlgorithm algorithm, const SecureBytes& key, MacAlgorithm mac, ByteView iv,
          ByteView padded);

/** 6-hex-digit key check value. */
std::string kcv(KeyAlgorithm algorithm, const SecureBytes& key);

/** Applies one derivation step. */
SecureBytes derive(Shape parent, const SecureBytes& key, const DerivationStep& step);

/** Wraps `key` under `transport` (CBC zero IV for DES3/SM4 transports, RFC 3394 for AES). */
Bytes wrap(KeyAlgorithm transportAlgorithm, const SecureBytes& transport, const SecureBytes& key);

/** Reverses wrap(). */
SecureBytes unwrap(KeyAlgorithm transportAlgorithm, const SecureBytes& transport, ByteView blob);

/** Throws InvalidArgumentError when `keyLength` bytes cannot be wrapped under this transport. */
void checkWrappable(KeyAlgorithm transportAlgorithm, std::size_t keyLength);

/** Sets odd parity on every byte of a DES or 3DES key (no-op for SM4/AES). Parity bits do not
 *  change DES results; keys are stored and exported in this canonical form. */
void normalizeParity(KeyAlgorithm algorithm, SecureBytes& key);

/** Cryptographically random bytes (RAND_priv_bytes). */
SecureBytes randomKey(std::size_t length);

/** Throws InvalidArgumentError unless `mac` can be computed with a key of this shape. */
void checkMacKey(MacAlgorithm mac, Shape key);

} // namespace hc::hsm::soft
