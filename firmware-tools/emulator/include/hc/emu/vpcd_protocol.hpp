// The vpcd wire protocol (vsmartcard's virtual PCD driver for pcscd), card side.
//
// Both directions carry frames [len_hi][len_lo][payload]. vpcd always speaks first:
//   00 01 00 power off, 00 01 01 power on, 00 01 02 reset, 00 01 04 get ATR (answer: the ATR),
//   LL LL <C-APDU> (payload >= 4 bytes) transmit (answer: R-APDU).
// Power off/on/reset get no answer. Pure functions here; the socket lives in VpcdLink.
#pragma once

#include "hc/card/bytes.hpp"

#include <cstdint>
#include <variant>

namespace hc::emu {

/** A one-byte control request from vpcd. */
enum class VpcdControl : std::uint8_t {
    PowerOff = 0x00,
    PowerOn = 0x01,
    Reset = 0x02,
    GetAtr = 0x04
};

/** An APDU request: the C-APDU bytes exactly as the client sent them. */
struct VpcdApdu {
    hc::Bytes bytes;
};

/** What one frame asks of the card. */
using VpcdRequest = std::variant<VpcdControl, VpcdApdu>;

/** Largest payload a frame can carry (16-bit length). */
inline constexpr std::size_t kVpcdMaxPayload = 0xFFFF;

/**
 * Decodes one frame's payload (without the 2-byte length). Throws hc::InputError on an empty
 * payload, an unknown control byte, or a 2-3 byte payload (too short for an APDU).
 */
VpcdRequest decodeVpcdPayload(hc::ByteView payload);

/** Builds a frame: 2-byte big-endian length, then the payload. Throws hc::InputError when the
 * payload exceeds 65535 bytes. */
hc::Bytes encodeVpcdFrame(hc::ByteView payload);

} // namespace hc::emu
