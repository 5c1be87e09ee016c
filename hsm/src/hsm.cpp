#include "hc/hsm/hsm.hpp"

#include <algorithm>
#include <cctype>
#include <type_traits>

#include "soft_crypto.hpp"

namespace hc::hsm {

namespace {

std::string errorKind(const Error& e)
{
    if (dynamic_cast<const KeyNotFoundError*>(&e)) {
        return "key-not-found";
    }
    if (dynamic_cast<const KeyExistsError*>(&e)) {
        return "key-exists";
    }
    if (dynamic_cast<const KcvMismatchError*>(&e)) {
        return "kcv-mismatch";
    }
    if (dynamic_cast<const MacVerificationError*>(&e)) {
        return "mac-mismatch";
    }
    if (dynamic_cast<const PinError*>(&e)) {
        return "pin";
    }
    if (dynamic_cast<const TokenMissingError*>(&e)) {
        return "token-missing";
    }
    if (dynamic_cast<const InvalidArgumentError*>(&e)) {
        return "invalid-argument";
    }
    if (dynamic_cast<const UnsupportedError*>(&e)) {
        return "unsupported";
    }
    return "failed";
}

bool kcvEqual(std::string_view a, std::string_view b)
{
    if (a.size() < 6 || b.size() < 6) {
        return false;
    }
    for (std::size_t i = 0; i < 6; ++i) {
        if (std::toupper(static_cast<unsigned char>(a[i]))
            != std::toupper(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

void checkCipherInput(KeyAlgorithm algorithm, CipherMode mode, ByteView data, ByteView iv)
{
    std::size_t b = blockSize(algorithm);
    if (data.empty() || data.size() % b != 0) {
        throw InvalidArgumentError("data must be a non-empty whole number of " + std::to_string(b)
                                   + "-byte blocks: pad it with padIso9797Method2");
    }
    if (!iv.empty() && (mode == CipherMode::Ecb || iv.size() != b)) {
        throw InvalidArgumentError("an IV is one " + std::to_string(b)
                                   + "-byte block and only used with CBC");
    }
}

} // namespace

std::string keyCheckValue(KeyAlgorithm algorithm, const SecureBytes& key)
{
    checkKeyLength(algorithm, key.size());
    return soft::kcv(algorithm, key);
}

Hsm::~Hsm() = default;

Hsm::Resolved Hsm::resolve(const KeySpec& key)
{
    checkKeyRef(key.base);
    auto info = doFind(key.base);
    if (!info) {
        throw KeyNotFoundError("key " + key.base.toString() + " is not in " + name()
                               + ": list keys with `hsm-tool list`, then generate or import it");
    }
    soft::Shape shape {info->algorithm, info->length};
    for (const auto& step : key.path) {
        shape = soft::derivedShape(shape, step);
    }
    return {*info, shape.algorithm, shape.length};
}

void Hsm::audit(std::string_view op, const std::string& key, const std::string& kcv,
                std::string_view result, bool management)
{
    if (m_audit && (management || m_auditCrypto)) {
        m_audit->append(op, key, kcv, result, management);
    }
}

template <typename F>
auto Hsm::audited(std::string_view op, const KeySpec& key, bool management, F&& body)
{
    std::string kcv;
    try {
        if constexpr (std::is_void_v<decltype(body(kcv))>) {
            body(kcv);
            audit(op, key.describe(), kcv, "ok", management);
        } else {
            auto result = body(kcv);
            audit(op, key.describe(), kcv, "ok", management);
            return result;
        }
    } catch (const AuditError&) {
        throw;
    } catch (const Error& e) {
        audit(op, key.describe(), kcv, "error: " + errorKind(e), management);
        throw;
    }
}

KeyInfo Hsm::generateKey(const KeyRef& ref, KeyAlgorithm algorithm, std::size_t length,
                         const KeyOptions& options)
{
    return audited("generate", KeySpec(ref), true, [&](std::string& kcv) {
        checkKeyRef(ref);
        std::size_t n = length == 0 ? defaultKeyLength(algorithm) : length;
        checkKeyLength(algorithm, n);
        if (doFind(ref)) {
            throw KeyExistsError("key " + ref.toString() + " already exists in " + name()
                                 + ": choose a new version number");
        }
        KeyInfo info = doGenerate(ref, algorithm, n, options);
        kcv = info.kcv;
        return info;
    });
}

KeyInfo Hsm::importComponents(const KeyRef& ref, KeyAlgorithm algorithm,
                              std::span<const KeyComponent> components,
                              const std::optional<std::string>& expectedKcv,
                              const KeyOptions& options)
{
    return audited("import-components", KeySpec(ref), true, [&](std::string& kcv) {
        checkKeyRef(ref);
        if (components.size() < 2 || components.size() > 3) {
            throw InvalidArgumentError("a key is imported from 2 or 3 components");
        }
        std::size_t n = components[0].clear.size();
        checkKeyLength(algorithm, n);
        if (doFind(ref)) {
            throw KeyExistsError("key " + ref.toString() + " already exists in " + name()
                                 + ": choose a new version number");
        }
        SecureBytes key(n, 0);
        for (std::size_t i = 0; i < components.size(); ++i) {
            const auto& c = components[i];
            int index = static_cast<int>(i + 1);
            if (c.clear.size() != n) {
                throw KcvMismatchError("component " + std::to_string(index) + " has "
                                           + std::to_string(c.clear.size()) + " bytes, component 1 has "
                                           + std::to_string(n) + ": re-enter component "
                                           + std::to_string(index),
                                       index);
            }
            std::string actual = soft::kcv(algorithm, c.clear);
            if (!kcvEqual(actual, c.kcv)) {
                throw KcvMismatchError("component " + std::to_string(index) + " has KCV " + actual
                                           + ", the custodian's form says " + c.kcv
                                           + ": re-enter component " + std::to_string(index),
                                       index);
            }
            for (std::size_t j = 0; j < n; ++j) {
                key[j] = static_cast<std::uint8_t>(key[j] ^ c.clear[j]);
            }
        }
        std::string combined = soft::kcv(algorithm, key);
        if (expectedKcv && !kcvEqual(combined, *expectedKcv)) {
            throw KcvMismatchError("the combined key has KCV " + combined + ", expected "
                                       + *expectedKcv + ": re-enter all components",
                                   0);
        }
        KeyInfo info = doImportClear(ref, algorithm, key, options);
        kcv = info.kcv;
        return info;
    });
}

WrappedKey Hsm::exportWrapped(const KeySpec& key, const KeyRef& transport)
{
    return audited("export-wrapped", key, true, [&](std::string& kcv) {
        Resolved k = resolve(key);
        kcv = k.base.kcv;
        Resolved t = resolve(KeySpec(transport));
        if (!k.base.exportable) {
            throw InvalidArgumentError("key " + key.base.toString()
                                       + " was stored as not exportable");
        }
        if (t.algorithm == KeyAlgorithm::Des) {
            throw InvalidArgumentError("a single-DES key is too weak to be a transport key");
        }
        soft::checkWrappable(t.algorithm, k.length);
        KeyInfo effective = k.base;
        effective.algorithm = k.algorithm;
        effective.length = k.length;
        WrappedKey out;
        out.algorithm = k.algorithm;
        out.kcv = key.path.empty() ? k.base.kcv : doDerivedKcv(key, k.algorithm);
        out.blob = doExportWrapped(key, effective, t.base);
        return out;
    });
}

Bytes Hsm::wrapForCard(const KeySpec& key, const KeySpec& transport, ByteView header)
{
    return audited("wrap-for-card", key, true, [&](std::string& kcv) {
        Resolved k = resolve(key);
        kcv = k.base.kcv;
        Resolved t = resolve(transport);
        if (key.path.empty() && !k.base.exportable) {
            throw InvalidArgumentError("key " + key.base.toString()
                                       + " was stored as not exportable: only keys derived from it "
                                         "can be wrapped for a card");
        }
        if (t.algorithm == KeyAlgorithm::Des) {
            throw InvalidArgumentError("a single-DES key is too weak to be a transport key");
        }
        if (header.size() > 32) {
            throw InvalidArgumentError("the key header for a card is at most 32 bytes");
        }
        return doWrapForCard(key, transport, t.algorithm, header);
    });
}

KeyInfo Hsm::importWrapped(const KeyRef& ref, const WrappedKey& wrapped, const KeyRef& transport,
                           const KeyOptions& options)
{
    return audited("import-wrapped", KeySpec(ref), true, [&](std::string& kcv) {
        checkKeyRef(ref);
        Resolved t = resolve(KeySpec(transport));
        std::size_t n = t.algorithm == KeyAlgorithm::Aes ? wrapped.blob.size() - 8
                                                          : wrapped.blob.size();
        if (wrapped.blob.size() < 8) {
            throw InvalidArgumentError("the wrapped key blob is too short");
        }
        checkKeyLength(wrapped.algorithm, n);
        soft::checkWrappable(t.algorithm, n);
        if (doFind(ref)) {
            throw KeyExistsError("key " + ref.toString() + " already exists in " + name()
                                 + ": choose a new version number");
        }
        KeyInfo info = doImportWrapped(ref, wrapped, t.base, options);
        kcv = info.kcv;
        if (!kcvEqual(info.kcv, wrapped.kcv)) {
            doDelete(ref);
            throw KcvMismatchError("the unwrapped key has KCV " + info.kcv + ", the sender says "
                                       + wrapped.kcv
                                       + ": check the transport key and re-enter the blob and KCV",
                                   0);
        }
        return info;
    });
}

std::vector<KeyInfo> Hsm::listKeys()
{
    auto keys = doList();
    std::sort(keys.begin(), keys.end(), [](const KeyInfo& a, const KeyInfo& b) {
        return a.ref.label != b.ref.label ? a.ref.label < b.ref.label
                                          : a.ref.version < b.ref.version;
    });
    return keys;
}

KeyInfo Hsm::describe(const KeySpec& key)
{
    if (key.path.empty()) {
        return resolve(key).base;
    }
    return audited("kcv", key, false, [&](std::string& kcv) {
        Resolved r = resolve(key);
        kcv = r.base.kcv;
        KeyInfo info = r.base;
        info.algorithm = r.algorithm;
        info.length = r.length;
        info.kcv = doDerivedKcv(key, r.algorithm);
        return info;
    });
}

void Hsm::deleteKey(const KeyRef& ref)
{
    audited("delete", KeySpec(ref), true, [&](std::string& kcv) {
        Resolved r = resolve(KeySpec(ref));
        kcv = r.base.kcv;
        doDelete(ref);
    });
}

KeySpec Hsm::diversify(const KeySpec& master, ByteView d)
{
    KeySpec out = master.diversified(d);
    (void)resolve(out);
    return out;
}

KeySpec Hsm::diversify(const KeySpec& master, const std::vector<Bytes>& factors)
{
    KeySpec out = master.diversified(factors);
    (void)resolve(out);
    return out;
}

KeySpec Hsm::deriveSessionKey(const KeySpec& key, ByteView data)
{
    KeySpec out = key.session(data);
    (void)resolve(out);
    return out;
}

Bytes Hsm::encrypt(const KeySpec& key, CipherMode mode, ByteView data, ByteView iv)
{
    return audited("encrypt", key, false, [&](std::string& kcv) {
        Resolved r = resolve(key);
        kcv = r.base.kcv;
        checkCipherInput(r.algorithm, mode, data, iv);
        return doCipher(key, r.algorithm, true, mode, iv, data);
    });
}

Bytes Hsm::decrypt(const KeySpec& key, CipherMode mode, ByteView data, ByteView iv)
{
    return audited("decrypt", key, false, [&](std::string& kcv) {
        Resolved r = resolve(key);
        kcv = r.base.kcv;
        checkCipherInput(r.algorithm, mode, data, iv);
        return doCipher(key, r.algorithm, false, mode, iv, data);
    });
}

Bytes Hsm::mac(const KeySpec& key, MacAlgorithm algorithm, ByteView data, ByteView iv)
{
    return audited("mac", key, false, [&](std::string& kcv) {
        Resolved r = resolve(key);
        kcv = r.base.kcv;
        soft::checkMacKey(algorithm, {r.algorithm, r.length});
        Bytes padded = padIso9797Method2(data, blockSize(r.algorithm));
        checkCipherInput(r.algorithm, CipherMode::Cbc, padded, iv);
        return doMac(key, r.algorithm, algorithm, iv, padded);
    });
}

Bytes Hsm::macPadded(const KeySpec& key, MacAlgorithm algorithm, ByteView paddedData, ByteView iv)
{
    return audited("mac", key, false, [&](std::string& kcv) {
        Resolved r = resolve(key);
        kcv = r.base.kcv;
        soft::checkMacKey(algorithm, {r.algorithm, r.length});
        checkCipherInput(r.algorithm, CipherMode::Cbc, paddedData, iv);
        return doMac(key, r.algorithm, algorithm, iv, paddedData);
    });
}

bool Hsm::verifyMac(const KeySpec& key, MacAlgorithm algorithm, ByteView data, ByteView expected,
                    ByteView iv)
{
    return audited("verify-mac", key, false, [&](std::string& kcv) {
        Resolved r = resolve(key);
        kcv = r.base.kcv;
        soft::checkMacKey(algorithm, {r.algorithm, r.length});
        if (expected.empty() || expected.size() > blockSize(r.algorithm)) {
            throw InvalidArgumentError("the MAC to verify must have 1 to "
                                       + std::to_string(blockSize(r.algorithm)) + " bytes");
        }
        Bytes padded = padIso9797Method2(data, blockSize(r.algorithm));
        checkCipherInput(r.algorithm, CipherMode::Cbc, padded, iv);
        Bytes m = doMac(key, r.algorithm, algorithm, iv, padded);
        return constantTimeEqual(ByteView(m).first(expected.size()), expected);
    });
}

Bytes Hsm::issuerLoadMac2(const KeySpec& dlk, const LoadRequest& load)
{
    KeySpec seslk = dlk.session(loadSessionData(load));
    return audited("load-mac2", dlk, false, [&](std::string& kcv) {
        Resolved r = resolve(seslk);
        kcv = r.base.kcv;
        if (r.algorithm != KeyAlgorithm::Des) {
            throw InvalidArgumentError("the load key must be a 16-byte 3DES key (DLK)");
        }
        Bytes mac1 = doMac(seslk, r.algorithm, MacAlgorithm::DesCbc, {},
                           padIso9797Method2(loadMac1Input(load), 8));
        if (!constantTimeEqual(ByteView(mac1).first(4), load.mac1)) {
            throw MacVerificationError("MAC1 of the load does not verify: refuse the load and do "
                                       "not credit the card (wrong card key, amount, balance or "
                                       "terminal id)");
        }
        Bytes mac2 = doMac(seslk, r.algorithm, MacAlgorithm::DesCbc, {},
                           padIso9797Method2(loadMac2Input(load), 8));
        mac2.resize(4);
        return mac2;
    });
}

Bytes Hsm::purchaseTac(const KeySpec& dtk, const PurchaseRecord& purchase)
{
    KeySpec tacKey = dtk.xorHalves();
    return audited("purchase-tac", dtk, false, [&](std::string& kcv) {
        Resolved r = resolve(tacKey);
        kcv = r.base.kcv;
        Bytes tac = doMac(tacKey, r.algorithm, MacAlgorithm::DesCbc, {},
                          padIso9797Method2(purchaseTacInput(purchase), 8));
        tac.resize(4);
        return tac;
    });
}

bool Hsm::verifyPurchaseTac(const KeySpec& dtk, const PurchaseRecord& purchase, ByteView tac)
{
    KeySpec tacKey = dtk.xorHalves();
    return audited("verify-tac", dtk, false, [&](std::string& kcv) {
        Resolved r = resolve(tacKey);
        kcv = r.base.kcv;
        if (tac.size() != 4) {
            throw InvalidArgumentError("a TAC has 4 bytes");
        }
        Bytes expected = doMac(tacKey, r.algorithm, MacAlgorithm::DesCbc, {},
                               padIso9797Method2(purchaseTacInput(purchase), 8));
        return constantTimeEqual(ByteView(expected).first(4), tac);
    });
}

} // namespace hc::hsm
