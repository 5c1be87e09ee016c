#include "hc/hsm/key_store_file.hpp"

#include <memory>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "hc/hsm/error.hpp"

namespace hc::hsm {

namespace {

constexpr std::size_t kSaltLen = 16;
constexpr std::size_t kNonceLen = 12;
constexpr std::size_t kTagLen = 16;
constexpr std::size_t kHeaderLen = 4 + 1 + 1 + 3 + kSaltLen + kNonceLen + 4; // 41
constexpr std::size_t kMaxKeys = 10000;

struct CtxFree {
    void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};

SecureBytes deriveKek(const std::string& passphrase, ByteView salt, const KdfParameters& kdf)
{
    SecureBytes key(32);
    std::uint64_t n = std::uint64_t {1} << kdf.log2N;
    std::uint64_t maxmem = 128ULL * kdf.r * (n + kdf.p + 2) + (1ULL << 20);
    if (EVP_PBE_scrypt(passphrase.data(), passphrase.size(), salt.data(), salt.size(), n, kdf.r,
                       kdf.p, maxmem, key.data(), key.size())
        != 1) {
        throw KeyStoreError("scrypt failed (out of memory?): retry with more memory available");
    }
    return key;
}

void checkKdf(const KdfParameters& kdf)
{
    if (kdf.log2N < 10 || kdf.log2N > 20 || kdf.r < 1 || kdf.r > 16 || kdf.p < 1 || kdf.p > 4) {
        throw KeyStoreError("the key store's scrypt parameters are out of range: the file is "
                            "damaged; restore it from backup");
    }
}

std::uint32_t readU32(ByteView b, std::size_t at)
{
    return (static_cast<std::uint32_t>(b[at]) << 24) | (static_cast<std::uint32_t>(b[at + 1]) << 16)
        | (static_cast<std::uint32_t>(b[at + 2]) << 8) | static_cast<std::uint32_t>(b[at + 3]);
}

void appendU32(Bytes& out, std::uint32_t v)
{
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<std::uint8_t>(v >> shift));
    }
}

} // namespace

KdfParameters parseKeyStoreHeader(ByteView file)
{
    if (file.size() < kHeaderLen + kTagLen) {
        throw KeyStoreError("the key-store file is too short: it is damaged or not a key store; "
                            "restore it from backup");
    }
    if (file[0] != 'H' || file[1] != 'C' || file[2] != 'K' || file[3] != 'S') {
        throw KeyStoreError("the file is not an hc key store (bad magic): check the path");
    }
    if (file[4] != 1 || file[5] != 1) {
        throw KeyStoreError("unsupported key-store version or KDF: upgrade hsm-tool");
    }
    KdfParameters kdf {file[6], file[7], file[8]};
    checkKdf(kdf);
    std::uint32_t ctLen = readU32(file, kHeaderLen - 4);
    if (static_cast<std::uint64_t>(ctLen) + kHeaderLen + kTagLen != file.size()) {
        throw KeyStoreError("the key-store length field does not match the file size: the file "
                            "is truncated or damaged; restore it from backup");
    }
    return kdf;
}

std::vector<StoredKey> parseKeyStorePlaintext(ByteView p)
{
    auto need = [&](std::size_t at, std::size_t n) {
        if (at > p.size() || p.size() - at < n) {
            throw KeyStoreError("the key-store contents end early: the file is damaged");
        }
    };
    need(0, 2);
    std::size_t count = (static_cast<std::size_t>(p[0]) << 8) | p[1];
    if (count > kMaxKeys) {
        throw KeyStoreError("the key store claims too many keys: the file is damaged");
    }
    std::vector<StoredKey> keys;
    std::size_t at = 2;
    for (std::size_t i = 0; i < count; ++i) {
        StoredKey k;
        need(at, 1);
        std::size_t labelLen = p[at++];
        need(at, labelLen + 4 + 1 + 1 + 1);
        k.ref.label.assign(reinterpret_cast<const char*>(p.data() + at), labelLen);
        at += labelLen;
        k.ref.version = readU32(p, at);
        at += 4;
        std::uint8_t alg = p[at++];
        if (alg < 1 || alg > 4) {
            throw KeyStoreError("the key store holds an unknown key algorithm: upgrade hsm-tool");
        }
        k.algorithm = static_cast<KeyAlgorithm>(alg);
        k.exportable = (p[at++] & 1) != 0;
        std::size_t keyLen = p[at++];
        need(at, keyLen);
        k.value.assign(p.begin() + static_cast<std::ptrdiff_t>(at),
                       p.begin() + static_cast<std::ptrdiff_t>(at + keyLen));
        at += keyLen;
        try {
            checkKeyRef(k.ref);
            checkKeyLength(k.algorithm, k.value.size());
        } catch (const InvalidArgumentError& e) {
            throw KeyStoreError(std::string("the key store holds a malformed entry (") + e.what()
                                + "): the file is damaged");
        }
        keys.push_back(std::move(k));
    }
    if (at != p.size()) {
        throw KeyStoreError("the key store has trailing bytes: the file is damaged");
    }
    return keys;
}

