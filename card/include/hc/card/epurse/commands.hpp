// The e-purse APDUs (JR/T 0025 ED/EP, EP only: P2 = 02) and the PSAM's MAC commands: builders
// and strict response parsers. A parser takes the response data field (status word already
// checked) and throws hc::InputError naming the command and the length when it does not fit.
// Pure functions, fuzzed (tests/fuzz/epurse_*_fuzz.cpp).
#pragma once

#include "hc/card/apdu.hpp"
#include "hc/card/epurse/types.hpp"

#include <cstdint>

namespace hc::card::epurse {

/** Answer to INITIALIZE FOR LOAD (16 bytes). */
struct InitLoadResponse {
    /** Balance before the load, fen. */
    std::uint32_t balance = 0;
    /** Online transaction counter (this load's serial). */
    std::uint16_t onlineAtc = 0;
    /** Version of the load key (DLK). */
    std::uint8_t keyVersion = 0;
    /** Algorithm id (00 = 3DES). */
    std::uint8_t algorithm = 0;
    /** Card's pseudo-random number. */
    std::array<std::uint8_t, 4> random {};
    /** MAC1 made by the card with SESLK. */
    Mac4 mac1 {};
};

/** Answer to INITIALIZE FOR UPDATE (the ED's overdraft limit; 19 bytes). */
struct InitUpdateResponse {
    /** ED balance (the old limit included), fen. */
    std::uint32_t balance = 0;
    /** Online transaction counter (this update's serial). */
    std::uint16_t onlineAtc = 0;
    /** The current overdraft limit, fen. */
    std::uint32_t overdraftLimit = 0;
    /** Version of the overdraft-update key (DUK). */
    std::uint8_t keyVersion = 0;
    /** Algorithm id (00 = 3DES, 04 = SM4). */
    std::uint8_t algorithm = 0;
    /** Card's pseudo-random number. */
    std::array<std::uint8_t, 4> random {};
    /** MAC1 made by the card with the session key. */
    Mac4 mac1 {};
};
/** Parses the INITIALIZE FOR UPDATE answer; InputError unless 19 bytes. */
InitUpdateResponse parseInitUpdate(ByteView data);

/** Answer to INITIALIZE FOR PURCHASE (15 bytes). */
struct InitPurchaseResponse {
    /** Balance before the purchase, fen. */
    std::uint32_t balance = 0;
    /** Offline transaction counter (this purchase's serial). */
    std::uint16_t offlineAtc = 0;
    /** Overdraft limit, fen (3 bytes). */
    std::uint32_t overdraftLimit = 0;
    /** Version of the purchase key (DPK). */
    std::uint8_t keyVersion = 0;
    /** Algorithm id (00 = 3DES). */
    std::uint8_t algorithm = 0;
    /** Card's pseudo-random number. */
    std::array<std::uint8_t, 4> random {};
};

/** Answer to DEBIT FOR PURCHASE (8 bytes): TAC then MAC2. */
struct DebitResponse {
    /** Transaction authentication cryptogram. */
    Mac4 tac {};
    /** MAC2, for the PSAM to verify. */
    Mac4 mac2 {};
};

/** Answer to GET TRANSACTION PROOF (8 bytes): MAC (MAC2 of the transaction) then TAC. */
struct TransactionProof {
    /** MAC2 of the transaction (purchase: the card's MAC2; load: the MAC2 it accepted). */
    Mac4 mac2 {};
    /** TAC of the transaction. */
    Mac4 tac {};
};

/** Answer to the PSAM's MAC1 generation (8 bytes): terminal transaction serial then MAC1. */
struct PsamMac1Response {
    /** Terminal transaction serial number (TTSN). */
    std::uint32_t ttsn = 0;
    /** MAC1 for DEBIT FOR PURCHASE. */
    Mac4 mac1 {};
};

/** What the PSAM needs to make MAC1 (the 28-byte 80 70 data field). */
struct PsamMac1Request {
    /** Card random from INITIALIZE FOR PURCHASE. */
    std::array<std::uint8_t, 4> random {};
    /** Offline counter from INITIALIZE FOR PURCHASE. */
    std::uint16_t offlineAtc = 0;
    /** Amount, fen. */
    std::uint32_t amount = 0;
    /** Transaction type (06 EP purchase). */
    std::uint8_t type = txtype::EpPurchase;
    /** Date and time of the transaction. */
    TransactionTime when {};
    /** Card key version and algorithm from INITIALIZE FOR PURCHASE. */
    std::uint8_t keyVersion = 0;
    /** Algorithm id. */
    std::uint8_t algorithm = 0;
    /** Right 8 bytes of the card application serial (diversification data). */
    CardSerial cardSerial {};
};

/** Builders of the card commands (CLA 80). `keyIndex` is the key index byte of INITIALIZE. */
/** One record update of a composite (CAPP) purchase: the record of the file `sfi` whose first
 * byte is `recordId` is replaced by `data` (same length) when the DEBIT commits. */
struct CappUpdate {
    /** Short file id of the composite-application file (EF 0017 on our cards). */
    std::uint8_t sfi = 0x17;
    /** The record's identifier: its first byte (P1 of UPDATE CAPP DATA CACHE). */
    std::uint8_t recordId = 0;
    /** The whole new record, identifier byte included. */
    Bytes data;
};

namespace cmd {
/** GET BALANCE: 80 5C 00 02 04 (EP), 80 5C 00 01 04 (ED). */
CommandApdu getBalance(PurseKind kind = PurseKind::Ep);
/** INITIALIZE FOR LOAD: 80 50 00 P2 0B keyIdx amount4 terminal6, Le 10 (P2 02 EP, 01 ED). */
CommandApdu initializeForLoad(std::uint8_t keyIndex, std::uint32_t amount, const TerminalId& t,
    PurseKind kind = PurseKind::Ep);
/** VERIFY (cardholder PIN, needed before ED transactions): 00 20 00 00 Lc PIN. */
CommandApdu verifyPin(ByteView pin);
/** CREDIT FOR LOAD: 80 52 00 00 0B date4 time3 MAC2, Le 04. */
CommandApdu creditForLoad(const TransactionTime& when, const Mac4& mac2);
/** INITIALIZE FOR PURCHASE: 80 50 01 P2 0B keyIdx amount4 terminal6, Le 0F (P2 02 EP, 01 ED). */
CommandApdu initializeForPurchase(std::uint8_t keyIndex, std::uint32_t amount, const TerminalId& t,
    PurseKind kind = PurseKind::Ep);
/** INITIALIZE FOR WITHDRAW (ED cash withdrawal, type 04): 80 50 02 01 0B keyIdx amount4
 * terminal6, Le 0F; answered like INITIALIZE FOR PURCHASE and committed by DEBIT. */
CommandApdu initializeForWithdraw(std::uint8_t keyIndex, std::uint32_t amount, const TerminalId& t);
/** INITIALIZE FOR UPDATE (ED overdraft limit): 80 50 04 01 07 keyIdx terminal6, Le 13. */
CommandApdu initializeForUpdate(std::uint8_t keyIndex, const TerminalId& t);
/** UPDATE OVERDRAFT LIMIT: 80 58 00 00 0E newLimit3 date4 time3 MAC2, Le 04. */
CommandApdu updateOverdraftLimit(
    std::uint32_t newLimit, const TransactionTime& when, const Mac4& mac2);
/** INITIALIZE FOR CAPP PURCHASE (composite, type 09): 80 50 03 02 0B keyIdx amount4 terminal6,
 * Le 0F; answered like INITIALIZE FOR PURCHASE. */
CommandApdu initializeForCappPurchase(
    std::uint8_t keyIndex, std::uint32_t amount, const TerminalId& t);
/** UPDATE CAPP DATA CACHE: 80 DC recordId (SFI << 3) Lc data. */
CommandApdu updateCappDataCache(const CappUpdate& u);
/** DEBIT FOR PURCHASE: 80 54 01 00 0F TTSN4 date4 time3 MAC1, Le 08. */
CommandApdu debitForPurchase(std::uint32_t ttsn, const TransactionTime& when, const Mac4& mac1);
/** GET TRANSACTION PROOF: 80 5A 00 type 02 ATC2, Le 08. */
CommandApdu getTransactionProof(std::uint8_t type, std::uint16_t atc);
/** READ RECORD of the transaction log (SFI 18): 00 B2 n C4 17; with `bySfi` false the current
 * EF (select EF 0018 first): 00 B2 n 04 17. */
CommandApdu readLogRecord(std::uint8_t number, bool bySfi = true);
/** READ BINARY of the public application data EF 0015 (SFI 15), 30 bytes; with `bySfi` false the
 * current EF (select EF 0015 first): 00 B0 00 00 1E. */
CommandApdu readPublicData(bool bySfi = true);
/** FID of the public application data (EF 0015) and of the transaction log (EF 0018). */
inline constexpr std::uint16_t kPublicDataFid = 0x0015;
inline constexpr std::uint16_t kLogFid = 0x0018;
/** PSAM MAC1 generation: 80 70 00 00 1C data28, Le 08. */
CommandApdu psamMac1(const PsamMac1Request& r);
/** PSAM MAC2 verification: 80 72 00 00 04 MAC2. */
CommandApdu psamVerifyMac2(const Mac4& mac2);
/** PSAM terminal number: READ BINARY of EF 0016 (SFI 16), 6 bytes. */
CommandApdu psamReadTerminalId();
} // namespace cmd

/** Parses the INITIALIZE FOR LOAD answer. */
InitLoadResponse parseInitLoad(ByteView data);
/** Parses the INITIALIZE FOR PURCHASE answer. */
InitPurchaseResponse parseInitPurchase(ByteView data);
/** Parses the DEBIT FOR PURCHASE answer. */
DebitResponse parseDebit(ByteView data);
/** Parses the CREDIT FOR LOAD answer (the TAC). */
Mac4 parseCredit(ByteView data);
/** Parses the GET BALANCE answer. */
std::uint32_t parseBalance(ByteView data);
/** Parses the GET TRANSACTION PROOF answer. */
TransactionProof parseProof(ByteView data);
/** Parses the PSAM MAC1 answer. */
PsamMac1Response parsePsamMac1(ByteView data);
/** Parses the 28-byte PSAM MAC1 request (the emulator's side). */
PsamMac1Request parsePsamMac1Request(ByteView data);

/** The card's public application data (EF 0015, 30 bytes, JR/T 0025 layout). */
struct PublicData {
    /** Issuer id (8). */
    std::array<std::uint8_t, 8> issuerId {};
    /** Application type (1) and version (1). */
    std::uint8_t appType = 0;
    /** Application version. */
    std::uint8_t appVersion = 0;
    /** Application serial (10). */
    std::array<std::uint8_t, 10> serial {};
    /** Start and expiry dates, BCD YYYYMMDD. */
    std::array<std::uint8_t, 4> startDate {};
    /** Expiry date, BCD YYYYMMDD. */
    std::array<std::uint8_t, 4> expiryDate {};
    /** The right 8 bytes of the serial: the diversification data D. */
    CardSerial diversifier() const;
};
/** Parses EF 0015 (at least 30 bytes; more are ignored). */
PublicData parsePublicData(ByteView data);

} // namespace hc::card::epurse
