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
//   SM4 diversify   SM4_MK(D || NOT D)  (the project's SM4 form)
//
// The SM4 purse (algorithm id 04 in the INITIALIZE answers; PBOC 3.0 SM4 cards): the same
// inputs, with SM4 and 16-byte blocks. The reference leaves the details open; our choices
// (docs/epurse.md "SM4 purse"):
//   MAC(K16, data)  SM4 CBC, IV 0 (16 bytes), method 2 padding to 16, left 4 bytes
//   session keys    SM4_K(in8 || NOT in8), in8 = the 8-byte input of the 3DES form (16 bytes)
//   TAC key         the DTK itself (16 bytes; L XOR R would not be an SM4 key)
//   diversify       SM4_MK(D || NOT D)
// Every key-taking function below has a trailing PurseAlgorithm, Des3 unless given.
//
// Every function checks its input sizes and throws hc::InputError naming the field. Keys are
// 16 bytes (2-key 3DES) unless named K8. OpenSSL does the block cipher (single DES is run as
// 3DES with K1 = K2 = K3, so no legacy provider is needed). Safe from any thread.
#pragma once

#include "hc/card/bytes.hpp"
#include "hc/card/epurse/types.hpp"

#include <cstdint>
#include <optional>

namespace hc::card::epurse {

/** The purse's algorithm, as the card names it in byte "algId" of its INITIALIZE answers. */
enum class PurseAlgorithm : std::uint8_t {
    /** 00: DES / 2-key 3DES (JR/T 0025, PBOC 2.0). */
    Des3 = 0x00,
    /** 04: SM4 (PBOC 3.0). */
    Sm4 = 0x04,
};

/** The algorithm of an algId byte; nullopt for an id we do not implement. */
std::optional<PurseAlgorithm> purseAlgorithmOf(std::uint8_t algId);
/** "3DES" or "SM4". */
const char* describe(PurseAlgorithm alg);
/** The length of a session key: 8 (3DES: a single-DES key) or 16 (SM4). */
std::size_t sessionKeySize(PurseAlgorithm alg);

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

/** The SM4 purse MAC: SM4 CBC (IV zero) over padMethod2(data, 16), left 4 bytes of the last
 * block. */
Mac4 sm4Mac(ByteView key16, ByteView data);
/** pbocMac (Des3, 8-byte key) or sm4Mac (Sm4, 16-byte key). */
Mac4 purseMac(PurseAlgorithm alg, ByteView key, ByteView data);

/** PBOC key diversification: 3DES_MK(D) || 3DES_MK(NOT D) (Des3) or SM4_MK(D || NOT D) (Sm4).
 * `d8` is 8 bytes. */
Bytes diversify(ByteView masterKey16, ByteView d8, PurseAlgorithm alg = PurseAlgorithm::Des3);
/** SM4 form of the same: SM4_MK(D || NOT D), one 16-byte block. */
Bytes diversifySm4(ByteView masterKey16, ByteView d8);

/** SESLK = 3DES_DLK(rand4 || onlineATC2 || 80 00) (8 bytes); SM4: SM4_DLK(in || NOT in) (16). */
Bytes loadSessionKey(ByteView dlk16, ByteView random4, std::uint16_t onlineAtc,
    PurseAlgorithm alg = PurseAlgorithm::Des3);
/** SESPK = 3DES_DPK(rand4 || offlineATC2 || TTSN low 2 bytes); SM4: SM4_DPK(in || NOT in). */
Bytes purchaseSessionKey(ByteView dpk16, ByteView random4, std::uint16_t offlineAtc,
    std::uint32_t ttsn, PurseAlgorithm alg = PurseAlgorithm::Des3);
/** The TAC key: DTK left half XOR right half (8 bytes); SM4: the DTK (16 bytes). */
Bytes tacKey(ByteView dtk16, PurseAlgorithm alg = PurseAlgorithm::Des3);

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
Mac4 loadMac1(ByteView seslk8, std::uint32_t balanceBefore, const PurseFields& f,
    PurseAlgorithm alg = PurseAlgorithm::Des3);
/** MAC2 of a load: MAC(SESLK, amount || type || terminal || date || time). */
Mac4 loadMac2(ByteView seslk8, const PurseFields& f, PurseAlgorithm alg = PurseAlgorithm::Des3);
/** MAC1 of a purchase: MAC(SESPK, amount || type || terminal || date || time). */
Mac4 purchaseMac1(ByteView sespk8, const PurseFields& f, PurseAlgorithm alg = PurseAlgorithm::Des3);
/** MAC2 of a purchase: MAC(SESPK, amount). */
Mac4 purchaseMac2(ByteView sespk8, std::uint32_t amount, PurseAlgorithm alg = PurseAlgorithm::Des3);
/** TAC of a purchase: MAC(DTK_L ^ DTK_R, amount || type || terminal || TTSN || date || time). */
Mac4 purchaseTac(ByteView dtk16, const PurseFields& f, std::uint32_t ttsn,
    PurseAlgorithm alg = PurseAlgorithm::Des3);
/** TAC of a load: MAC(DTK_L ^ DTK_R, newBalance || onlineATC || amount || type || terminal ||
 * date || time). */
Mac4 loadTac(ByteView dtk16, std::uint32_t balanceAfter, std::uint16_t onlineAtc,
    const PurseFields& f, PurseAlgorithm alg = PurseAlgorithm::Des3);

/** MAC1 of an overdraft-limit update: MAC(SESUK, balance4 || oldLimit3 || 07 || terminal6);
 * SESUK is made like SESLK, with the DUK. */
Mac4 overdraftMac1(ByteView sesuk, std::uint32_t balance, std::uint32_t oldLimit,
    const TerminalId& terminal, PurseAlgorithm alg = PurseAlgorithm::Des3);
/** MAC2 of an overdraft-limit update: MAC(SESUK, newLimit3 || 07 || terminal6 || date || time). */
Mac4 overdraftMac2(ByteView sesuk, std::uint32_t newLimit, const TerminalId& terminal,
    const TransactionTime& when, PurseAlgorithm alg = PurseAlgorithm::Des3);
/** TAC of an overdraft-limit update: MAC(TAC key, newBalance4 || onlineATC2 || newLimit3 || 07
 * || terminal6 || date || time). */
Mac4 overdraftTac(ByteView dtk16, std::uint32_t newBalance, std::uint16_t onlineAtc,
    std::uint32_t newLimit, const TerminalId& terminal, const TransactionTime& when,
    PurseAlgorithm alg = PurseAlgorithm::Des3);
/** Constant-time comparison of two cryptograms. */
bool sameMac(ByteView a, ByteView b);

} // namespace hc::card::epurse
