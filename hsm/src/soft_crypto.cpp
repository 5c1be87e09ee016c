#include "soft_crypto.hpp"

#include "hc/base/crypto/block_cipher.hpp"
#include "hc/base/crypto/mac.hpp"
#include "hc/base/crypto/pboc_mac_input.hpp"
#include "hc/hsm/error.hpp"

#include <memory>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace hc::hsm::soft {

namespace {

struct CtxFree {
    void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const EVP_CIPHER* fetch(const char* name) {
    const EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, name, nullptr);
    if (c == nullptr) {
        throw ConfigurationError(std::string("OpenSSL has no cipher ") + name
            + ": install OpenSSL 3 with its default provider");
    }
    return c; // cached for the life of the process by the callers' statics
}

crypto::BlockCipher blockCipher(KeyAlgorithm algorithm) {
    switch (algorithm) {
    case KeyAlgorithm::Des:
        return crypto::BlockCipher::Des;
    case KeyAlgorithm::Des3:
        return crypto::BlockCipher::Des3;
    case KeyAlgorithm::Sm4:
        return crypto::BlockCipher::Sm4;
    case KeyAlgorithm::Aes:
        return crypto::BlockCipher::Aes;
    }
    throw InvalidArgumentError("unknown key algorithm");
}

void checkBlocks(KeyAlgorithm algorithm, ByteView data, ByteView iv, CipherMode mode) {
    std::size_t b = blockSize(algorithm);
    if (data.size() % b != 0) {
        throw InvalidArgumentError("data must be a whole number of " + std::to_string(b)
            + "-byte blocks: pad it (padIso9797Method2)");
    }
    if (mode == CipherMode::Cbc && !iv.empty() && iv.size() != b) {
        throw InvalidArgumentError("the IV must be one " + std::to_string(b) + "-byte block");
    }
}

} // namespace

Shape derivedShape(Shape parent, const DerivationStep& step) {
    auto bad = [&](const std::string& why) -> Shape {
        throw InvalidArgumentError(
            "cannot derive from a " + std::string(toString(parent.algorithm)) + " key: " + why);
    };
    switch (step.kind) {
    case Derivation::PbocDiversify:
        if (step.data.size() != 8) {
            return bad("the diversification factor must be 8 bytes");
        }
        if (parent.algorithm == KeyAlgorithm::Des3) {
            return { KeyAlgorithm::Des3, 16 };
        }
        if (parent.algorithm == KeyAlgorithm::Sm4) {
            return { KeyAlgorithm::Sm4, 16 };
        }
        return bad("PBOC diversification needs a 3DES or SM4 master key");
    case Derivation::EncryptData: {
        std::size_t n = step.data.size();
        if (parent.algorithm == KeyAlgorithm::Des || parent.algorithm == KeyAlgorithm::Des3) {
            if (n == 8) {
                return { KeyAlgorithm::Des, 8 };
            }
            if ((n == 16 || n == 24) && parent.algorithm == KeyAlgorithm::Des3) {
                return { KeyAlgorithm::Des3, n };
            }
            return bad("session data must be 8 (single-DES session key), 16 or 24 bytes");
        }
        if (parent.algorithm == KeyAlgorithm::Sm4) {
            if (n != 16) {
                return bad("SM4 session data must be one 16-byte block");
            }
            return { KeyAlgorithm::Sm4, 16 };
        }
        if (n != 16 && n != 32) {
            return bad("AES session data must be 16 or 32 bytes");
        }
        return { KeyAlgorithm::Aes, n };
    }
    case Derivation::XorHalves:
        if (parent.algorithm != KeyAlgorithm::Des3 || parent.length != 16) {
            return bad("XOR of halves needs a 16-byte 3DES key");
        }
        if (!step.data.empty()) {
            return bad("XOR of halves takes no data");
        }
        return { KeyAlgorithm::Des, 8 };
    }
    return bad("unknown derivation");
}

