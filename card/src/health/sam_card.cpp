#include "hc/card/health/sam_card.hpp"

#include "hc/card/health/health_card.hpp"
#include "hc/card/t0_channel.hpp"

namespace hc::card::health {

std::string PinResult::describe() const {
    switch (status) {
    case PinStatus::Ok:
        return "ok";
    case PinStatus::Wrong:
        return triesLeft >= 0 ? "wrong PIN, " + std::to_string(triesLeft)
                + (triesLeft == 1 ? " try" : " tries") + " left"
                              : "wrong PIN";
    case PinStatus::Blocked:
        return "blocked";
    }
    return "?";
}

PinResult pinResultFrom(StatusWord s, const std::string& step) {
    if (s.ok()) {
        return { PinStatus::Ok, -1 };
    }
    if (s.blocked()) {
        return { PinStatus::Blocked, 0 };
    }
    if (const auto left = s.triesLeft()) {
        if (*left == 0) {
            return { PinStatus::Blocked, 0 };
        }
        return { PinStatus::Wrong, *left };
    }
    throw CardRefused(step, s);
}

SamCard::SamCard(CardChannel& channel)
    : m_channel(channel) {
}

ResponseApdu SamCard::send(const CommandApdu& c) {
    T0Exchange cost;
    struct Count {
        std::size_t& n;
        T0Exchange& cost;
        ~Count() { n += cost.apdus(); }
    } count { m_apdus, cost };
    return transmitT0(m_channel, c, {}, &cost); // the SAM is T=0: 61xx/6Cxx on any channel
}

PinResult SamCard::verifyPin(ByteView pin) {
    auto r = send(apdu::selectFid(0xDF01));
    if (!r.ok()) {
        throw CardRefused("SAM: SELECT DF01", r.sw());
    }
    r = send(CommandApdu(0x00, 0x20, 0x00, 0x00, Bytes(pin.begin(), pin.end())));
    return pinResultFrom(r.sw(), "SAM: VERIFY");
}

Bytes SamCard::terminalNumber() {
    auto r = send(apdu::selectFid(0x3F00));
    if (r.ok()) {
        r = send(apdu::selectFid(0x0016));
    }
    if (r.ok()) {
        r = send(apdu::readBinary(0, 6));
    }
    if (!r.ok()) {
        throw CardRefused("SAM: read terminal number 0016", r.sw());
    }
    return r.data();
}

void SamCard::deliverKey(std::uint8_t p1, std::uint8_t p2, ByteView divData) {
    const auto r = send(CommandApdu(0x80, 0xDE, p1, p2, Bytes(divData.begin(), divData.end())));
    if (!r.ok()) {
        const std::uint8_t ref[2] = { p1, p2 };
        throw CardRefused("SAM: DELIVER KEY 80DE " + toHex(ref), r.sw());
    }
}

Bytes SamCard::encrypt(ByteView blocks) {
    const auto r = send(CommandApdu(0x80, 0xFA, 0x00, 0x00, Bytes(blocks.begin(), blocks.end())));
    if (!r.ok() || r.data().size() != blocks.size()) {
        throw CardRefused("SAM: CIPHER 80FA00", r.sw());
    }
    return r.data();
}

Bytes SamCard::mac(ByteView iv16, ByteView paddedData) {
    const auto r = send(CommandApdu(0x80, 0xFA, 0x05, 0x00, concat(iv16, paddedData)));
    if (!r.ok() || r.data().size() < 4) {
        throw CardRefused("SAM: MAC 80FA05", r.sw());
    }
    return Bytes(r.data().begin(), r.data().begin() + 4);
}

} // namespace hc::card::health