Bytes sealKeyStore(const std::vector<StoredKey>& keys, const std::string& passphrase,
                   const KdfParameters& kdf)
{
    checkKdf(kdf);
    if (keys.size() > kMaxKeys) {
        throw KeyStoreError("too many keys for one key store");
    }
    SecureBytes plain;
    plain.push_back(static_cast<std::uint8_t>(keys.size() >> 8));
    plain.push_back(static_cast<std::uint8_t>(keys.size()));
    for (const auto& k : keys) {
        plain.push_back(static_cast<std::uint8_t>(k.ref.label.size()));
        plain.insert(plain.end(), k.ref.label.begin(), k.ref.label.end());
        for (int shift = 24; shift >= 0; shift -= 8) {
            plain.push_back(static_cast<std::uint8_t>(k.ref.version >> shift));
        }
        plain.push_back(static_cast<std::uint8_t>(k.algorithm));
        plain.push_back(k.exportable ? 1 : 0);
        plain.push_back(static_cast<std::uint8_t>(k.value.size()));
        plain.insert(plain.end(), k.value.begin(), k.value.end());
    }
    Bytes out {'H', 'C', 'K', 'S', 1, 1, kdf.log2N, kdf.r, kdf.p};
    Bytes salt(kSaltLen);
    Bytes nonce(kNonceLen);
    if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1
        || RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1) {
        throw KeyStoreError("the random generator failed: retry");
    }
    out.insert(out.end(), salt.begin(), salt.end());
    out.insert(out.end(), nonce.begin(), nonce.end());
    appendU32(out, static_cast<std::uint32_t>(plain.size()));
    SecureBytes kek = deriveKek(passphrase, salt, kdf);
    std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
    std::size_t headerLen = out.size();
    out.resize(headerLen + plain.size() + kTagLen);
    int len = 0;
    int fin = 0;
    int aadLen = 0;
    if (EVP_EncryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), kek.data(), nonce.data(), nullptr) != 1
        || EVP_EncryptUpdate(ctx.get(), nullptr, &aadLen, out.data(), static_cast<int>(headerLen))
            != 1
        || EVP_EncryptUpdate(ctx.get(), out.data() + headerLen, &len, plain.data(),
                             static_cast<int>(plain.size()))
            != 1
        || EVP_EncryptFinal_ex(ctx.get(), out.data() + headerLen + len, &fin) != 1
        || EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagLen),
                               out.data() + headerLen + plain.size())
            != 1) {
        throw KeyStoreError("sealing the key store failed: retry");
    }
    return out;
}

std::vector<StoredKey> openKeyStore(ByteView file, const std::string& passphrase)
{
    KdfParameters kdf = parseKeyStoreHeader(file);
    ByteView salt = file.subspan(9, kSaltLen);
    ByteView nonce = file.subspan(9 + kSaltLen, kNonceLen);
    ByteView ct = file.subspan(kHeaderLen, file.size() - kHeaderLen - kTagLen);
    Bytes tag(file.end() - static_cast<std::ptrdiff_t>(kTagLen), file.end());
    SecureBytes kek = deriveKek(passphrase, salt, kdf);
    SecureBytes plain(ct.size() + 16);
    std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    int fin = 0;
    int aadLen = 0;
    bool ok = EVP_DecryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), kek.data(), nonce.data(), nullptr)
            == 1
        && EVP_DecryptUpdate(ctx.get(), nullptr, &aadLen, file.data(), static_cast<int>(kHeaderLen))
            == 1
        && EVP_DecryptUpdate(ctx.get(), plain.data(), &len, ct.data(), static_cast<int>(ct.size()))
            == 1
        && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagLen),
                               tag.data())
            == 1
        && EVP_DecryptFinal_ex(ctx.get(), plain.data() + len, &fin) == 1;
    if (!ok) {
        throw KeyStoreError("the key store does not open: wrong passphrase, or the file was "
                            "altered. Check the passphrase file/variable, or restore the file "
                            "from backup");
    }
    plain.resize(static_cast<std::size_t>(len + fin));
    return parseKeyStorePlaintext(ByteView(plain.data(), plain.size()));
}

} // namespace hc::hsm
