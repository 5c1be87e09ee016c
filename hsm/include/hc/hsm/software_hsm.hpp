// SoftwareHsm: the Hsm interface on OpenSSL 3 (DES/3DES, SM4, AES), keys held in locked memory
// and saved encrypted under a passphrase-derived key (hc/hsm/key_store_file.hpp). For development
// and small sites; a PKCS#11 HSM is the production choice.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "hc/hsm/hsm.hpp"
#include "hc/hsm/key_store_file.hpp"
#include "hc/hsm/secret_source.hpp"

namespace hc::hsm {

/** Configuration of a SoftwareHsm. */
struct SoftwareHsmOptions {
    std::string storePath;    ///< key-store file; empty = in memory only (tests)
    SecretSource passphrase;  ///< required when storePath is set
    KdfParameters kdf;        ///< scrypt cost for new saves
};

/** Software backend. Every key change rewrites the store atomically (temp file, fsync, rename). */
class SoftwareHsm final : public Hsm {
public:
    /** Opens the store (or starts an empty one if the file does not exist yet). Throws
     *  KeyStoreError (wrong passphrase, damaged file) or ConfigurationError. */
    explicit SoftwareHsm(SoftwareHsmOptions options);
    ~SoftwareHsm() override;
    /** "software:<path>" or "software:memory". */
    std::string name() const override;

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
    SoftwareHsmOptions m_options;
    mutable std::mutex m_mutex;
    std::map<std::pair<std::string, std::uint32_t>, StoredKey> m_keys;
    std::map<std::pair<std::string, std::uint32_t>, std::string> m_kcvs; // computed once
    KeyInfo infoOf(const StoredKey& k) const;

    KeyInfo store(const KeyRef& ref, KeyAlgorithm algorithm, SecureBytes value,
                  const KeyOptions& options);
    void save();
    SecureBytes clearKey(const KeySpec& key, KeyAlgorithm& algorithm);
};

} // namespace hc::hsm
