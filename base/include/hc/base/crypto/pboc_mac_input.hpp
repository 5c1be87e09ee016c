// The byte layouts of the PBOC e-purse (JR/T 0025 / PBOC ED/EP) session-key and MAC/TAC inputs,
// written once for both ends: the card library (which computes and checks MACs in software) and
// the HSM (which computes them under keys it holds). Pure byte formats: no keys, no card. Numbers
// are big-endian; amounts and balances 4 bytes (fen), ATCs 2, overdraft limits 3, the TTSN 4;
// terminal ids 6 bytes, dates BCD YYYYMMDD (4), times BCD hhmmss (3).
//
//   SESLK input          random4 || onlineATC2 || 80 00
//   SESPK input          random4 || offlineATC2 || TTSN low 2 bytes
//   MAC1 load            balance4 || amount4 || type1 || terminal6
//   MAC2 load            amount4 || type1 || terminal6 || date4 || time3
//   MAC1 purchase        amount4 || type1 || terminal6 || date4 || time3
//   MAC2 purchase        amount4
//   TAC purchase         amount4 || type1 || terminal6 || TTSN4 || date4 || time3
//   TAC load             newBalance4 || onlineATC2 || amount4 || type1 || terminal6 || date4
//                        || time3
//   MAC1 overdraft       balance4 || oldLimit3 || 07 || terminal6
//   MAC2 overdraft       newLimit3 || 07 || terminal6 || date4 || time3
//   TAC overdraft        newBalance4 || onlineATC2 || newLimit3 || 07 || terminal6 || date4
//                        || time3
//   diversification      D || NOT D (the 16-byte block the SM4 form encrypts; the 3DES form
//                        encrypts the two halves one by one)
//
// Every function checks the sizes of its byte fields and throws hc::InputError naming the field.
#pragma once

#include "hc/base/bytes.hpp"

#include <cstdint>

namespace hc::pboc {

/** The transaction-type byte of an overdraft-limit update. */
inline constexpr std::uint8_t kOverdraftUpdateType = 0x07;

/** The fields most MAC/TAC inputs are built from. `date` and `time` may be empty where a layout
 * does not use them (MAC1 of a load). */
struct MacFields {
    /** Amount in fen. */
    std::uint32_t amount = 0;
    /** Transaction type byte. */
    std::uint8_t type = 0;
    /** Terminal id, 6 bytes. */
    ByteView terminal;
    /** BCD YYYYMMDD, 4 bytes. */
    ByteView date;
    /** BCD hhmmss, 3 bytes. */
    ByteView time;
};

/** SESLK input: random4 || onlineATC2 || 80 00. */
Bytes loadSessionInput(ByteView random4, std::uint16_t onlineAtc);
/** SESPK input: random4 || offlineATC2 || TTSN low 2 bytes. */
Bytes purchaseSessionInput(ByteView random4, std::uint16_t offlineAtc, std::uint32_t ttsn);
/** MAC1 of a load: balance4 || amount4 || type1 || terminal6 (no date or time). */
Bytes loadMac1Input(std::uint32_t balanceBefore, const MacFields& f);
/** MAC2 of a load: amount4 || type1 || terminal6 || date4 || time3. */
Bytes loadMac2Input(const MacFields& f);
/** MAC1 of a purchase: amount4 || type1 || terminal6 || date4 || time3. */
Bytes purchaseMac1Input(const MacFields& f);
/** MAC2 of a purchase: amount4. */
Bytes purchaseMac2Input(std::uint32_t amount);
/** TAC of a purchase: amount4 || type1 || terminal6 || TTSN4 || date4 || time3. */
Bytes purchaseTacInput(const MacFields& f, std::uint32_t ttsn);
/** TAC of a load: newBalance4 || onlineATC2 || amount4 || type1 || terminal6 || date4 || time3. */
Bytes loadTacInput(std::uint32_t balanceAfter, std::uint16_t onlineAtc, const MacFields& f);
/** MAC1 of an overdraft-limit update: balance4 || oldLimit3 || 07 || terminal6. */
Bytes overdraftMac1Input(std::uint32_t balance, std::uint32_t oldLimit, ByteView terminal6);
/** MAC2 of an overdraft-limit update: newLimit3 || 07 || terminal6 || date4 || time3. */
Bytes overdraftMac2Input(
    std::uint32_t newLimit, ByteView terminal6, ByteView date4, ByteView time3);
/** TAC of an overdraft-limit update: newBalance4 || onlineATC2 || newLimit3 || 07 || terminal6
 * || date4 || time3. */
Bytes overdraftTacInput(std::uint32_t newBalance, std::uint16_t onlineAtc, std::uint32_t newLimit,
    ByteView terminal6, ByteView date4, ByteView time3);
/** The diversification block D || NOT D (16 bytes) for an 8-byte factor D. */
Bytes diversificationInput(ByteView d8);

} // namespace hc::pboc
