#include "hc/hsm/software_hsm.hpp"

#include "hc/base/file_replace.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <sys/stat.h>
#include <unistd.h>

#include "soft_crypto.hpp"

namespace hc::hsm {

namespace {


} // namespace

KeyInfo SoftwareHsm::infoOf(const StoredKey& k) const
{
    auto it = m_kcvs.find(std::make_pair(k.ref.label, k.ref.version));
    std::string kcv = it != m_kcvs.end() ? it->second : soft::kcv(k.algorithm, k.value);
    return {k.ref, k.algorithm, k.value.size(), kcv, k.exportable};
}

SoftwareHsm::SoftwareHsm(SoftwareHsmOptions options)
    : m_options(std::move(options))
{
    if (m_options.storePath.empty()) {
        return;
    }
    std::ifstream in(m_options.storePath, std::ios::binary);
    if (!in) {
        return; // first use: the file is created on the first save
    }
    Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string pass = m_options.passphrase.read();
    std::vector<StoredKey> keys;
    try {
        keys = openKeyStore(file, pass);
    } catch (...) {
        cleanse(pass);
        throw;
    }
    cleanse(pass);
    for (auto& k : keys) {
        auto id = std::make_pair(k.ref.label, k.ref.version);
        m_kcvs[id] = soft::kcv(k.algorithm, k.value);
        m_keys.emplace(id, std::move(k));
    }
}

SoftwareHsm::~SoftwareHsm() = default;

std::string SoftwareHsm::name() const
{
    return "software:" + (m_options.storePath.empty() ? std::string("memory") : m_options.storePath);
}

void SoftwareHsm::save()
{
    if (m_options.storePath.empty()) {
        return;
    }
    std::vector<StoredKey> keys;
    keys.reserve(m_keys.size());
    for (const auto& [id, k] : m_keys) {
        keys.push_back(k);
    }
    std::string pass = m_options.passphrase.read();
    Bytes sealed;
    try {
        sealed = sealKeyStore(keys, pass, m_options.kdf);
    } catch (...) {
        cleanse(pass);
        throw;
    }
    cleanse(pass);
    try {
        hc::replaceFile(m_options.storePath,
            std::string_view(reinterpret_cast<const char*>(sealed.data()), sealed.size()), 0600);
    } catch (const hc::FileReplaceError& e) {
        throw KeyStoreError("cannot save the key store " + m_options.storePath + ": " + e.what()
            + (e.step() == hc::FileReplaceStep::Create
                    ? "; check the key-store directory is writable"
                    : "; free disk space and retry"));
    }
}

KeyInfo SoftwareHsm::store(const KeyRef& ref, KeyAlgorithm algorithm, SecureBytes value,
                           const KeyOptions& options)
{
    soft::normalizeParity(algorithm, value);
    std::lock_guard lock(m_mutex);
    StoredKey k {ref, algorithm, options.exportable, std::move(value)};
    KeyInfo info = infoOf(k);
    auto id = std::make_pair(ref.label, ref.version);
    if (m_keys.count(id) != 0) {
        throw KeyExistsError("key " + ref.toString() + " already exists: choose a new version");
    }
    m_keys.emplace(id, std::move(k));
    m_kcvs[id] = info.kcv;
    try {
        save();
    } catch (...) {
        m_keys.erase(id);
        m_kcvs.erase(id);
        throw;
    }
    return info;
}

KeyInfo SoftwareHsm::doGenerate(const KeyRef& ref, KeyAlgorithm algorithm, std::size_t length,
                                const KeyOptions& options)
{
    SecureBytes key = soft::randomKey(length);
    return store(ref, algorithm, std::move(key), options);
}

KeyInfo SoftwareHsm::doImportClear(const KeyRef& ref, KeyAlgorithm algorithm,
                                   const SecureBytes& key, const KeyOptions& options)
{
    return store(ref, algorithm, key, options);
}

SecureBytes SoftwareHsm::clearKey(const KeySpec& key, KeyAlgorithm& algorithm)
{
    SecureBytes value;
    {
        std::lock_guard lock(m_mutex);
        auto it = m_keys.find(std::make_pair(key.base.label, key.base.version));
        if (it == m_keys.end()) {
            throw KeyNotFoundError("key " + key.base.toString() + " is not in " + name()
                                   + ": list keys with `hsm-tool list`, then generate or import it");
        }
        value = it->second.value;
        algorithm = it->second.algorithm;
    }
    soft::Shape shape {algorithm, value.size()};
    for (const auto& step : key.path) {
        SecureBytes next = soft::derive(shape, value, step);
        shape = soft::derivedShape(shape, step);
        value.swap(next);
    }
    algorithm = shape.algorithm;
    return value;
}

Bytes SoftwareHsm::doExportWrapped(const KeySpec& key, const KeyInfo&, const KeyInfo& transport)
{
    KeyAlgorithm a {};
    KeyAlgorithm ta {};
    SecureBytes clear = clearKey(key, a);
    soft::normalizeParity(a, clear);
    SecureBytes t = clearKey(KeySpec(transport.ref), ta);
    return soft::wrap(ta, t, clear);
}

Bytes SoftwareHsm::doWrapForCard(const KeySpec& key, const KeySpec& transport,
                                 KeyAlgorithm transportAlgorithm, ByteView header)
{
    KeyAlgorithm a {};
    KeyAlgorithm ta {};
    SecureBytes clear = clearKey(key, a);
    soft::normalizeParity(a, clear);
    SecureBytes t = clearKey(transport, ta);
    std::size_t block = blockSize(transportAlgorithm);
    SecureBytes plain(header.begin(), header.end());
    plain.insert(plain.end(), clear.begin(), clear.end());
    plain.push_back(0x80);
    while (plain.size() % block != 0) {
        plain.push_back(0x00);
    }
    return soft::cipher(ta, t, true, CipherMode::Ecb, {}, ByteView(plain.data(), plain.size()));
}

KeyInfo SoftwareHsm::doImportWrapped(const KeyRef& ref, const WrappedKey& wrapped,
                                     const KeyInfo& transport, const KeyOptions& options)
{
    KeyAlgorithm ta {};
    SecureBytes t = clearKey(KeySpec(transport.ref), ta);
    SecureBytes clear = soft::unwrap(ta, t, wrapped.blob);
    checkKeyLength(wrapped.algorithm, clear.size());
    return store(ref, wrapped.algorithm, std::move(clear), options);
}

std::vector<KeyInfo> SoftwareHsm::doList()
{
    std::lock_guard lock(m_mutex);
    std::vector<KeyInfo> out;
    for (const auto& [id, k] : m_keys) {
        out.push_back(infoOf(k));
    }
    return out;
}

std::optional<KeyInfo> SoftwareHsm::doFind(const KeyRef& ref)
{
    std::lock_guard lock(m_mutex);
    auto it = m_keys.find(std::make_pair(ref.label, ref.version));
    if (it == m_keys.end()) {
        return std::nullopt;
    }
    return infoOf(it->second);
}

void SoftwareHsm::doDelete(const KeyRef& ref)
{
    std::lock_guard lock(m_mutex);
    auto id = std::make_pair(ref.label, ref.version);
    auto it = m_keys.find(id);
    if (it == m_keys.end()) {
        return;
    }
    StoredKey removed = std::move(it->second);
    m_keys.erase(it);
    m_kcvs.erase(id);
    try {
        save();
    } catch (...) {
        m_keys.emplace(id, std::move(removed));
        throw;
    }
}

std::string SoftwareHsm::doDerivedKcv(const KeySpec& key, KeyAlgorithm)
{
    KeyAlgorithm a {};
    SecureBytes clear = clearKey(key, a);
    return soft::kcv(a, clear);
}

Bytes SoftwareHsm::doCipher(const KeySpec& key, KeyAlgorithm, bool encrypt, CipherMode mode,
                            ByteView iv, ByteView data)
{
    KeyAlgorithm a {};
    SecureBytes clear = clearKey(key, a);
    return soft::cipher(a, clear, encrypt, mode, iv, data);
}

Bytes SoftwareHsm::doMac(const KeySpec& key, KeyAlgorithm, MacAlgorithm mac, ByteView iv,
                         ByteView paddedData)
{
    KeyAlgorithm a {};
    SecureBytes clear = clearKey(key, a);
    return soft::mac(a, clear, mac, iv, paddedData);
}

} // namespace hc::hsm
