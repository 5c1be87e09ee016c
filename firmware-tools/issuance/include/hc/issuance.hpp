// hc_issuance: the issuer's side of card issuance. Read this header as the manual.
//
//   resident.hpp        ResidentRecord (one resident), IssuerProfile (issuer constants, PIN policy)
//   csv.hpp             RFC 4180 reader for outside input
//   batch_input.hpp     CSV/JSON batches -> validated records + a reject file naming row and field
//   card_number.hpp     18-digit card numbers: prefix | sequence | Luhn digit
//   register_store.hpp  IssuanceRegister: the register (SQLite or PostgreSQL), status machine,
//                       gap-free card numbers, event trail; openRegister("sqlite:PATH" | URI)
//   card_writer.hpp     CardWriter: the card side (personalize, verify, block, PIN reset)
//   batch_runner.hpp    BatchRunner: one worker per reader, card feeder, resume after a crash
//   lifecycle.hpp       block / unblock / lost / replace / PIN reset
//   blocklist.hpp       the blocklist terminals load (text and JSON, SM3 digest), isBlocked()
//
// Typical use (what `hcperso` does):
//   auto reg = openRegister("sqlite:register.db", issuer.cardNumberPrefix);
//   auto batch = validateBatch(readResidentFile("residents.csv"),
//       [&](const std::string& id) { return reg->activeCardOf(id); });
//   writeRejectFile("rejects.csv", batch.rejects);
//   reg->createBatch("B1", records-of(batch.accepted), "operator", "residents.csv");
//   BatchRunner(*reg, writerFactory, {.batch = "B1", .readers = {...}}).run(progress);
//
// Threading: pure functions are safe anywhere; an IssuanceRegister may be shared by threads;
// a CardWriter belongs to one thread. Errors derive from hc::Error (error.hpp) and carry a
// hc::NextStep. Identifiers (ID numbers, card numbers, names) are masked in every message.
#pragma once

#include "hc/issuance/batch_input.hpp"
#include "hc/issuance/batch_runner.hpp"
#include "hc/issuance/blocklist.hpp"
#include "hc/issuance/card_number.hpp"
#include "hc/issuance/card_writer.hpp"
#include "hc/issuance/csv.hpp"
#include "hc/issuance/error.hpp"
#include "hc/issuance/lifecycle.hpp"
#include "hc/issuance/pin_mailer.hpp"
#include "hc/issuance/register_store.hpp"
#include "hc/issuance/resident.hpp"
