#include "hc/card/epurse/crypto.hpp"

#include "hc/card/error.hpp"

#include <memory>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdexcept>

namespace hc::card::epurse {

namespace {

void need(ByteView b, std::size_t n, const char* what) {
    if (b.size() != n) {
        throw InputError(std::string(what) + ": expected " + std::to_string(n) + " bytes, got "
            + std::to_string(b.size()));
    }
}

Bytes ecb(const EVP_CIPHER* cipher, ByteView key, ByteView block) {
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(
        EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    Bytes out(block.size() + 16);
    int n1 = 0;
    int n2 = 0;
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, key.data(), nullptr) != 1
        || EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1
        || EVP_EncryptUpdate(
               ctx.get(), out.data(), &n1, block.data(), static_cast<int>(block.size()))
            != 1
        || EVP_EncryptFinal_ex(ctx.get(), out.data() + n1, &n2) != 1) {
        throw std::runtime_error("e-purse: block cipher failed in OpenSSL");
    }
    out.resize(static_cast<std::size_t>(n1 + n2));
    return out;
}

void put32(Bytes& b, std::uint32_t v) {
    appendBigEndian(b, v, 4);
}

void putFields(Bytes& b, const PurseFields& f, bool withTime) {
    put32(b, f.amount);
    b.push_back(f.type);
    b.insert(b.end(), f.terminal.begin(), f.terminal.end());
    if (withTime) {
        b.insert(b.end(), f.when.date.begin(), f.when.date.end());
        b.insert(b.end(), f.when.time.begin(), f.when.time.end());
    }
}

Bytes withComplement(ByteView in8) {
    Bytes block(in8.begin(), in8.end());
    for (auto b : in8) {
        block.push_back(static_cast<std::uint8_t>(~b));
    }
    return block;
}

/** The 8-byte session key input, encrypted with the 3DES or the SM4 form. */
Bytes sessionKey(ByteView key16, ByteView in8, PurseAlgorithm alg) {
    if (alg == PurseAlgorithm::Sm4) {
        return sm4Encrypt(key16, withComplement(in8));
    }
    return des3Encrypt(key16, in8);
}

Mac4 macWithKey(PurseAlgorithm alg, Bytes key, ByteView data) {
    const Mac4 mac = purseMac(alg, key, data);
    OPENSSL_cleanse(key.data(), key.size());
    return mac;
}

} // namespace

std::optional<PurseAlgorithm> purseAlgorithmOf(std::uint8_t algId) {
    switch (algId) {
    case 0x00:
        return PurseAlgorithm::Des3;
    case 0x04:
        return PurseAlgorithm::Sm4;
    default:
        return std::nullopt;
    }
}

const char* describe(PurseAlgorithm alg) {
    return alg == PurseAlgorithm::Sm4 ? "SM4" : "3DES";
}

std::size_t sessionKeySize(PurseAlgorithm alg) {
    return alg == PurseAlgorithm::Sm4 ? 16 : 8;
}

Bytes desEncrypt(ByteView key8, ByteView block8) {
    need(key8, 8, "DES key");
    need(block8, 8, "DES block");
    Bytes k3 = concat(key8, key8, key8);
    Bytes out = ecb(EVP_des_ede3_ecb(), k3, block8);
    OPENSSL_cleanse(k3.data(), k3.size());
    return out;
}

Bytes des3Encrypt(ByteView key16, ByteView block8) {
    need(key16, 16, "3DES key");
    need(block8, 8, "3DES block");
    return ecb(EVP_des_ede_ecb(), key16, block8);
}

Bytes sm4Encrypt(ByteView key16, ByteView block16) {
    need(key16, 16, "SM4 key");
    need(block16, 16, "SM4 block");
    return ecb(EVP_sm4_ecb(), key16, block16);
}

Bytes padMethod2(ByteView data, std::size_t block) {
    Bytes out(data.begin(), data.end());
    out.push_back(0x80);
    while (out.size() % block != 0) {
        out.push_back(0x00);
    }
    return out;
}

Mac4 pbocMac(ByteView key8, ByteView data, ByteView iv8) {
    need(key8, 8, "MAC key");
    Bytes chain(8, 0x00);
    if (!iv8.empty()) {
        need(iv8, 8, "MAC IV");
        chain.assign(iv8.begin(), iv8.end());
    }
    const Bytes padded = padMethod2(data);
    for (std::size_t off = 0; off < padded.size(); off += 8) {
        for (std::size_t i = 0; i < 8; ++i) {
            chain[i] = static_cast<std::uint8_t>(chain[i] ^ padded[off + i]);
        }
        chain = desEncrypt(key8, chain);
    }
    return { chain[0], chain[1], chain[2], chain[3] };
}

Mac4 sm4Mac(ByteView key16, ByteView data) {
    need(key16, 16, "SM4 MAC key");
    Bytes chain(16, 0x00);
    const Bytes padded = padMethod2(data, 16);
    for (std::size_t off = 0; off < padded.size(); off += 16) {
        for (std::size_t i = 0; i < 16; ++i) {
            chain[i] = static_cast<std::uint8_t>(chain[i] ^ padded[off + i]);
        }
        chain = sm4Encrypt(key16, chain);
    }
    return { chain[0], chain[1], chain[2], chain[3] };
}

Mac4 purseMac(PurseAlgorithm alg, ByteView key, ByteView data) {
    return alg == PurseAlgorithm::Sm4 ? sm4Mac(key, data) : pbocMac(key, data);
}

