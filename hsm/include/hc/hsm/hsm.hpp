// hc::hsm — key management for the health-card middleware.
//
// Card issuers and the settlement side hold master keys from which every card's keys are derived,
// and the keys that check e-purse MACs and TACs. Those keys live behind the `Hsm` interface,
// modelled on jPOS's SMAdapter: one interface, backends behind it.
//
//   * `Pkcs11Hsm`   (hc/hsm/pkcs11_hsm.hpp): any PKCS#11 module (SoftHSM2 in tests), token found
//                   by label, PIN from a file or the environment, a self-healing session pool.
//   * `SoftwareHsm` (hc/hsm/software_hsm.hpp): OpenSSL 3, keys encrypted at rest under a
//                   passphrase; for development and small sites.
//
// Keys are named by label and version (`KeyRef`). Crypto operations take a `KeySpec`: a stored key
// plus derivation steps, so a card key ("master diversified by the card serial") or a session key
// ("card key encrypting the card's challenge") is used without its bytes leaving the HSM. The
// card layer keeps KeySpecs, never keys.
//
// Typical calls from card/ (e-purse issuer host and a SAM-like secure access module):
//
//   KeySpec dlk = KeySpec{{"pboc.mk-dlk", 1}}.diversified(cardSerial8);
//   Bytes mac2 = hsm.issuerLoadMac2(dlk, load);            // checks MAC1, throws on mismatch
//   bool ok = hsm.verifyPurchaseTac(KeySpec{{"pboc.mk-dtk", 1}}.diversified(d), rec, tac);
//
//   // health card SAM flow (card/ health/crypto.hpp): K_s = master diversified by city, card
//   // number and the card's challenge, highest level first (SM4 form of PBOC diversification)
//   KeySpec ks = hsm.diversify(KeyRef{"hc.uk-ddf1", 1}, {city8, cardNo8, rand8});
//   Bytes c = hsm.encrypt(ks, CipherMode::Ecb, block16);   // external authenticate (then fold)
//   Bytes m = hsm.macPadded(ks, MacAlgorithm::Sm4Cbc, pad80Data, iv16); // SM MAC, keep 4 bytes
//   // deriveSessionKey(key, block) is the ECB form (K_s = E_K(data)) for other SAM profiles.
//
// Every operation appends a line to the audit log (when one is attached): who, what, which key
// (label/version/KCV), result. Clear key bytes are held only in SecureBytes (locked, zeroized) and
// never logged. Errors are hc::hsm::Error subclasses naming the next step (hc/hsm/error.hpp).
//
// Threading: an Hsm may be used from several threads at once.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hc/hsm/audit_log.hpp"
#include "hc/hsm/bytes.hpp"
#include "hc/hsm/epurse.hpp"
#include "hc/hsm/error.hpp"
#include "hc/hsm/key.hpp"
#include "hc/hsm/padding.hpp"
#include "hc/hsm/secure_bytes.hpp"

namespace hc::hsm {

/** Block cipher modes. Data must be a whole number of blocks (pad with padIso9797Method2). */
enum class CipherMode {
    Ecb, ///< electronic code book
    Cbc, ///< cipher block chaining; IV defaults to zeros
};

/** MAC algorithms; all use ISO/IEC 9797-1 padding method 2 and return the full last block. */
enum class MacAlgorithm {
    DesCbc,  ///< ISO 9797-1 MAC algorithm 1 with single DES (8-byte key): PBOC purse MACs, TACs
    Des3Cbc, ///< MAC algorithm 1 with full 3DES on every block
    Retail,  ///< MAC algorithm 3 (ANSI X9.19 retail): DES with K_L, 3DES on the last block
    Sm4Cbc,  ///< SM4 CBC-MAC, 16-byte blocks, 16 zero bytes IV unless given
    AesCbc,  ///< AES CBC-MAC (not for variable-length data from outside; provided for parity)
};

/** KCV of a clear key or component (first 3 bytes of one zero block encrypted), 6 hex digits.
 *  For the ceremony: lets a custodian's entry be checked before anything is stored. */
std::string keyCheckValue(KeyAlgorithm algorithm, const SecureBytes& key);

/** The key-management and crypto interface. Backends implement the protected do* primitives;
 *  the public methods validate, run the flows and write the audit log. */
class Hsm {
public:
    virtual ~Hsm();
    Hsm(const Hsm&) = delete;
    Hsm& operator=(const Hsm&) = delete;

    // ---- key management --------------------------------------------------------------------

