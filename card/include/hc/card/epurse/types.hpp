// Value types shared by the e-purse client, the PSAM and the issuer side: transaction types,
// terminal ids, BCD date/time, money in fen. Pure values, safe to share between threads.
#pragma once

#include "hc/card/bytes.hpp"
#include "hc/card/error.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

namespace hc::card::epurse {

/** Transaction type bytes (JR/T 0025) as they appear in MAC, TAC and log inputs. */
namespace txtype {
/** Electronic deposit (ED) load. */
inline constexpr std::uint8_t EdLoad = 0x01;
/** Electronic purse (EP) load. */
inline constexpr std::uint8_t EpLoad = 0x02;
/** Electronic deposit (ED) cash withdrawal (取款). */
inline constexpr std::uint8_t EdWithdraw = 0x04;
/** Update of the ED's overdraft limit (修改透支限额). */
inline constexpr std::uint8_t OverdraftUpdate = 0x07;
/** Electronic deposit (ED) purchase. */
inline constexpr std::uint8_t EdPurchase = 0x05;
/** Electronic purse (EP) purchase. */
inline constexpr std::uint8_t EpPurchase = 0x06;
/** Composite (CAPP) purchase. */
inline constexpr std::uint8_t CompositePurchase = 0x09;
} // namespace txtype

/** Which of the two PBOC purses a command addresses: P2 of INITIALIZE and GET BALANCE. */
enum class PurseKind : std::uint8_t {
    /** Electronic deposit (电子存折): personal, PIN-protected, may have an overdraft limit. */
    Ed = 0x01,
    /** Electronic purse (电子钱包): anonymous, no PIN. */
    Ep = 0x02,
};
/** "ED" or "EP". */
inline const char* describe(PurseKind k) {
    return k == PurseKind::Ed ? "ED" : "EP";
}
/** The load transaction type of a purse kind (01 ED, 02 EP). */
inline std::uint8_t loadType(PurseKind k) {
    return k == PurseKind::Ed ? txtype::EdLoad : txtype::EpLoad;
}
/** The purchase transaction type of a purse kind (05 ED, 06 EP). */
inline std::uint8_t purchaseType(PurseKind k) {
    return k == PurseKind::Ed ? txtype::EdPurchase : txtype::EpPurchase;
}

/** The PBOC ED/EP application id this project puts on its cards (the 建设部/PBOC ED/EP ADF
 * name used by city cards): A0 00 00 00 03 86 98 07 01. */
inline const Bytes kPurseAid { 0xA0, 0x00, 0x00, 0x00, 0x03, 0x86, 0x98, 0x07, 0x01 };

/** Largest balance the card keeps, in fen (the 4-byte field could hold more; JR/T 0025 cards
 * are limited by their issuer; this project's emulator uses this default). */
inline constexpr std::int64_t kDefaultMaxBalanceFen = 100'000'000; // 1,000,000.00 yuan

/** Terminal id: 6 bytes, from the PSAM's EF 0016. */
using TerminalId = std::array<std::uint8_t, 6>;
/** Card application serial as sent to the PSAM: the right 8 bytes of the 10-byte serial. */
using CardSerial = std::array<std::uint8_t, 8>;
/** A 4-byte cryptogram (MAC1, MAC2, TAC). */
using Mac4 = std::array<std::uint8_t, 4>;

/** Date and time of a transaction, BCD as on the wire: YYYYMMDD and hhmmss. */
struct TransactionTime {
    /** BCD YYYYMMDD. */
    std::array<std::uint8_t, 4> date {};
    /** BCD hhmmss. */
    std::array<std::uint8_t, 3> time {};

    /** From calendar fields (no calendar check beyond the ranges). Throws InputError when a
     * field is out of range (year 0..9999, month 1..12, day 1..31, hour 0..23, minute and
     * second 0..59). */
    static TransactionTime from(int year, int month, int day, int hour, int minute, int second);
    /** Parses "YYYYMMDDhhmmss" (14 digits). Throws InputError otherwise. */
    static TransactionTime parse(const std::string& digits14);
    /** The current UTC+8 (China Standard Time) wall clock. */
    static TransactionTime nowChina();
    /** "YYYYMMDDhhmmss". */
    std::string text() const;

    /** Field-wise equality. */
    friend bool operator==(const TransactionTime&, const TransactionTime&) = default;
};

/** Checks that a money amount in fen fits the card's unsigned 4-byte field and is positive
 * (`allowZero` for balances). Throws InputError naming `what` otherwise. Returns the value. */
std::uint32_t checkedFen(std::int64_t fen, const char* what, bool allowZero = false);

/** "12.34" for 1234 fen (display only; money is never a floating-point number here). */
std::string formatYuan(std::int64_t fen);

/** A fixed-size array from exactly N bytes; throws InputError naming `what` otherwise. */
template <std::size_t N> std::array<std::uint8_t, N> toArray(ByteView bytes, const char* what) {
    if (bytes.size() != N) {
        throw InputError(std::string(what) + ": expected " + std::to_string(N) + " bytes, got "
            + std::to_string(bytes.size()));
    }
    std::array<std::uint8_t, N> out {};
    std::copy(bytes.begin(), bytes.end(), out.begin());
    return out;
}

} // namespace hc::card::epurse