Bytes diversify(ByteView masterKey16, ByteView d8, PurseAlgorithm alg) {
    if (alg == PurseAlgorithm::Sm4) {
        return diversifySm4(masterKey16, d8);
    }
    need(masterKey16, 16, "master key");
    need(d8, 8, "diversification data");
    Bytes notD(d8.begin(), d8.end());
    for (auto& b : notD) {
        b = static_cast<std::uint8_t>(~b);
    }
    return concat(des3Encrypt(masterKey16, d8), des3Encrypt(masterKey16, notD));
}

Bytes diversifySm4(ByteView masterKey16, ByteView d8) {
    need(masterKey16, 16, "master key");
    need(d8, 8, "diversification data");
    return sm4Encrypt(masterKey16, withComplement(d8));
}

Bytes loadSessionKey(
    ByteView dlk16, ByteView random4, std::uint16_t onlineAtc, PurseAlgorithm alg) {
    need(random4, 4, "card random");
    Bytes in(random4.begin(), random4.end());
    appendBigEndian(in, onlineAtc, 2);
    in.push_back(0x80);
    in.push_back(0x00);
    return sessionKey(dlk16, in, alg);
}

Bytes purchaseSessionKey(ByteView dpk16, ByteView random4, std::uint16_t offlineAtc,
    std::uint32_t ttsn, PurseAlgorithm alg) {
    need(random4, 4, "card random");
    Bytes in(random4.begin(), random4.end());
    appendBigEndian(in, offlineAtc, 2);
    appendBigEndian(in, ttsn & 0xFFFFu, 2);
    return sessionKey(dpk16, in, alg);
}

Bytes tacKey(ByteView dtk16, PurseAlgorithm alg) {
    need(dtk16, 16, "DTK");
    if (alg == PurseAlgorithm::Sm4) {
        return Bytes(dtk16.begin(), dtk16.end());
    }
    Bytes k(8);
    for (std::size_t i = 0; i < 8; ++i) {
        k[i] = static_cast<std::uint8_t>(dtk16[i] ^ dtk16[i + 8]);
    }
    return k;
}

Mac4 loadMac1(
    ByteView seslk8, std::uint32_t balanceBefore, const PurseFields& f, PurseAlgorithm alg) {
    Bytes in;
    put32(in, balanceBefore);
    putFields(in, f, false);
    return purseMac(alg, seslk8, in);
}

Mac4 loadMac2(ByteView seslk8, const PurseFields& f, PurseAlgorithm alg) {
    Bytes in;
    putFields(in, f, true);
    return purseMac(alg, seslk8, in);
}

Mac4 purchaseMac1(ByteView sespk8, const PurseFields& f, PurseAlgorithm alg) {
    Bytes in;
    putFields(in, f, true);
    return purseMac(alg, sespk8, in);
}

Mac4 purchaseMac2(ByteView sespk8, std::uint32_t amount, PurseAlgorithm alg) {
    Bytes in;
    put32(in, amount);
    return purseMac(alg, sespk8, in);
}

Mac4 purchaseTac(ByteView dtk16, const PurseFields& f, std::uint32_t ttsn, PurseAlgorithm alg) {
    Bytes in;
    put32(in, f.amount);
    in.push_back(f.type);
    in.insert(in.end(), f.terminal.begin(), f.terminal.end());
    put32(in, ttsn);
    in.insert(in.end(), f.when.date.begin(), f.when.date.end());
    in.insert(in.end(), f.when.time.begin(), f.when.time.end());
    return macWithKey(alg, tacKey(dtk16, alg), in);
}

Mac4 loadTac(ByteView dtk16, std::uint32_t balanceAfter, std::uint16_t onlineAtc,
    const PurseFields& f, PurseAlgorithm alg) {
    Bytes in;
    put32(in, balanceAfter);
    appendBigEndian(in, onlineAtc, 2);
    putFields(in, f, true);
    return macWithKey(alg, tacKey(dtk16, alg), in);
}

Mac4 overdraftMac1(ByteView sesuk, std::uint32_t balance, std::uint32_t oldLimit,
    const TerminalId& terminal, PurseAlgorithm alg) {
    Bytes in;
    put32(in, balance);
    appendBigEndian(in, oldLimit & 0xFFFFFFu, 3);
    in.push_back(txtype::OverdraftUpdate);
    in.insert(in.end(), terminal.begin(), terminal.end());
    return purseMac(alg, sesuk, in);
}

Mac4 overdraftMac2(ByteView sesuk, std::uint32_t newLimit, const TerminalId& terminal,
    const TransactionTime& when, PurseAlgorithm alg) {
    Bytes in;
    appendBigEndian(in, newLimit & 0xFFFFFFu, 3);
    in.push_back(txtype::OverdraftUpdate);
    in.insert(in.end(), terminal.begin(), terminal.end());
    in.insert(in.end(), when.date.begin(), when.date.end());
    in.insert(in.end(), when.time.begin(), when.time.end());
    return purseMac(alg, sesuk, in);
}

Mac4 overdraftTac(ByteView dtk16, std::uint32_t newBalance, std::uint16_t onlineAtc,
    std::uint32_t newLimit, const TerminalId& terminal, const TransactionTime& when,
    PurseAlgorithm alg) {
    Bytes in;
    put32(in, newBalance);
    appendBigEndian(in, onlineAtc, 2);
    appendBigEndian(in, newLimit & 0xFFFFFFu, 3);
    in.push_back(txtype::OverdraftUpdate);
    in.insert(in.end(), terminal.begin(), terminal.end());
    in.insert(in.end(), when.date.begin(), when.date.end());
    in.insert(in.end(), when.time.begin(), when.time.end());
    return macWithKey(alg, tacKey(dtk16, alg), in);
}

bool sameMac(ByteView a, ByteView b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace hc::card::epurse