    /** Generates a random key inside the HSM. `length` 0 = default for the algorithm.
     *  Throws KeyExistsError. */
    KeyInfo generateKey(const KeyRef& ref, KeyAlgorithm algorithm, std::size_t length = 0,
                        const KeyOptions& options = {});

    /** Imports a key from 2 or 3 clear components (XOR). Each component is checked against its
     *  KCV first (KcvMismatchError names the component to re-enter); the combined key against
     *  `expectedKcv` when given. */
    KeyInfo importComponents(const KeyRef& ref, KeyAlgorithm algorithm,
                             std::span<const KeyComponent> components,
                             const std::optional<std::string>& expectedKcv = {},
                             const KeyOptions& options = {});

    /** Exports `key` (a stored key or a derived card key, e.g. for personalization) encrypted
     *  under `transport`: 3DES/SM4 transport keys use CBC with a zero IV, AES transport keys use
     *  AES key wrap (RFC 3394). The key must be exportable. */
    WrappedKey exportWrapped(const KeySpec& key, const KeyRef& transport);

    /** Derive and wrap for card personalization (WRITE KEY of a card OS): returns
     *  ECB-encrypt(pad80(header || K)) under `transport`, where K is the clear value of `key`
     *  (typically a master diversified for one card) and `transport` a stored or derived key
     *  (typically the card's transport key, or a session key derived from it). pad80 is ISO/IEC
     *  9797-1 method 2 to the transport key's block size. The clear key never leaves the HSM.
     *  `key` must be derived (non-empty path) or stored as exportable; a single-DES transport key
     *  is refused; `header` is at most 32 bytes (e.g. length, algorithm, retry counter). */
    Bytes wrapForCard(const KeySpec& key, const KeySpec& transport, ByteView header);

    /** Imports a key wrapped under `transport` and checks it against `wrapped.kcv`
     *  (KcvMismatchError with index 0 when it differs). */
    KeyInfo importWrapped(const KeyRef& ref, const WrappedKey& wrapped, const KeyRef& transport,
                          const KeyOptions& options = {});

    /** All stored keys with their KCVs, sorted by label and version. */
    std::vector<KeyInfo> listKeys();

    /** Describes a stored or derived key (algorithm, length, KCV). Throws KeyNotFoundError. */
    KeyInfo describe(const KeySpec& key);

    /** Key check value of a stored or derived key: the first 3 bytes of the key encrypting one
     *  zero block, as 6 hex digits. */
    std::string kcv(const KeySpec& key) { return describe(key).kcv; }

    /** Deletes a stored key. Throws KeyNotFoundError. */
    void deleteKey(const KeyRef& ref);

    // ---- derivation ------------------------------------------------------------------------

    /** PBOC diversification of `master` with the 8-byte factor `d` (see Derivation). Checks the
     *  key exists and the factor length; returns the spec of the card key. */
    KeySpec diversify(const KeySpec& master, ByteView d);

    /** Multi-level diversification, first factor = highest level (e.g. province, then card). */
    KeySpec diversify(const KeySpec& master, const std::vector<Bytes>& factors);

    /** A session key = ECB-encrypt(`data`) under `key`: PBOC SESLK/SESPK (3DES key, 8 bytes of
     *  data: a single-DES session key) or the health card's SM4 session key (16 bytes). */
    KeySpec deriveSessionKey(const KeySpec& key, ByteView data);

    // ---- crypto ----------------------------------------------------------------------------

    /** Encrypts whole blocks. `iv` only for CBC (empty = zeros). */
    Bytes encrypt(const KeySpec& key, CipherMode mode, ByteView data, ByteView iv = {});

    /** Decrypts whole blocks. */
    Bytes decrypt(const KeySpec& key, CipherMode mode, ByteView data, ByteView iv = {});

    /** MAC over `data` (padded with method 2 here); returns the full last block (8 or 16 bytes):
     *  callers keep the left 4. `iv` empty = zeros (the SAM's 80FA 05 passes its IV here). */
    Bytes mac(const KeySpec& key, MacAlgorithm algorithm, ByteView data, ByteView iv = {});

    /** MAC over data the caller already padded to whole blocks (no padding added here), as a
     *  SAM's MAC command takes it; returns the full last block. */
    Bytes macPadded(const KeySpec& key, MacAlgorithm algorithm, ByteView paddedData,
                    ByteView iv = {});

    /** Compares `expected` (1..block bytes, typically 4) with the left bytes of mac(), in
     *  constant time. */
    bool verifyMac(const KeySpec& key, MacAlgorithm algorithm, ByteView data, ByteView expected,
                   ByteView iv = {});

