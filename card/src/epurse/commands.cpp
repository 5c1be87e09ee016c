#include "hc/card/epurse/commands.hpp"

#include "hc/card/error.hpp"

namespace hc::card::epurse {

namespace {

void need(ByteView d, std::size_t n, const char* what) {
    if (d.size() != n) {
        throw InputError(std::string(what) + ": expected " + std::to_string(n) + " data bytes, got "
            + std::to_string(d.size()));
    }
}
std::uint32_t u32(ByteView d, std::size_t off, std::size_t n = 4) {
    return static_cast<std::uint32_t>(readBigEndian(d.subspan(off, n)));
}
std::uint16_t u16(ByteView d, std::size_t off) {
    return static_cast<std::uint16_t>(readBigEndian(d.subspan(off, 2)));
}
template <std::size_t N> std::array<std::uint8_t, N> arr(ByteView d, std::size_t off) {
    std::array<std::uint8_t, N> a {};
    std::copy_n(d.begin() + static_cast<std::ptrdiff_t>(off), N, a.begin());
    return a;
}
Bytes initData(std::uint8_t keyIndex, std::uint32_t amount, const TerminalId& t) {
    Bytes d { keyIndex };
    appendBigEndian(d, amount, 4);
    d.insert(d.end(), t.begin(), t.end());
    return d;
}
void putTime(Bytes& d, const TransactionTime& w) {
    d.insert(d.end(), w.date.begin(), w.date.end());
    d.insert(d.end(), w.time.begin(), w.time.end());
}

} // namespace

namespace cmd {
CommandApdu getBalance(PurseKind kind) {
    return CommandApdu(0x80, 0x5C, 0x00, static_cast<std::uint8_t>(kind), {}, 4);
}
CommandApdu initializeForLoad(
    std::uint8_t keyIndex, std::uint32_t amount, const TerminalId& t, PurseKind kind) {
    return CommandApdu(
        0x80, 0x50, 0x00, static_cast<std::uint8_t>(kind), initData(keyIndex, amount, t), 0x10);
}
CommandApdu verifyPin(ByteView pin) {
    return CommandApdu(0x00, 0x20, 0x00, 0x00, Bytes(pin.begin(), pin.end()));
}
CommandApdu creditForLoad(const TransactionTime& when, const Mac4& mac2) {
    Bytes d;
    putTime(d, when);
    d.insert(d.end(), mac2.begin(), mac2.end());
    return CommandApdu(0x80, 0x52, 0x00, 0x00, std::move(d), 4);
}
CommandApdu initializeForPurchase(
    std::uint8_t keyIndex, std::uint32_t amount, const TerminalId& t, PurseKind kind) {
    return CommandApdu(
        0x80, 0x50, 0x01, static_cast<std::uint8_t>(kind), initData(keyIndex, amount, t), 0x0F);
}
CommandApdu initializeForWithdraw(
    std::uint8_t keyIndex, std::uint32_t amount, const TerminalId& t) {
    return CommandApdu(0x80, 0x50, 0x02, 0x01, initData(keyIndex, amount, t), 0x0F);
}
CommandApdu initializeForUpdate(std::uint8_t keyIndex, const TerminalId& t) {
    Bytes d { keyIndex };
    d.insert(d.end(), t.begin(), t.end());
    return CommandApdu(0x80, 0x50, 0x04, 0x01, std::move(d), 0x13);
}
CommandApdu updateOverdraftLimit(
    std::uint32_t newLimit, const TransactionTime& when, const Mac4& mac2) {
    if (newLimit > 0xFFFFFFu) {
        throw InputError("overdraft limit: at most 3 bytes (167772.15 yuan)");
    }
    Bytes d;
    appendBigEndian(d, newLimit, 3);
    putTime(d, when);
    d.insert(d.end(), mac2.begin(), mac2.end());
    return CommandApdu(0x80, 0x58, 0x00, 0x00, std::move(d), 4);
}
CommandApdu initializeForCappPurchase(
    std::uint8_t keyIndex, std::uint32_t amount, const TerminalId& t) {
    return CommandApdu(0x80, 0x50, 0x03, 0x02, initData(keyIndex, amount, t), 0x0F);
}
CommandApdu updateCappDataCache(const CappUpdate& u) {
    if (u.sfi == 0 || u.sfi > 30 || u.data.empty() || u.data.size() > 255) {
        throw InputError("UPDATE CAPP DATA CACHE: SFI 1..30 and 1..255 bytes of data");
    }
    return CommandApdu(0x80, 0xDC, u.recordId, static_cast<std::uint8_t>(u.sfi << 3), u.data);
}
CommandApdu debitForPurchase(std::uint32_t ttsn, const TransactionTime& when, const Mac4& mac1) {
    Bytes d;
    appendBigEndian(d, ttsn, 4);
    putTime(d, when);
    d.insert(d.end(), mac1.begin(), mac1.end());
    return CommandApdu(0x80, 0x54, 0x01, 0x00, std::move(d), 8);
}
CommandApdu getTransactionProof(std::uint8_t type, std::uint16_t atc) {
    Bytes d;
    appendBigEndian(d, atc, 2);
    return CommandApdu(0x80, 0x5A, 0x00, type, std::move(d), 8);
}
CommandApdu readLogRecord(std::uint8_t number, bool bySfi) {
    return CommandApdu(
        0x00, 0xB2, number, static_cast<std::uint8_t>((bySfi ? 0x18 << 3 : 0) | 0x04), {}, 23);
}
CommandApdu readPublicData(bool bySfi) {
    return CommandApdu(0x00, 0xB0, bySfi ? 0x95 : 0x00, 0x00, {}, 30);
}
CommandApdu psamMac1(const PsamMac1Request& r) {
    Bytes d(r.random.begin(), r.random.end());
    appendBigEndian(d, r.offlineAtc, 2);
    appendBigEndian(d, r.amount, 4);
    d.push_back(r.type);
    putTime(d, r.when);
    d.push_back(r.keyVersion);
    d.push_back(r.algorithm);
    d.insert(d.end(), r.cardSerial.begin(), r.cardSerial.end());
    return CommandApdu(0x80, 0x70, 0x00, 0x00, std::move(d), 8);
}
CommandApdu psamVerifyMac2(const Mac4& mac2) {
    return CommandApdu(0x80, 0x72, 0x00, 0x00, Bytes(mac2.begin(), mac2.end()));
}
CommandApdu psamReadTerminalId() {
    return CommandApdu(0x00, 0xB0, 0x96, 0x00, {}, 6);
}
} // namespace cmd

InitLoadResponse parseInitLoad(ByteView d) {
    need(d, 16, "INITIALIZE FOR LOAD answer");
    InitLoadResponse r;
    r.balance = u32(d, 0);
    r.onlineAtc = u16(d, 4);
    r.keyVersion = d[6];
    r.algorithm = d[7];
    r.random = arr<4>(d, 8);
    r.mac1 = arr<4>(d, 12);
    return r;
}

InitUpdateResponse parseInitUpdate(ByteView d) {
    need(d, 19, "INITIALIZE FOR UPDATE answer");
    InitUpdateResponse r;
    r.balance = u32(d, 0);
    r.onlineAtc = u16(d, 4);
    r.overdraftLimit = u32(d, 6, 3);
    r.keyVersion = d[9];
    r.algorithm = d[10];
    r.random = arr<4>(d, 11);
    r.mac1 = arr<4>(d, 15);
    return r;
}

InitPurchaseResponse parseInitPurchase(ByteView d) {
    need(d, 15, "INITIALIZE FOR PURCHASE answer");
    InitPurchaseResponse r;
    r.balance = u32(d, 0);
    r.offlineAtc = u16(d, 4);
    r.overdraftLimit = u32(d, 6, 3);
    r.keyVersion = d[9];
    r.algorithm = d[10];
    r.random = arr<4>(d, 11);
    return r;
}

DebitResponse parseDebit(ByteView d) {
    need(d, 8, "DEBIT FOR PURCHASE answer");
    return { arr<4>(d, 0), arr<4>(d, 4) };
}

Mac4 parseCredit(ByteView d) {
    need(d, 4, "CREDIT FOR LOAD answer");
    return arr<4>(d, 0);
}

std::uint32_t parseBalance(ByteView d) {
    need(d, 4, "GET BALANCE answer");
    return u32(d, 0);
}

TransactionProof parseProof(ByteView d) {
    need(d, 8, "GET TRANSACTION PROOF answer");
    return { arr<4>(d, 0), arr<4>(d, 4) };
}

PsamMac1Response parsePsamMac1(ByteView d) {
    need(d, 8, "PSAM MAC1 answer");
    return { u32(d, 0), arr<4>(d, 4) };
}

PsamMac1Request parsePsamMac1Request(ByteView d) {
    need(d, 28, "PSAM MAC1 request");
    PsamMac1Request r;
    r.random = arr<4>(d, 0);
    r.offlineAtc = u16(d, 4);
    r.amount = u32(d, 6);
    r.type = d[10];
    r.when.date = arr<4>(d, 11);
    r.when.time = arr<3>(d, 15);
    r.keyVersion = d[18];
    r.algorithm = d[19];
    r.cardSerial = arr<8>(d, 20);
    return r;
}

CardSerial PublicData::diversifier() const {
    CardSerial d {};
    std::copy(serial.begin() + 2, serial.end(), d.begin());
    return d;
}

PublicData parsePublicData(ByteView d) {
    if (d.size() < 30) {
        throw InputError("EF 0015 public data: expected 30 bytes, got " + std::to_string(d.size()));
    }
    PublicData p;
    p.issuerId = arr<8>(d, 0);
    p.appType = d[8];
    p.appVersion = d[9];
    p.serial = arr<10>(d, 10);
    p.startDate = arr<4>(d, 20);
    p.expiryDate = arr<4>(d, 24);
    return p;
}

} // namespace hc::card::epurse
