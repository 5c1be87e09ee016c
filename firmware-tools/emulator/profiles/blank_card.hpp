// hcemu profile "blank-card": a blank card of a typical card OS (FMCOS / ISO 7816-9 style), as a
// card factory delivers it to a card issuer: an empty MF, a chip serial, a transport key. The
// personalization commands and their security are in docs/issuance-card-os.md; once issued the
// card behaves exactly like the "health-card" profile. These helpers make blank images (hcemu
// --blank, tests). Pure functions, any thread.
#pragma once

#include "hc/card/bytes.hpp"
#include "hc/emu/card_image.hpp"

#include <string>

namespace hc::emu {

/** The TEST transport master (public test value, firmware-tools/images/blank-card.json): never
 * use it for real cards. */
inline constexpr const char* kTestTransportMasterHex = "6B1C2E9F30A4D85577E0C3B2194F8A6D";

/** The blank card's transport key: SM4 diversify(transportMaster, serial8) (D || NOT D). */
hc::Bytes blankCardTransportKey(hc::ByteView transportMaster16, hc::ByteView serial8);

/** The ATR of a blank card: 3B 8D 81 31 FE 45, historical bytes 80 31 80 65 B0 || serial8, TCK.
 * The last 8 historical bytes are the serial, so the health card's diversifier is the serial. */
hc::Bytes blankCardAtr(hc::ByteView serial8);

/** A blank card image (profile "blank-card", personalization state, empty MF). */
CardImage makeBlankCard(hc::ByteView serial8, hc::ByteView transportMaster16);

/** 8 random bytes (OS CSPRNG) for a new chip serial. */
hc::Bytes randomChipSerial();

} // namespace hc::emu
