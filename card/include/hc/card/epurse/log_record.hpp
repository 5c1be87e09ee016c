// One record of the purse's transaction log (cyclic EF, SFI 18, 23 bytes, newest first):
//   ATC2 overdraft3 amount4 type1 terminal6 date4 time3
// Pure value and parser (fuzzed).
#pragma once

#include "hc/card/epurse/types.hpp"

#include <cstdint>

namespace hc::card::epurse {

/** Size of a log record. */
inline constexpr std::size_t kLogRecordSize = 23;

/** A transaction log entry. */
struct LogRecord {
    /** Online (load) or offline (purchase) counter of the transaction. */
    std::uint16_t atc = 0;
    /** Overdraft limit at the time, fen. */
    std::uint32_t overdraft = 0;
    /** Amount, fen. */
    std::uint32_t amount = 0;
    /** Transaction type (txtype). */
    std::uint8_t type = 0;
    /** Terminal id. */
    TerminalId terminal {};
    /** Date and time. */
    TransactionTime when {};

    /** Encodes the 23 bytes. */
    Bytes encode() const;
    /** True for the load types (01, 02). */
    bool isLoad() const { return type == txtype::EdLoad || type == txtype::EpLoad; }
};

/** Parses one 23-byte record. Throws InputError on another size. */
LogRecord parseLogRecord(ByteView data);

} // namespace hc::card::epurse