void cipher(KeyAlgorithm algorithm, const SecureBytes& key, bool encrypt, CipherMode mode,
    ByteView iv, ByteView in, std::uint8_t* out) {
    checkBlocks(algorithm, in, iv, mode);
    checkKeyLength(algorithm, key.size());
    if (in.empty()) {
        return;
    }
    crypto::crypt(blockCipher(algorithm),
        mode == CipherMode::Ecb ? crypto::CipherMode::Ecb : crypto::CipherMode::Cbc, encrypt, key,
        iv, in, std::span<std::uint8_t>(out, in.size()));
}

Bytes cipher(KeyAlgorithm algorithm, const SecureBytes& key, bool encrypt, CipherMode mode,
    ByteView iv, ByteView in) {
    Bytes out(in.size());
    cipher(algorithm, key, encrypt, mode, iv, in, out.data());
    return out;
}

void checkMacKey(MacAlgorithm mac, Shape key) {
    bool ok = false;
    switch (mac) {
    case MacAlgorithm::DesCbc:
        ok = key.algorithm == KeyAlgorithm::Des;
        break;
    case MacAlgorithm::Des3Cbc:
        ok = key.algorithm == KeyAlgorithm::Des3;
        break;
    case MacAlgorithm::Retail:
        ok = key.algorithm == KeyAlgorithm::Des3 && key.length == 16;
        break;
    case MacAlgorithm::Sm4Cbc:
        ok = key.algorithm == KeyAlgorithm::Sm4;
        break;
    case MacAlgorithm::AesCbc:
        ok = key.algorithm == KeyAlgorithm::Aes;
        break;
    }
    if (!ok) {
        throw InvalidArgumentError("this MAC algorithm cannot use a " + std::to_string(key.length)
            + "-byte " + std::string(toString(key.algorithm))
            + " key: DesCbc needs single DES (e.g. a PBOC session key), "
              "Retail a 16-byte 3DES key, Sm4Cbc an SM4 key");
    }
}

Bytes mac(KeyAlgorithm algorithm, const SecureBytes& key, MacAlgorithm macAlgorithm, ByteView iv,
    ByteView padded) {
    checkBlocks(algorithm, padded, iv, CipherMode::Cbc);
    if (padded.empty()) {
        throw InvalidArgumentError("nothing to MAC");
    }
    checkKeyLength(algorithm, key.size());
    if (macAlgorithm == MacAlgorithm::Retail) {
        return crypto::retailMac(key, iv, padded); // ISO 9797-1 MAC algorithm 3
    }
    return crypto::cbcMac(blockCipher(algorithm), key, iv, padded); // MAC algorithm 1
}

std::string kcv(KeyAlgorithm algorithm, const SecureBytes& key) {
    Bytes zeros(blockSize(algorithm), 0);
    Bytes out = cipher(algorithm, key, true, CipherMode::Ecb, {}, zeros);
    return toHex(ByteView(out).first(3));
}

SecureBytes derive(Shape parent, const SecureBytes& key, const DerivationStep& step) {
    Shape child = derivedShape(parent, step);
    SecureBytes out(child.length);
    switch (step.kind) {
    case Derivation::PbocDiversify: {
        const Bytes input = pboc::diversificationInput(step.data);
        cipher(parent.algorithm, key, true, CipherMode::Ecb, {}, input, out.data());
        break;
    }
    case Derivation::EncryptData:
        cipher(parent.algorithm, key, true, CipherMode::Ecb, {}, step.data, out.data());
        break;
    case Derivation::XorHalves:
        for (std::size_t i = 0; i < 8; ++i) {
            out[i] = static_cast<std::uint8_t>(key[i] ^ key[i + 8]);
        }
        break;
    }
    return out;
}

void checkWrappable(KeyAlgorithm transportAlgorithm, std::size_t keyLength) {
    if (transportAlgorithm == KeyAlgorithm::Aes) {
        if (keyLength < 16 || keyLength % 8 != 0) {
            throw InvalidArgumentError("AES key wrap needs a key of 16 bytes or more, a multiple "
                                       "of 8");
        }
        return;
    }
    if (keyLength % blockSize(transportAlgorithm) != 0) {
        throw InvalidArgumentError("a " + std::to_string(keyLength)
            + "-byte key cannot be "
              "wrapped under a "
            + std::string(toString(transportAlgorithm))
            + " transport key: use a transport key with a block size that "
              "divides the key length");
    }
}

