// hc/card/epurse.hpp: the PBOC ED/EP electronic purse (JR/T 0025 style, EP only). Include this
// one file. Full description, choices and gaps: docs/epurse.md.
//
// WHAT IS HERE (namespace hc::card::epurse)
//   - epurse/types.hpp         transaction types, the purse AID (A0 00 00 00 03 86 98 07 01),
//                              TerminalId, CardSerial, Mac4, BCD TransactionTime, money checks
//   - epurse/crypto.hpp        DES/3DES/SM4 blocks, the PBOC MAC, SESLK/SESPK, MAC1/MAC2 of load
//                              and purchase, TAC, key diversification (reproduces
//                              tests/vectors/pboc-epurse.json and sm4.json)
//   - epurse/commands.hpp      APDU builders (80 50/52/54/5A/5C, PSAM 80 70/72, EF 0015/0016
//                              reads, log READ RECORD) and strict response parsers (fuzzed)
//   - epurse/log_record.hpp    the 23-byte transaction log record
//   - epurse/outcome.hpp       Outcome = Done | Declined | Unknown, PendingTransaction (+ JSON)
//   - epurse/psam.hpp          Psam interface; PsamCard (a PSAM over a CardChannel),
//                              SoftwarePsam (keys in process)
//   - epurse/issuer.hpp        PurseIssuer interface (check load MAC1, make MAC2, verify TAC);
//                              SoftwareIssuer from a development key file. hsm/ (hc_hsm) is the
//                              production implementation to come.
//   - epurse/purse_client.hpp  PurseClient: open, balance, purchase, load, readLog, settle
//
// A PURCHASE, AS CODE
//   auto card = ...;                       // CardChannelPtr to the user card (T0Channel on top)
//   auto samCh = ...;                      // CardChannelPtr to the PSAM card (slot 1)
//   PsamCard psam(*samCh);
//   PurseClient purse(*card, {.beforeCommit = journalWrite});
//   purse.open();                          // SELECT AID + READ BINARY EF 0015     (2 APDUs)
//   Outcome o = purse.purchase(1234, psam); // INIT, PSAM MAC1, DEBIT, PSAM MAC2     (4 APDUs)
//   if (auto* u = std::get_if<Unknown>(&o)) // the DEBIT's answer was lost
//       ... keep u->tx; on the next contact: purse.settle(u->tx, &issuer)
//
// EXACTLY ONCE
//   Only the commit commands (DEBIT FOR PURCHASE, CREDIT FOR LOAD) move money, and the client
//   sends each at most once per call. A lost answer gives Unknown with the PendingTransaction
//   (counter, amount, terminal, TTSN, time, card); settle() asks the card with GET TRANSACTION
//   PROOF (80 5A 00 type 02 ATC): 9000 MAC2||TAC = it happened (Done, byProof; with an issuer the
//   TAC is checked to be this very transaction), 6985 = it did not happen (Declined), anything
//   else = still Unknown. Nothing here retries a commit or refunds on Unknown.
//
// MONEY
//   Integer fen everywhere: uint32 on the card, int64 in the API; checkedFen() guards the range.
//   formatYuan() is for display only.
//
// THREADING AND ERRORS
//   As the rest of card/: a client, a PSAM and an issuer are used by one thread at a time;
//   value types are plain values. Card refusals inside a money flow are Declined values, not
//   exceptions; outside one (SELECT, GET BALANCE, READ RECORD) they throw PurseError; a PSAM
//   refusing throws PsamRefused (purchase() turns it into Declined); malformed answers throw
//   hc::InputError, except after a commit, where they make the outcome Unknown.
//
// SECRETS
//   Keys are used in process only by SoftwarePsam / SoftwareIssuer (development and tests) and
//   are wiped after use; no key, session key or MAC input is logged. The default MaskPolicy hides
//   the READ BINARY/READ RECORD answers (card serial, log) in traces.
#pragma once

#include "hc/card/epurse/commands.hpp"
#include "hc/card/epurse/crypto.hpp"
#include "hc/card/epurse/issuer.hpp"
#include "hc/card/epurse/log_record.hpp"
#include "hc/card/epurse/outcome.hpp"
#include "hc/card/epurse/psam.hpp"
#include "hc/card/epurse/purse_client.hpp"
#include "hc/card/epurse/types.hpp"
