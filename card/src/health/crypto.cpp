#include "hc/card/health/crypto.hpp"

#include "hc/base/crypto/block_cipher.hpp"
#include "hc/base/crypto/digest.hpp"
#include "hc/base/crypto/mac.hpp"
#include "hc/base/crypto/padding.hpp"
#include "hc/base/crypto/pboc_mac_input.hpp"
#include "hc/card/error.hpp"

namespace hc::card::health {

namespace {
void needSm4(ByteView key, ByteView data) {
    if (key.size() != 16) {
        throw hc::InputError("SM4: the key must be 16 bytes, got " + std::to_string(key.size()));
    }
    if (data.size() % 16 != 0) {
        throw hc::InputError("SM4: data must be whole 16-byte blocks, got "
            + std::to_string(data.size()) + " bytes");
    }
}
} // namespace

Bytes sm4EcbEncrypt(ByteView key16, ByteView data) {
    needSm4(key16, data);
    return crypto::encryptEcb(crypto::BlockCipher::Sm4, key16, data);
}
Bytes sm4EcbDecrypt(ByteView key16, ByteView data) {
    needSm4(key16, data);
    return crypto::decryptEcb(crypto::BlockCipher::Sm4, key16, data);
}

Bytes sm4CbcMac(ByteView key16, ByteView iv16, ByteView paddedData) {
    if (iv16.size() != 16) {
        throw hc::InputError("SM4 MAC: the IV must be 16 bytes");
    }
    if (paddedData.empty()) {
        throw hc::InputError("SM4 MAC: no data");
    }
    needSm4(key16, paddedData);
    return crypto::cbcMac(crypto::BlockCipher::Sm4, key16, iv16, paddedData);
}

Bytes pad80(ByteView data, std::size_t block) {
    return crypto::padIso9797Method2(data, block);
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
    return sm4EcbEncrypt(key16, pboc::diversificationInput(factor8));
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
    return crypto::sm3(data);
}

bool equalConstantTime(ByteView a, ByteView b) {
    return constantTimeEqual(a, b);
}

} // namespace hc::card::health
