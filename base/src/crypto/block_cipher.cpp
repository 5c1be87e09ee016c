#include "hc/base/crypto/block_cipher.hpp"

#include "hc/base/error.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string>

namespace hc::crypto {

namespace {

struct CtxFree {
    void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};

const EVP_CIPHER* fetch(const char* name) {
    const EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, name, nullptr);
    if (c == nullptr) {
        throw Error(std::string("OpenSSL has no cipher ") + name
                + ": install OpenSSL 3 with its default provider",
            NextStep::CheckConfiguration);
    }
    return c; // kept for the life of the process by the statics below
}

const EVP_CIPHER* evpCipher(BlockCipher cipher, std::size_t keySize, CipherMode mode) {
    const bool ecb = mode == CipherMode::Ecb;
    switch (cipher) {
    case BlockCipher::Des:
    case BlockCipher::Des3: {
        static const EVP_CIPHER* e = fetch("DES-EDE3-ECB");
        static const EVP_CIPHER* c = fetch("DES-EDE3-CBC");
        return ecb ? e : c;
    }
    case BlockCipher::Sm4: {
        static const EVP_CIPHER* e = fetch("SM4-ECB");
        static const EVP_CIPHER* c = fetch("SM4-CBC");
        return ecb ? e : c;
    }
    case BlockCipher::Aes: {
        static const EVP_CIPHER* e128 = fetch("AES-128-ECB");
        static const EVP_CIPHER* c128 = fetch("AES-128-CBC");
        static const EVP_CIPHER* e192 = fetch("AES-192-ECB");
        static const EVP_CIPHER* c192 = fetch("AES-192-CBC");
        static const EVP_CIPHER* e256 = fetch("AES-256-ECB");
        static const EVP_CIPHER* c256 = fetch("AES-256-CBC");
        if (keySize == 16) {
            return ecb ? e128 : c128;
        }
        if (keySize == 24) {
            return ecb ? e192 : c192;
        }
        return ecb ? e256 : c256;
    }
    }
    throw InputError("block cipher: unknown cipher");
}

/** What the error messages and checks need to know of each cipher, by BlockCipher value. */
struct CipherInfo {
    const char* name;
    std::size_t block;
    const char* keySizes;
    std::array<std::size_t, 3> keys; // valid key lengths (0 = none)
};

constexpr std::array<CipherInfo, 4> kInfo { {
    { "DES", 8, "8", { 8, 0, 0 } },
    { "3DES", 8, "16 or 24", { 16, 24, 0 } },
    { "SM4", 16, "16", { 16, 0, 0 } },
    { "AES", 16, "16, 24 or 32", { 16, 24, 32 } },
} };

const CipherInfo& info(BlockCipher cipher) noexcept {
    return kInfo[static_cast<std::size_t>(cipher) % kInfo.size()];
}

bool keySizeOk(BlockCipher cipher, std::size_t n) {
    const auto& keys = info(cipher).keys;
    return n != 0 && std::find(keys.begin(), keys.end(), n) != keys.end();
}

/** The key as OpenSSL's DES-EDE3 wants it: DES and 2-key 3DES expanded to 24 bytes. */
struct EvpKey {
    std::array<std::uint8_t, 32> bytes {};
    ~EvpKey() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

void fill(EvpKey& k, BlockCipher cipher, ByteView key) {
    auto put = [&](std::size_t at, ByteView part) {
        std::copy(part.begin(), part.end(), k.bytes.begin() + static_cast<std::ptrdiff_t>(at));
    };
    if (cipher == BlockCipher::Des) {
        put(0, key);
        put(8, key);
        put(16, key);
    } else if (cipher == BlockCipher::Des3 && key.size() == 16) {
        put(0, key);
        put(16, key.first(8));
    } else {
        put(0, key);
    }
}

} // namespace

std::size_t blockSize(BlockCipher cipher) noexcept {
    return info(cipher).block;
}

const char* describe(BlockCipher cipher) noexcept {
    return info(cipher).name;
}

void crypt(BlockCipher cipher, CipherMode mode, bool encrypt, ByteView key, ByteView iv,
    ByteView in, std::span<std::uint8_t> out) {
    const std::size_t b = blockSize(cipher);
    const std::string name = describe(cipher);
    if (!keySizeOk(cipher, key.size())) {
        throw InputError(name + " key: expected " + info(cipher).keySizes + " bytes, got "
            + std::to_string(key.size()));
    }
    if (in.size() % b != 0) {
        throw InputError(name + " data: expected whole " + std::to_string(b) + "-byte blocks, got "
            + std::to_string(in.size()) + " bytes (pad it first)");
    }
    if (mode == CipherMode::Cbc && !iv.empty() && iv.size() != b) {
        throw InputError(name + " IV: expected " + std::to_string(b) + " bytes, got "
            + std::to_string(iv.size()));
    }
    if (out.size() != in.size()) {
        throw InputError(name + ": the output buffer must be as long as the input");
    }
    if (in.empty()) {
        return;
    }
    EvpKey k;
    fill(k, cipher, key);
    static constexpr std::array<std::uint8_t, 16> kZeroIv {};
    const std::uint8_t* ivp = nullptr;
    if (mode == CipherMode::Cbc) {
        ivp = iv.empty() ? kZeroIv.data() : iv.data();
    }
    std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
    int n1 = 0;
    int n2 = 0;
    if (!ctx
        || EVP_CipherInit_ex2(ctx.get(), evpCipher(cipher, key.size(), mode), k.bytes.data(), ivp,
               encrypt ? 1 : 0, nullptr)
            != 1
        || EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1
        || EVP_CipherUpdate(ctx.get(), out.data(), &n1, in.data(), static_cast<int>(in.size())) != 1
        || EVP_CipherFinal_ex(ctx.get(), out.data() + n1, &n2) != 1
        || static_cast<std::size_t>(n1 + n2) != in.size()) {
        throw Error(
            name + " failed in OpenSSL: retry; if it persists, call staff", NextStep::CallStaff);
    }
}

Bytes encryptEcb(BlockCipher cipher, ByteView key, ByteView data) {
    Bytes out(data.size());
    crypt(cipher, CipherMode::Ecb, true, key, {}, data, out);
    return out;
}

Bytes decryptEcb(BlockCipher cipher, ByteView key, ByteView data) {
    Bytes out(data.size());
    crypt(cipher, CipherMode::Ecb, false, key, {}, data, out);
    return out;
}

Bytes encryptCbc(BlockCipher cipher, ByteView key, ByteView iv, ByteView data) {
    Bytes out(data.size());
    crypt(cipher, CipherMode::Cbc, true, key, iv, data, out);
    return out;
}

Bytes decryptCbc(BlockCipher cipher, ByteView key, ByteView iv, ByteView data) {
    Bytes out(data.size());
    crypt(cipher, CipherMode::Cbc, false, key, iv, data, out);
    return out;
}

} // namespace hc::crypto
