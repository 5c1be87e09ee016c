#include "hc/card/epurse/crypto.hpp"

#include "hc/base/crypto/block_cipher.hpp"
#include "hc/base/crypto/mac.hpp"
#include "hc/base/crypto/padding.hpp"
#include "hc/base/crypto/pboc_mac_input.hpp"
#include "hc/base/secure_bytes.hpp"
#include "hc/card/error.hpp"

namespace hc::card::epurse {

namespace {

void need(ByteView b, std::size_t n, const char* what) {
    if (b.size() != n) {
        throw InputError(std::string(what) + ": expected " + std::to_string(n) + " bytes, got "
            + std::to_string(b.size()));
    }
}

/** The base layout's view of the card's purse fields. */
pboc::MacFields fields(const PurseFields& f) {
    return { f.amount, f.type, f.terminal, f.when.date, f.when.time };
}

/** The 8-byte session key input, encrypted with the 3DES or the SM4 form. */
Bytes sessionKey(ByteView key16, ByteView in8, PurseAlgorithm alg) {
    if (alg == PurseAlgorithm::Sm4) {
        return sm4Encrypt(key16, pboc::diversificationInput(in8));
    }
    return des3Encrypt(key16, in8);
}

Mac4 macWithKey(PurseAlgorithm alg, Bytes key, ByteView data) {
    const Mac4 mac = purseMac(alg, key, data);
    cleanse(key);
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
    return crypto::encryptEcb(crypto::BlockCipher::Des, key8, block8);
}

Bytes des3Encrypt(ByteView key16, ByteView block8) {
    need(key16, 16, "3DES key");
    need(block8, 8, "3DES block");
    return crypto::encryptEcb(crypto::BlockCipher::Des3, key16, block8);
}

Bytes sm4Encrypt(ByteView key16, ByteView block16) {
    need(key16, 16, "SM4 key");
    need(block16, 16, "SM4 block");
    return crypto::encryptEcb(crypto::BlockCipher::Sm4, key16, block16);
}

Bytes padMethod2(ByteView data, std::size_t block) {
    return crypto::padIso9797Method2(data, block);
}

Mac4 pbocMac(ByteView key8, ByteView data, ByteView iv8) {
    need(key8, 8, "MAC key");
    if (!iv8.empty()) {
        need(iv8, 8, "MAC IV");
    }
    const Bytes last = crypto::cbcMac(crypto::BlockCipher::Des, key8, iv8, padMethod2(data));
    return { last[0], last[1], last[2], last[3] };
}

Mac4 sm4Mac(ByteView key16, ByteView data) {
    need(key16, 16, "SM4 MAC key");
    const Bytes last = crypto::cbcMac(crypto::BlockCipher::Sm4, key16, {}, padMethod2(data, 16));
    return { last[0], last[1], last[2], last[3] };
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
    return crypto::encryptEcb(
        crypto::BlockCipher::Des3, masterKey16, pboc::diversificationInput(d8));
}

Bytes diversifySm4(ByteView masterKey16, ByteView d8) {
    need(masterKey16, 16, "master key");
    need(d8, 8, "diversification data");
    return sm4Encrypt(masterKey16, pboc::diversificationInput(d8));
}

Bytes loadSessionKey(
    ByteView dlk16, ByteView random4, std::uint16_t onlineAtc, PurseAlgorithm alg) {
    need(random4, 4, "card random");
    return sessionKey(dlk16, pboc::loadSessionInput(random4, onlineAtc), alg);
}

Bytes purchaseSessionKey(ByteView dpk16, ByteView random4, std::uint16_t offlineAtc,
    std::uint32_t ttsn, PurseAlgorithm alg) {
    need(random4, 4, "card random");
    return sessionKey(dpk16, pboc::purchaseSessionInput(random4, offlineAtc, ttsn), alg);
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
    return purseMac(alg, seslk8, pboc::loadMac1Input(balanceBefore, fields(f)));
}

Mac4 loadMac2(ByteView seslk8, const PurseFields& f, PurseAlgorithm alg) {
    return purseMac(alg, seslk8, pboc::loadMac2Input(fields(f)));
}

Mac4 purchaseMac1(ByteView sespk8, const PurseFields& f, PurseAlgorithm alg) {
    return purseMac(alg, sespk8, pboc::purchaseMac1Input(fields(f)));
}

Mac4 purchaseMac2(ByteView sespk8, std::uint32_t amount, PurseAlgorithm alg) {
    return purseMac(alg, sespk8, pboc::purchaseMac2Input(amount));
}

Mac4 purchaseTac(ByteView dtk16, const PurseFields& f, std::uint32_t ttsn, PurseAlgorithm alg) {
    return macWithKey(alg, tacKey(dtk16, alg), pboc::purchaseTacInput(fields(f), ttsn));
}

Mac4 loadTac(ByteView dtk16, std::uint32_t balanceAfter, std::uint16_t onlineAtc,
    const PurseFields& f, PurseAlgorithm alg) {
    return macWithKey(
        alg, tacKey(dtk16, alg), pboc::loadTacInput(balanceAfter, onlineAtc, fields(f)));
}

Mac4 overdraftMac1(ByteView sesuk, std::uint32_t balance, std::uint32_t oldLimit,
    const TerminalId& terminal, PurseAlgorithm alg) {
    return purseMac(alg, sesuk, pboc::overdraftMac1Input(balance, oldLimit, terminal));
}

Mac4 overdraftMac2(ByteView sesuk, std::uint32_t newLimit, const TerminalId& terminal,
    const TransactionTime& when, PurseAlgorithm alg) {
    return purseMac(alg, sesuk, pboc::overdraftMac2Input(newLimit, terminal, when.date, when.time));
}

Mac4 overdraftTac(ByteView dtk16, std::uint32_t newBalance, std::uint16_t onlineAtc,
    std::uint32_t newLimit, const TerminalId& terminal, const TransactionTime& when,
    PurseAlgorithm alg) {
    return macWithKey(alg, tacKey(dtk16, alg),
        pboc::overdraftTacInput(newBalance, onlineAtc, newLimit, terminal, when.date, when.time));
}

bool sameMac(ByteView a, ByteView b) {
    return constantTimeEqual(a, b);
}

} // namespace hc::card::epurse
