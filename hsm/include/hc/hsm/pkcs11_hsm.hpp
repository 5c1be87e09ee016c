// Pkcs11Hsm: the Hsm interface on any PKCS#11 module (SoftHSM2 in tests and development).
//
// * The module is dlopen'ed; the token is found by label (SoftHSM renumbers slots), never by slot.
// * The user PIN comes from a file or an environment variable (SecretSource).
// * A pool of logged-in sessions serves concurrent callers. When the token goes away (device
//   removed, module finalized, sessions invalidated) the pool is dropped, the module re-initialized
//   and the token found again; the failed call is retried once.
// * 3DES keys are token objects; diversification and session keys are derived inside the token
//   with C_DeriveKey(CKM_DES3_ECB_ENCRYPT_DATA). Operations standard PKCS#11 lacks (retail MAC,
//   the PBOC TAC key = DTK_L XOR DTK_R) run on the *derived* per-card key, read into locked,
//   zeroized memory; stored master keys never leave the token.
// * SM4: a vendor mechanism may be configured (sm4EcbMechanism/sm4KeyType): ECB in the token, CBC
//   chained on the host, derived card keys continue on the host. Otherwise (SoftHSM2)
//   SM4 keys are kept as data objects wrapped (AES-256-GCM) under a non-extractable token AES key
//   and unwrapped only into locked, zeroized memory for each operation. This mode is weaker than
//   a real SM4 HSM; docs/hsm.md says when it is acceptable.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "hc/hsm/hsm.hpp"
#include "hc/hsm/secret_source.hpp"

namespace hc::hsm {

/** Configuration of a Pkcs11Hsm. */
struct Pkcs11Options {
    std::string modulePath;     ///< e.g. /usr/lib/softhsm/libsofthsm2.so
    std::string tokenLabel;     ///< the token's label (CKA_LABEL of the token, up to 32 chars)
    SecretSource userPin;       ///< file or environment variable
    std::size_t maxSessions = 4; ///< session pool size
    std::string sm4KekLabel = "hc.sm4-kek"; ///< token AES key wrapping SM4 keys (created on demand)
    std::optional<unsigned long> sm4KeyType;      ///< vendor CKK for SM4 (enables vendor mode)
    std::optional<unsigned long> sm4EcbMechanism; ///< vendor CKM for SM4-ECB (vendor mode)
};

/** Default SoftHSM2 module path on Debian. */
const char* defaultSoftHsmModule();

/** Initializes the first free token slot of `modulePath` with `label`, the SO PIN and the user
 *  PIN (C_InitToken, C_InitPIN). For development tokens (`hsm-tool init`). Throws
 *  TokenMissingError when there is no free slot, KeyExistsError when the label is taken. */
void initToken(const std::string& modulePath, const std::string& label, const SecretSource& soPin,
               const SecretSource& userPin);

/** PKCS#11 backend. */
class Pkcs11Hsm final : public Hsm {
public:
    /** Loads the module, finds the token and logs in. Throws ConfigurationError,
     *  TokenMissingError, PinError. */
    explicit Pkcs11Hsm(Pkcs11Options options);
    ~Pkcs11Hsm() override;
    /** "pkcs11:<token label>". */
    std::string name() const override;

    /** Test hook: calls C_Finalize on the module behind the pool's back, as if the token had
     *  gone away. The next operation must recover. */
    void finalizeModuleForTest();
    /** How many times the pool has been rebuilt after losing the token. */
    std::size_t recoveries() const;

protected:
    KeyInfo doGenerate(const KeyRef& ref, KeyAlgorithm algorithm, std::size_t length,
                       const KeyOptions& options) override;
    KeyInfo doImportClear(const KeyRef& ref, KeyAlgorithm algorithm, const SecureBytes& key,
                          const KeyOptions& options) override;
    Bytes doExportWrapped(const KeySpec& key, const KeyInfo& keyInfo,
                          const KeyInfo& transport) override;
    Bytes doWrapForCard(const KeySpec& key, const KeySpec& transport,
                        KeyAlgorithm transportAlgorithm, ByteView header) override;
    KeyInfo doImportWrapped(const KeyRef& ref, const WrappedKey& wrapped,
                            const KeyInfo& transport, const KeyOptions& options) override;
    std::vector<KeyInfo> doList() override;
    std::optional<KeyInfo> doFind(const KeyRef& ref) override;
    void doDelete(const KeyRef& ref) override;
    std::string doDerivedKcv(const KeySpec& key, KeyAlgorithm algorithm) override;
    Bytes doCipher(const KeySpec& key, KeyAlgorithm algorithm, bool encrypt, CipherMode mode,
                   ByteView iv, ByteView data) override;
    Bytes doMac(const KeySpec& key, KeyAlgorithm algorithm, MacAlgorithm mac, ByteView iv,
                ByteView paddedData) override;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace hc::hsm
