#include "hc/emu/vpcd_protocol.hpp"

#include "hc/card/error.hpp"

#include <string>

namespace hc::emu {

VpcdRequest decodeVpcdPayload(hc::ByteView payload) {
    if (payload.empty()) {
        throw hc::InputError("vpcd frame: empty payload (vpcd never sends one)");
    }
    if (payload.size() == 1) {
        switch (payload[0]) {
        case 0x00:
            return VpcdControl::PowerOff;
        case 0x01:
            return VpcdControl::PowerOn;
        case 0x02:
            return VpcdControl::Reset;
        case 0x04:
            return VpcdControl::GetAtr;
        default:
            throw hc::InputError("vpcd frame: unknown control byte 0x" + hc::toHex(payload));
        }
    }
    if (payload.size() < 4) {
        throw hc::InputError("vpcd frame: " + std::to_string(payload.size())
            + "-byte payload is neither a control byte nor an APDU (at least 4 bytes)");
    }
    return VpcdApdu { hc::Bytes(payload.begin(), payload.end()) };
}

hc::Bytes encodeVpcdFrame(hc::ByteView payload) {
    if (payload.size() > kVpcdMaxPayload) {
        throw hc::InputError("vpcd frame: payload of " + std::to_string(payload.size())
            + " bytes exceeds the 16-bit length");
    }
    hc::Bytes out;
    out.reserve(payload.size() + 2);
    out.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(payload.size()));
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

} // namespace hc::emu
