#include "hc/base/crypto/mac.hpp"

#include "hc/base/error.hpp"
#include "hc/base/secure_bytes.hpp"

#include <string>

namespace hc::crypto {

Bytes cbcMac(BlockCipher cipher, ByteView key, ByteView iv, ByteView padded) {
    const std::size_t b = blockSize(cipher);
    if (padded.empty()) {
        throw InputError(std::string(describe(cipher)) + " MAC: no data (pad it first)");
    }
    Bytes out = encryptCbc(cipher, key, iv, padded);
    return Bytes(out.end() - static_cast<std::ptrdiff_t>(b), out.end());
}

Bytes retailMac(ByteView key16, ByteView iv, ByteView padded) {
    if (key16.size() != 16) {
        throw InputError(
            "retail MAC key: expected 16 bytes (2-key 3DES), got " + std::to_string(key16.size()));
    }
    if (padded.empty() || padded.size() % 8 != 0) {
        throw InputError("retail MAC data: expected whole 8-byte blocks, got "
            + std::to_string(padded.size()) + " bytes (pad it first)");
    }
    Bytes h(8, 0);
    if (!iv.empty()) {
        if (iv.size() != 8) {
            throw InputError("retail MAC IV: expected 8 bytes, got " + std::to_string(iv.size()));
        }
        h.assign(iv.begin(), iv.end());
    }
    const std::size_t n = padded.size() / 8;
    if (n > 1) {
        const SecureBytes left(key16.begin(), key16.begin() + 8);
        const Bytes out = encryptCbc(BlockCipher::Des, left, h, padded.first((n - 1) * 8));
        h.assign(out.end() - 8, out.end());
    }
    Bytes last(padded.end() - 8, padded.end());
    for (std::size_t i = 0; i < 8; ++i) {
        last[i] = static_cast<std::uint8_t>(last[i] ^ h[i]);
    }
    // E_KL(D_KR(E_KL(x))) is exactly 2-key 3DES of the last chained block.
    return encryptEcb(BlockCipher::Des3, key16, last);
}

} // namespace hc::crypto