Bytes wrap(KeyAlgorithm transportAlgorithm, const SecureBytes& transport, const SecureBytes& key) {
    checkWrappable(transportAlgorithm, key.size());
    if (transportAlgorithm != KeyAlgorithm::Aes) {
        return cipher(transportAlgorithm, transport, true, CipherMode::Cbc, {}, key);
    }
    static const EVP_CIPHER* w128 = fetch("AES-128-WRAP");
    static const EVP_CIPHER* w192 = fetch("AES-192-WRAP");
    static const EVP_CIPHER* w256 = fetch("AES-256-WRAP");
    const EVP_CIPHER* c = transport.size() == 16 ? w128 : transport.size() == 24 ? w192 : w256;
    Bytes out(key.size() + 8);
    CtxPtr ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    int fin = 0;
    EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    if (EVP_CipherInit_ex2(ctx.get(), c, transport.data(), nullptr, 1, nullptr) != 1
        || EVP_CipherUpdate(ctx.get(), out.data(), &len, key.data(), static_cast<int>(key.size()))
            != 1
        || EVP_CipherFinal_ex(ctx.get(), out.data() + len, &fin) != 1) {
        throw BackendError("AES key wrap failed: retry; if it persists, call staff", 0);
    }
    out.resize(static_cast<std::size_t>(len + fin));
    return out;
}

SecureBytes unwrap(KeyAlgorithm transportAlgorithm, const SecureBytes& transport, ByteView blob) {
    if (transportAlgorithm != KeyAlgorithm::Aes) {
        checkWrappable(transportAlgorithm, blob.size());
        SecureBytes out(blob.size());
        cipher(transportAlgorithm, transport, false, CipherMode::Cbc, {}, blob, out.data());
        return out;
    }
    if (blob.size() < 24 || blob.size() % 8 != 0) {
        throw InvalidArgumentError("an AES-wrapped key blob is 24 bytes or more, a multiple of 8");
    }
    static const EVP_CIPHER* w128 = fetch("AES-128-WRAP");
    static const EVP_CIPHER* w192 = fetch("AES-192-WRAP");
    static const EVP_CIPHER* w256 = fetch("AES-256-WRAP");
    const EVP_CIPHER* c = transport.size() == 16 ? w128 : transport.size() == 24 ? w192 : w256;
    SecureBytes out(blob.size());
    CtxPtr ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    int fin = 0;
    EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    if (EVP_CipherInit_ex2(ctx.get(), c, transport.data(), nullptr, 0, nullptr) != 1
        || EVP_CipherUpdate(ctx.get(), out.data(), &len, blob.data(), static_cast<int>(blob.size()))
            != 1
        || EVP_CipherFinal_ex(ctx.get(), out.data() + len, &fin) != 1) {
        throw KcvMismatchError("the wrapped key does not unwrap under this transport key "
                               "(integrity check failed): check the transport key and the blob",
            0);
    }
    out.resize(static_cast<std::size_t>(len + fin));
    return out;
}

void normalizeParity(KeyAlgorithm algorithm, SecureBytes& key) {
    if (algorithm != KeyAlgorithm::Des && algorithm != KeyAlgorithm::Des3) {
        return;
    }
    for (auto& b : key) {
        auto v = static_cast<std::uint8_t>(b & 0xFE);
        b = static_cast<std::uint8_t>(v | ((__builtin_popcount(v) % 2 == 0) ? 1 : 0));
    }
}

SecureBytes randomKey(std::size_t length) {
    SecureBytes out(length);
    if (RAND_priv_bytes(out.data(), static_cast<int>(length)) != 1) {
        throw BackendError("the random generator failed: retry; if it persists, call staff", 0);
    }
    return out;
}

} // namespace hc::hsm::soft
