#include "hc/card/epurse/log_record.hpp"

namespace hc::card::epurse {

Bytes LogRecord::encode() const {
    Bytes b;
    appendBigEndian(b, atc, 2);
    appendBigEndian(b, overdraft & 0xFFFFFFu, 3);
    appendBigEndian(b, amount, 4);
    b.push_back(type);
    b.insert(b.end(), terminal.begin(), terminal.end());
    b.insert(b.end(), when.date.begin(), when.date.end());
    b.insert(b.end(), when.time.begin(), when.time.end());
    return b;
}

LogRecord parseLogRecord(ByteView d) {
    if (d.size() != kLogRecordSize) {
        throw InputError("purse log record: expected 23 bytes, got " + std::to_string(d.size()));
    }
    LogRecord r;
    r.atc = static_cast<std::uint16_t>(readBigEndian(d.subspan(0, 2)));
    r.overdraft = static_cast<std::uint32_t>(readBigEndian(d.subspan(2, 3)));
    r.amount = static_cast<std::uint32_t>(readBigEndian(d.subspan(5, 4)));
    r.type = d[9];
    std::copy_n(d.begin() + 10, 6, r.terminal.begin());
    std::copy_n(d.begin() + 16, 4, r.when.date.begin());
    std::copy_n(d.begin() + 20, 3, r.when.time.begin());
    return r;
}

} // namespace hc::card::epurse