    // ---- PBOC e-purse (issuer / PSAM side) ---------------------------------------------------

    /** Issuer side of a load. `dlk` is the card's load key (e.g. master.diversified(serial)).
     *  Derives SESLK, checks MAC1 (MacVerificationError: refuse the load), returns MAC2 (4). */
    Bytes issuerLoadMac2(const KeySpec& dlk, const LoadRequest& load);

    /** TAC of a purchase under the card's DTK (TAC key = DTK_L XOR DTK_R, single DES); 4 bytes. */
    Bytes purchaseTac(const KeySpec& dtk, const PurchaseRecord& purchase);

    /** Checks a purchase TAC (4 bytes) in constant time. */
    bool verifyPurchaseTac(const KeySpec& dtk, const PurchaseRecord& purchase, ByteView tac);

    // ---- audit ------------------------------------------------------------------------------

    /** Attaches an audit log; every later operation appends to it. */
    void setAuditLog(std::shared_ptr<AuditLog> log) { m_audit = std::move(log); }
    /** The attached log, or null. */
    const std::shared_ptr<AuditLog>& auditLog() const noexcept { return m_audit; }
    /** Whether crypto operations (mac, encrypt ...) are audited too (default true); key
     *  management is always audited. */
    void setAuditCryptoOperations(bool on) noexcept { m_auditCrypto = on; }

    /** "pkcs11:<token label>" or "software:<file>". */
    virtual std::string name() const = 0;

protected:
    Hsm() = default;

    /** Stores a freshly generated key. */
    virtual KeyInfo doGenerate(const KeyRef& ref, KeyAlgorithm algorithm, std::size_t length,
                               const KeyOptions& options) = 0;
    /** Stores a clear key (already KCV-checked). */
    virtual KeyInfo doImportClear(const KeyRef& ref, KeyAlgorithm algorithm,
                                  const SecureBytes& key, const KeyOptions& options) = 0;
    /** Wraps a stored or derived key under a stored transport key. */
    virtual Bytes doExportWrapped(const KeySpec& key, const KeyInfo& keyInfo,
                                  const KeyInfo& transport) = 0;
    /** ECB-encrypts pad80(header || clear key) under the (stored or derived) transport key, whose
     *  algorithm is `transportAlgorithm`. Checks are done by the caller. */
    virtual Bytes doWrapForCard(const KeySpec& key, const KeySpec& transport,
                                KeyAlgorithm transportAlgorithm, ByteView header) = 0;
    /** Unwraps and stores; returns the stored key's info (its KCV is checked by the caller). */
    virtual KeyInfo doImportWrapped(const KeyRef& ref, const WrappedKey& wrapped,
                                    const KeyInfo& transport, const KeyOptions& options) = 0;
    /** Lists stored keys. */
    virtual std::vector<KeyInfo> doList() = 0;
    /** Info of a stored key; std::nullopt when absent. */
    virtual std::optional<KeyInfo> doFind(const KeyRef& ref) = 0;
    /** Deletes a stored key (existence already checked). */
    virtual void doDelete(const KeyRef& ref) = 0;
    /** KCV of a derived key (path non-empty). */
    virtual std::string doDerivedKcv(const KeySpec& key, KeyAlgorithm algorithm) = 0;
    /** ECB/CBC over whole blocks. `algorithm` is the (derived) key's algorithm. */
    virtual Bytes doCipher(const KeySpec& key, KeyAlgorithm algorithm, bool encrypt,
                           CipherMode mode, ByteView iv, ByteView data) = 0;
    /** MAC over already padded data; returns the last block. */
    virtual Bytes doMac(const KeySpec& key, KeyAlgorithm algorithm, MacAlgorithm mac, ByteView iv,
                        ByteView paddedData) = 0;

private:
    std::shared_ptr<AuditLog> m_audit;
    bool m_auditCrypto = true;

    struct Resolved {
        KeyInfo base;
        KeyAlgorithm algorithm;
        std::size_t length;
    };
    Resolved resolve(const KeySpec& key);
    void audit(std::string_view op, const std::string& key, const std::string& kcv,
               std::string_view result, bool management);
    template <typename F>
    auto audited(std::string_view op, const KeySpec& key, bool management, F&& body);
};

} // namespace hc::hsm

#include "hc/hsm/pkcs11_hsm.hpp"
#include "hc/hsm/software_hsm.hpp"
