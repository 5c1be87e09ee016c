// PBOC e-purse (JR/T 0025 style) data as the issuer host sees it, and the builders of the session
// data and MAC/TAC inputs. Field formats: amounts 4-byte big-endian fen, date BCD YYYYMMDD,
// time BCD hhmmss, terminal id 6 bytes. Pure functions.
#pragma once

#include <array>
#include <cstdint>

#include "hc/hsm/bytes.hpp"

namespace hc::hsm {

/** Transaction type bytes used in MAC/TAC inputs. */
namespace TransactionType {
inline constexpr std::uint8_t EdLoad = 0x01;      ///< electronic deposit load
inline constexpr std::uint8_t EpLoad = 0x02;      ///< electronic purse load
inline constexpr std::uint8_t EdPurchase = 0x05;  ///< electronic deposit purchase
inline constexpr std::uint8_t EpPurchase = 0x06;  ///< electronic purse purchase
inline constexpr std::uint8_t Composite = 0x09;   ///< composite (CAPP) purchase
} // namespace TransactionType

/** An e-purse load as the issuer host receives it (INITIALIZE FOR LOAD response plus terminal
 *  data). */
struct LoadRequest {
    std::uint32_t balanceBefore = 0;             ///< balance from the card, fen
    std::uint32_t amount = 0;                    ///< load amount, fen
    std::uint8_t transactionType = TransactionType::EpLoad; ///< 01 ED or 02 EP
    std::array<std::uint8_t, 6> terminalId {};  ///< terminal id
    std::array<std::uint8_t, 4> random {};      ///< card's pseudo-random number
    std::array<std::uint8_t, 2> onlineAtc {};   ///< online transaction counter
    std::array<std::uint8_t, 4> mac1 {};        ///< MAC1 from the card
    std::array<std::uint8_t, 4> date {};        ///< host date, BCD YYYYMMDD (goes into MAC2)
    std::array<std::uint8_t, 3> time {};        ///< host time, BCD hhmmss (goes into MAC2)
};

/** A purchase as recorded for TAC verification. */
struct PurchaseRecord {
    std::uint32_t amount = 0;                   ///< amount, fen
    std::uint8_t transactionType = TransactionType::EpPurchase; ///< 05, 06 or 09
    std::array<std::uint8_t, 6> terminalId {}; ///< terminal id
    std::array<std::uint8_t, 4> ttsn {};       ///< terminal transaction serial number
    std::array<std::uint8_t, 4> date {};       ///< BCD YYYYMMDD
    std::array<std::uint8_t, 3> time {};       ///< BCD hhmmss
};

/** SESLK input: random(4) || onlineAtc(2) || 8000. */
Bytes loadSessionData(const LoadRequest& load);
/** MAC1 input of a load: balance(4) || amount(4) || type(1) || terminal(6). */
Bytes loadMac1Input(const LoadRequest& load);
/** MAC2 input of a load: amount(4) || type(1) || terminal(6) || date(4) || time(3). */
Bytes loadMac2Input(const LoadRequest& load);
/** SESPK input: random(4) || offlineAtc(2) || ttsn low 2 bytes. */
Bytes purchaseSessionData(ByteView random4, ByteView offlineAtc2, ByteView ttsn4);
/** TAC input of a purchase: amount(4) || type(1) || terminal(6) || ttsn(4) || date(4) || time(3). */
Bytes purchaseTacInput(const PurchaseRecord& purchase);

} // namespace hc::hsm
