// How keys are named, described and addressed: KeyRef (label + version), KeyInfo (what anyone may
// be shown: never the key, always the KCV), KeySpec (a stored key plus derivation steps, so that a
// card key or a session key can be used without ever leaving the HSM).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hc/hsm/bytes.hpp"
#include "hc/hsm/secure_bytes.hpp"

namespace hc::hsm {

/** Symmetric algorithms of keys held by the HSM. */
enum class KeyAlgorithm : std::uint8_t {
    Des = 1,  ///< single DES, 8 bytes (session keys, TAC keys; held as K||K in PKCS#11 tokens)
    Des3 = 2, ///< triple DES, 16 bytes (2-key, PBOC) or 24 bytes
    Sm4 = 3,  ///< SM4 (GB/T 32907), 16 bytes
    Aes = 4,  ///< AES, 16, 24 or 32 bytes (transport keys, key-encryption keys)
};

/** "des", "des3", "sm4", "aes". */
std::string_view toString(KeyAlgorithm algorithm);
/** Parses the names above (case-insensitive); throws InvalidArgumentError. */
KeyAlgorithm parseKeyAlgorithm(std::string_view text);
/** Cipher block size: 8 for DES/3DES, 16 for SM4/AES. */
std::size_t blockSize(KeyAlgorithm algorithm);
/** Default length when generating: 8, 16, 16, 32. */
std::size_t defaultKeyLength(KeyAlgorithm algorithm);
/** Throws InvalidArgumentError unless `length` is valid for the algorithm. */
void checkKeyLength(KeyAlgorithm algorithm, std::size_t length);

/** A stored key's name: label plus version (key rotation keeps old versions usable). */
struct KeyRef {
    std::string label;         ///< 1..64 characters from [A-Za-z0-9._-]
    std::uint32_t version = 1; ///< 1..999999
    /** "label/version", the form used in logs, listings and the CLI. */
    std::string toString() const;
    /** Parses "label" (version 1) or "label/3". Throws InvalidArgumentError. */
    static KeyRef parse(std::string_view text);
    bool operator==(const KeyRef&) const = default;
};

/** Throws InvalidArgumentError unless the label and version are well formed. */
void checkKeyRef(const KeyRef& ref);

/** What may be shown about a key. Every listing and log carries the KCV. */
struct KeyInfo {
    KeyRef ref;                               ///< name (for derived keys: the stored base key)
    KeyAlgorithm algorithm = KeyAlgorithm::Des3; ///< algorithm
    std::size_t length = 0;                   ///< key length in bytes
    std::string kcv;                          ///< key check value, 6 hex digits
    bool exportable = false;                  ///< may be exported wrapped under a transport key
};

/** One derivation step applied to a key inside the HSM. */
enum class Derivation : std::uint8_t {
    /** PBOC diversification with an 8-byte factor D. 3DES: K = 3DES(D) || 3DES(NOT D) (16 bytes);
     *  SM4: K = SM4(D || NOT D). */
    PbocDiversify = 1,
    /** K = ECB-encrypt(data) under the parent. 3DES parent: 8 bytes of data give a single-DES key
     *  (PBOC SESLK/SESPK), 16 or 24 give a 3DES key. SM4/AES parent: one 16-byte block. */
    EncryptData = 2,
    /** K = left half XOR right half of a 16-byte 3DES parent, a single-DES key (PBOC TAC key). */
    XorHalves = 3,
};

/** A derivation step and its data. */
struct DerivationStep {
    Derivation kind = Derivation::PbocDiversify; ///< what to do
    Bytes data;                                   ///< diversification factor or session data
};

/** A key as used by crypto operations: a stored key plus zero or more derivation steps. Holding a
 *  KeySpec holds no key material; the HSM derives the key for each operation. */
struct KeySpec {
    KeyRef base;                      ///< the stored key
    std::vector<DerivationStep> path; ///< applied in order

    /** Implicit from a stored key. */
    KeySpec(KeyRef ref = {})
        : base(std::move(ref))
    {
    }
    /** This key diversified once more with the 8-byte factor `d` (PBOC form). */
    KeySpec diversified(ByteView d) const;
    /** This key diversified with several factors in order (multi-level; first = highest level). */
    KeySpec diversified(const std::vector<Bytes>& factors) const;
    /** A session key: ECB-encrypt `data` under this key. */
    KeySpec session(ByteView data) const;
    /** The PBOC TAC key: left XOR right of this (16-byte 3DES) key. */
    KeySpec xorHalves() const;
    /** "label/version" plus "+div", "+ses", "+xor" per step (no data: card numbers stay out of
     *  logs). */
    std::string describe() const;
};

/** A key encrypted under a transport key, as exchanged between HSMs. */
struct WrappedKey {
    KeyAlgorithm algorithm = KeyAlgorithm::Des3; ///< algorithm of the wrapped key
    Bytes blob;                                  ///< the key encrypted under the transport key
    std::string kcv;                             ///< KCV of the clear key
};

/** One clear key component, typed by one custodian, with its KCV read from the custodian's
 *  sealed form. */
struct KeyComponent {
    SecureBytes clear; ///< the component (same length as the key)
    std::string kcv;   ///< 6 hex digits (more are accepted and compared on the first 6)
};

/** Options of a new key. */
struct KeyOptions {
    bool exportable = true; ///< may be exported wrapped under a transport key
};

} // namespace hc::hsm
