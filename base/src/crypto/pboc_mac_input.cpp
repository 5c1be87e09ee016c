#include "hc/base/crypto/pboc_mac_input.hpp"

#include "hc/base/error.hpp"

#include <string>

namespace hc::pboc {

namespace {

void need(ByteView b, std::size_t n, const char* what) {
    if (b.size() != n) {
        throw InputError(std::string("PBOC MAC input: ") + what + ": expected " + std::to_string(n)
            + " bytes, got " + std::to_string(b.size()));
    }
}

void put(Bytes& out, ByteView b) {
    out.insert(out.end(), b.begin(), b.end());
}

void putTerminal(Bytes& out, ByteView terminal) {
    need(terminal, 6, "terminal id");
    put(out, terminal);
}

void putWhen(Bytes& out, ByteView date, ByteView time) {
    need(date, 4, "date");
    need(time, 3, "time");
    put(out, date);
    put(out, time);
}

/** amount4 || type1 || terminal6 */
void putHead(Bytes& out, const MacFields& f) {
    appendBigEndian(out, f.amount, 4);
    out.push_back(f.type);
    putTerminal(out, f.terminal);
}

} // namespace

Bytes loadSessionInput(ByteView random4, std::uint16_t onlineAtc) {
    need(random4, 4, "card random");
    Bytes in(random4.begin(), random4.end());
    appendBigEndian(in, onlineAtc, 2);
    in.push_back(0x80);
    in.push_back(0x00);
    return in;
}

Bytes purchaseSessionInput(ByteView random4, std::uint16_t offlineAtc, std::uint32_t ttsn) {
    need(random4, 4, "card random");
    Bytes in(random4.begin(), random4.end());
    appendBigEndian(in, offlineAtc, 2);
    appendBigEndian(in, ttsn & 0xFFFFu, 2);
    return in;
}

Bytes loadMac1Input(std::uint32_t balanceBefore, const MacFields& f) {
    Bytes in;
    appendBigEndian(in, balanceBefore, 4);
    putHead(in, f);
    return in;
}

Bytes loadMac2Input(const MacFields& f) {
    Bytes in;
    putHead(in, f);
    putWhen(in, f.date, f.time);
    return in;
}

Bytes purchaseMac1Input(const MacFields& f) {
    return loadMac2Input(f);
}

Bytes purchaseMac2Input(std::uint32_t amount) {
    Bytes in;
    appendBigEndian(in, amount, 4);
    return in;
}

Bytes purchaseTacInput(const MacFields& f, std::uint32_t ttsn) {
    Bytes in;
    putHead(in, f);
    appendBigEndian(in, ttsn, 4);
    putWhen(in, f.date, f.time);
    return in;
}

Bytes loadTacInput(std::uint32_t balanceAfter, std::uint16_t onlineAtc, const MacFields& f) {
    Bytes in;
    appendBigEndian(in, balanceAfter, 4);
    appendBigEndian(in, onlineAtc, 2);
    putHead(in, f);
    putWhen(in, f.date, f.time);
    return in;
}

Bytes overdraftMac1Input(std::uint32_t balance, std::uint32_t oldLimit, ByteView terminal6) {
    Bytes in;
    appendBigEndian(in, balance, 4);
    appendBigEndian(in, oldLimit & 0xFFFFFFu, 3);
    in.push_back(kOverdraftUpdateType);
    putTerminal(in, terminal6);
    return in;
}

Bytes overdraftMac2Input(
    std::uint32_t newLimit, ByteView terminal6, ByteView date4, ByteView time3) {
    Bytes in;
    appendBigEndian(in, newLimit & 0xFFFFFFu, 3);
    in.push_back(kOverdraftUpdateType);
    putTerminal(in, terminal6);
    putWhen(in, date4, time3);
    return in;
}

Bytes overdraftTacInput(std::uint32_t newBalance, std::uint16_t onlineAtc, std::uint32_t newLimit,
    ByteView terminal6, ByteView date4, ByteView time3) {
    Bytes in;
    appendBigEndian(in, newBalance, 4);
    appendBigEndian(in, onlineAtc, 2);
    appendBigEndian(in, newLimit & 0xFFFFFFu, 3);
    in.push_back(kOverdraftUpdateType);
    putTerminal(in, terminal6);
    putWhen(in, date4, time3);
    return in;
}

Bytes diversificationInput(ByteView d8) {
    need(d8, 8, "diversification data");
    Bytes block(d8.begin(), d8.end());
    for (auto b : d8) {
        block.push_back(static_cast<std::uint8_t>(~b));
    }
    return block;
}

} // namespace hc::pboc
