#include "hc/card/health/crypto.hpp"

#include "hc/card/error.hpp"

#include <memory>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdexcept>

namespace hc::card::health {

namespace {
Bytes sm4(ByteView key, ByteView data, bool encrypt, const EVP_CIPHER* cipher, ByteView iv = {}) {
    if (key.size() != 16) {
        throw hc::InputError("SM4: the key must be 16 bytes, got " + std::to_string(key.size()));
    }
    if (data.size() % 16 != 0) {
        throw hc::InputError("SM4: data must be whole 16-byte blocks, got "
            + std::to_string(data.size()) + " bytes");
    }
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(
        EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    Bytes out(data.size() + 16);
    int n1 = 0;
    int n2 = 0;
    if (!ctx
        || EVP_CipherInit_ex(ctx.get(), cipher, nullptr, key.data(),
               iv.empty() ? nullptr : iv.data(), encrypt ? 1 : 0)
            != 1
        || EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1
        || EVP_CipherUpdate(ctx.get(), out.data(), &n1, data.data(), static_cast<int>(data.size()))
            != 1
        || EVP_CipherFinal_ex(ctx.get(), out.data() + n1, &n2) != 1) {
        throw hc::Error("SM4 failed in OpenSSL", hc::NextStep::CallStaff);
    }
    out.resize(static_cast<std::size_t>(n1 + n2));
    return out;
}
} // namespace

Bytes sm4EcbEncrypt(ByteView key16, ByteView data) {
    return sm4(key16, data, true, EVP_sm4_ecb());
}
Bytes sm4EcbDecrypt(ByteView key16, ByteView data) {
    return sm4(key16, data, false, EVP_sm4_ecb());
}

Bytes sm4CbcMac(ByteView key16, ByteView iv16, ByteView paddedData) {
    if (iv16.size() != 16) {
        throw hc::InputError("SM4 MAC: the IV must be 16 bytes");
    }
    if (paddedData.empty()) {
        throw hc::InputError("SM4 MAC: no data");
    }
    const Bytes c = sm4(key16, paddedData, true, EVP_sm4_cbc(), iv16);
    return Bytes(c.end() - 16, c.end());
}

Bytes pad80(ByteView data, std::size_t block) {
    Bytes out(data.begin(), data.end());
    out.push_back(0x80);
    while (out.size() % block != 0) {
        out.push_back(0x00);
    }
    return out;
}

Bytes unpad80(ByteView data) {
    std::size_t n = data.size();
    while (n > 0 && data[n - 1] == 0x00) {
        --n;
    }
    if (n == 0 || data[n - 1] != 0x80) {
        throw hc::InputError("padding: no 80 marker found");
    }
    return Bytes(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n - 1));
}

Bytes diversify(ByteView key16, ByteView factor8) {
    if (factor8.size() != 8) {
        throw hc::InputError(
            "diversification factor must be 8 bytes, got " + std::to_string(factor8.size()));
    }
    Bytes block(factor8.begin(), factor8.end());
    for (auto b : factor8) {
        block.push_back(static_cast<std::uint8_t>(~b));
    }
    return sm4EcbEncrypt(key16, block);
}

Bytes fold16(ByteView c) {
    if (c.size() != 16) {
        throw hc::InputError("fold: 16 bytes expected");
    }
    Bytes out(8);
    for (std::size_t i = 0; i < 8; ++i) {
        out[i] = static_cast<std::uint8_t>(c[i] ^ c[i + 8]);
    }
    return out;
}

Bytes cardKey(ByteView master16, ByteView cardNo8, ByteView city8) {
    Bytes k(master16.begin(), master16.end());
    if (!city8.empty()) {
        k = diversify(k, city8);
    }
    return diversify(k, cardNo8);
}

Bytes sessionKey(ByteView master16, ByteView d) {
    if (d.size() != 16 && d.size() != 24) {
        throw hc::InputError(
            "key derivation data must be cardNo8 || [city8] || rand8 (16 or 24 bytes), got "
            + std::to_string(d.size()));
    }
    const ByteView card = d.subspan(0, 8);
    const ByteView city = d.size() == 24 ? d.subspan(8, 8) : ByteView {};
    const ByteView rand = d.subspan(d.size() - 8, 8);
    return diversify(cardKey(master16, card, city), rand);
}

Bytes authCryptogram(ByteView ks, ByteView plain8) {
    if (plain8.size() != 8) {
        throw hc::InputError("external authentication: the plain value must be 8 bytes");
    }
    Bytes block(plain8.begin(), plain8.end());
    block.resize(16, 0x00);
    return fold16(sm4EcbEncrypt(ks, block));
}

Bytes smMac4(ByteView ks, ByteView data) {
    const Bytes zero(16, 0x00);
    Bytes m = sm4CbcMac(ks, zero, pad80(data));
    m.resize(4);
    return m;
}

Bytes sm3(ByteView data) {
    Bytes out(32);
    unsigned int n = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &n, EVP_sm3(), nullptr) != 1 || n != 32) {
        throw hc::Error("SM3 failed in OpenSSL", hc::NextStep::CallStaff);
    }
    return out;
}

bool equalConstantTime(ByteView a, ByteView b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace hc::card::health
