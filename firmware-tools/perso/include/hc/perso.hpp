// hc_perso: the card side of issuance. Personalizes blank health cards from resident records,
// reads them back, and runs the card-side lifecycle operations (block, unblock, issuer PIN
// reset). The issuance register, batches and the hcperso CLI (firmware-tools/issuance,
// firmware-tools/hcperso) call it; one Personalizer serves every reader, one thread per reader.
//
//   hc::hsm::Hsm& hsm = ...;                       // masters "hc.master.<P1P2>" +
//   "hc.perso.transport" hc::perso::Personalizer perso(hsm,
//   hc::perso::PersoProfile::load("ws543-2017.json")); hc::pcsc::... channel for reader R; // any
//   hc::card::CardChannel auto chip = perso.probe(channel);              // Blank / Partial /
//   Issued / Blocked / Foreign hc::perso::PersoInput in;                      // card number,
//   resident data, dates, PIN, issuer try {
//       auto r = perso.personalize(channel, in);   // r.chipSerial, r.apdus, r.stages, r.pin
//       // register: personalized + verified
//   } catch (const hc::perso::PersoError& e) {     // e.stage(): open/keys/files/data/pin/...
//       // register: failed (spoiled) unless !e.cardTouched()
//   }
//   perso.blockApplication(channel); perso.unblockApplication(channel);
//   std::string pin = perso.resetPin(channel);     // issuer PIN reset
//
// The blank card's commands (CREATE FILE, WRITE KEY under the transport key, ACTIVATE FILE, ...)
// are a typical card OS's, chosen because the national specification keeps them private:
// docs/issuance-card-os.md. hcemu emulates that card (`hcemu --blank`, profile "blank-card").
//
// Threading: see personalizer.hpp (one channel per thread; the Personalizer and the Hsm are
// shared). Errors: hc::InputError (bad input, card untouched), PersoError (card spoiled or a
// lifecycle step failed, naming the stage).
#pragma once

#include "hc/perso/error.hpp"
#include "hc/perso/personalizer.hpp"
#include "hc/perso/profile.hpp"
