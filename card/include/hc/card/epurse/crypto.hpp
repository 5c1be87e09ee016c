// The e-purse cryptography (JR/T 0025 / PBOC ED/EP, DES family), as pure functions:
//
//   MAC(K8, data)   single-DES CBC, IV 0, ISO 9797-1 method 2 padding, left 4 bytes
//   SESLK           3DES_DLK(rand4 || onlineATC2 || 8000)
//   SESPK           3DES_DPK(rand4 || offlineATC2 || TTSN[2..3])
//   MAC1 load       MAC(SESLK, balance4 || amount4 || type1 || terminal6)
//   MAC2 load       MAC(SESLK, amount4 || type1 || terminal6 || date4 || time3)
//   MAC1 purchase   MAC(SESPK, amount4 || type1 || terminal6 || date4 || time3)
//   MAC2 purchase   MAC(SESPK, amount4)
//   TAC key         DTK_left XOR DTK_right (single DES)
//   TAC purchase    MAC(TAC key, amount4 || type1 || terminal6 || TTSN4 || date4 || time3)
//   TAC load        MAC(TAC key, newBalance4 || onlineATC2 || amount4 || type1 || terminal6
//                        || date4 || time3)          (onlineATC = the one INIT returned)
//   diversify       3DES_MK(D) || 3DES_MK(NOT D), D = right 8 bytes of the application serial
//   SM4 diversify   SM4_MK(D || NOT D)  (the project's SM4 form; the SM4 purse itself is a gap)
//
// Every function checks its input sizes and throws hc::InputError naming the field. Keys are
// 16 bytes (2-key 3DES) unless named K8. OpenSSL does the block cipher (single DES is run as
// 3DES with K1 = K2 = K3, so no legacy provider is needed). Safe from any thread.
#pragma once

#include "hc/card/bytes.hpp"
#include "hc/card/epurse/types.hpp"

#include <cstdint>

namespace hc::card::epurse {

/** Single DES ECB of one 8-byte block with an 8-byte key. */
Bytes desEncrypt(ByteView key8, ByteView block8);
/** 2-key 3DES (EDE, K1 K2 K1) ECB of one 8-byte block with a 16-byte key. */
Bytes des3Encrypt(ByteView key16, ByteView block8);
/** SM4 ECB of one 16-byte block with a 16-byte key. */
Bytes sm4Encrypt(ByteView key16, ByteView block16);

/** ISO 9797-1 method 2 padding: append 80, then 00 up to a multiple of `block`. */
Bytes padMethod2(ByteView data, std::size_t block = 8);
/** The PBOC purse MAC: single-DES CBC (IV = `iv8`, default zero) over padMethod2(data), left 4
 * bytes of the last block. */
Mac4 pbocMac(ByteView key8, ByteView data, ByteView iv8 = {});

/** PBOC key diversification: 3DES_MK(D) || 3DES_MK(NOT D). `d8` is 8 bytes. */
Bytes diversify(ByteView masterKey16, ByteView d8);
/** SM4 form of the same: SM4_MK(D || NOT D), one 16-byte block. */
Bytes diversifySm4(ByteView masterKey16, ByteView d8);

/** SESLK = 3DES_DLK(rand4 || onlineATC2 || 80 00). */
Bytes loadSessionKey(ByteView dlk16, ByteView random4, std::uint16_t onlineAtc);
/** SESPK = 3DES_DPK(rand4 || offlineATC2 || TTSN low 2 bytes). */
Bytes purchaseSessionKey(
    ByteView dpk16, ByteView random4, std::uint16_t offlineAtc, std::uint32_t ttsn);
/** The TAC key: DTK left half XOR right half (8 bytes). */
Bytes tacKey(ByteView dtk16);

/** The fields every purse MAC/TAC input is built from. */
struct PurseFields {
    /** Amount in fen. */
    std::uint32_t amount = 0;
    /** Transaction type (txtype). */
    std::uint8_t type = txtype::EpPurchase;
    /** Terminal id. */
    TerminalId terminal {};
    /** Date and time (not used by MAC1 of a load). */
    TransactionTime when {};
};

/** MAC1 of a load: MAC(SESLK, balance || amount || type || terminal). */
Mac4 loadMac1(ByteView seslk8, std::uint32_t balanceBefore, const PurseFields& f);
/** MAC2 of a load: MAC(SESLK, amount || type || terminal || date || time). */
Mac4 loadMac2(ByteView seslk8, const PurseFields& f);
/** MAC1 of a purchase: MAC(SESPK, amount || type || terminal || date || time). */
Mac4 purchaseMac1(ByteView sespk8, const PurseFields& f);
/** MAC2 of a purchase: MAC(SESPK, amount). */
Mac4 purchaseMac2(ByteView sespk8, std::uint32_t amount);
/** TAC of a purchase: MAC(DTK_L ^ DTK_R, amount || type || terminal || TTSN || date || time). */
Mac4 purchaseTac(ByteView dtk16, const PurseFields& f, std::uint32_t ttsn);
/** TAC of a load: MAC(DTK_L ^ DTK_R, newBalance || onlineATC || amount || type || terminal ||
 * date || time). */
Mac4 loadTac(
    ByteView dtk16, std::uint32_t balanceAfter, std::uint16_t onlineAtc, const PurseFields& f);

/** Constant-time comparison of two cryptograms. */
bool sameMac(ByteView a, ByteView b);

} // namespace hc::card::epurse
