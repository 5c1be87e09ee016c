// drivers/dispenser: the kiosk's card dispenser (发卡机), the device that holds a stack of blank
// cards for on-the-spot issuance.
//
//   hc::dispenser::CardDispenser     the device: status, moveToIc, eject, capture
//   hc::dispenser::DispenserStatus   stock / low / reject bin / bin full / card position / jam;
//                                    problem() = why no card can be issued now
//   hc::dispenser::FramedDispenser   the driver over the documented STX/LEN/payload/ETX/BCC frame
//                                    protocol, on "tcp:HOST:PORT" or a serial device path
//   hc::dispenser::FrameReader,      the frame and reply parsers (bounds-checked, fuzzed:
//   parseReply, parseStatus          tests/fuzz/dispenser_reply_fuzz.cpp)
//   DispenserError (refused: fault + status), DispenserUnavailable, DispenserProtocolError
//
// dispenser-sim (drivers/dispenser/sim) speaks the same protocol, keeps a stock count and puts a
// real blank card (`hcemu --blank`) into a vpcd slot on "move to IC". Vendor protocols (CRT-591,
// K720 class) are NOT implemented: docs/dispenser.md says what a site adds.
//
// Typical use (the kiosk's issuance):
//   hc::dispenser::FramedDispenser d("tcp:127.0.0.1:9300");
//   if (auto p = d.status().problem()) { /* show issuance unavailable: describe(*p) */ }
//   d.moveToIc();      // blank card in the issuance reader: personalise, read back
//   d.eject();         // to the gate; poll status().position until None (taken) ...
//   d.capture();       // ... or, not taken in time / spoiled, into the reject bin
//
// Threading: one thread at a time per dispenser object; the parsers are pure functions.
#pragma once

#include "hc/dispenser/card_dispenser.hpp"
#include "hc/dispenser/error.hpp"
#include "hc/dispenser/frame.hpp"
#include "hc/dispenser/framed_dispenser.hpp"
#include "hc/dispenser/status.hpp"
