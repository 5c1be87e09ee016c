// hc/card/health.hpp: the health-card application (居民健康卡, WS/T 543 / WS 537). Include this one
// file. Everything talks to the card through hc::card::CardChannel only; no I/O of its own.
//
// WHAT IS HERE (namespace hc::card::health)
//   - codec.hpp           AN (GBK via iconv, 00-padded), CN (BCD, F-padded), B; ValidationError
//                         (names the field and the rule)
//   - validation.hpp      GB 11643 citizen ID (check digit, birth date and sex agree with the
//                         holder), GB/T 2261.1 sex, GB 3304 ethnic groups, GB/T 2260 regions
//   - model.hpp           typed data sets (Identity, Validity, Addresses, Contacts, SocialData,
//                         Documents, ClinicalData, Allergy, Immunisation, VisitIndex,
//                         HealthCardData), element encode/decode, masking for logs
//   - profile.hpp         CardProfile: file tree, the 57 elements, keys and SAM P1/P2 per DF,
//                         diversifier location, bulk/SFI/extended-length switches, certificate
//                         format. CardProfile::ws543_2017() is the default (docs/healthcard.md)
//   - crypto.hpp          SM4/SM3 steps and the key derivation both the SAM and the card follow
//   - sam.hpp             SecureAccessModule (80 DE / 80 FA semantics) and SoftwareSam
//   - sam_card.hpp        SamCard: the SAM card in a second reader; PinResult
//   (HsmSam, the masters in hc::hsm, is in hsm/bridge: hc/card_hsm/hsm_sam.hpp, hc_card_hsm)
//   - health_card.hpp     HealthCard: the session (reads with APDU counts, external
//                         authentication, SM writes, MAC-only index flags, PIN, signed visits)
//   - strategy.hpp        what a card showed about itself (SFI, bulk reads, record identifiers,
//                         DF names, PIN reference) and the card kind it is remembered under
//   - strategy_cache.hpp  StrategyCache: card kind -> strategy, in memory or in a JSON file
//   - records.hpp         record parsers for both addressing modes; RecordError names the file
//                         and the record of a malformed answer
//   - visit_signature.hpp SM2/SM3 visit-record signatures, RecordSigner, Sm2SoftwareSigner
//
// TYPICAL USE
//   auto ch = std::make_unique<T0Channel>(std::make_unique<hc::pcsc::PcscCard>(reader));
//   auto samCh = std::make_unique<T0Channel>(std::make_unique<hc::pcsc::PcscCard>(samReader));
//   SamCard sam(*samCh);
//   if (sam.verifyPin(pin).status != PinStatus::Ok) { ... }
//   HealthCard card(*ch, CardProfile::ws543_2017(), &sam);
//   auto id = card.readIdentity();          // id.value.holder.name, id.apdus
//   validateIdentity(id.value);             // throws ValidationError(field, rule)
//   card.addAllergy({"青霉素", "皮疹"});
//   card.writeSignedVisit(false, data, signer);
//
// THREADING
//   A HealthCard, a SamCard and a SoftwareSam are used by one thread at a time (they hold session
//   state: the selected DF, the authenticated keys, the delivered SAM key). Free functions and
//   CardProfile are pure values, safe from any thread.
//
// ERRORS
//   CardRefused (a status word the flow cannot take, with the SW and the step), ValidationError
//   (data that breaks a coding or a national code set), hc::Error with NextStep::CheckConfiguration
//   (no SAM for a protected file, a key the SAM lacks), transport errors from the channel. PIN
//   outcomes are values (PinResult: ok / wrong with tries left / blocked), not exceptions.
//
// SECRETS
//   Keys stay in the SecureAccessModule; PINs are wiped after use and masked in traces (the
//   default MaskPolicy hides INS 20/24/2C data and read data); error messages never contain
//   patient identifiers (maskIdentifier / maskName for logs that need a hint).
#pragma once

#include "hc/card/health/codec.hpp"
#include "hc/card/health/crypto.hpp"
#include "hc/card/health/health_card.hpp"
#include "hc/card/health/model.hpp"
#include "hc/card/health/profile.hpp"
#include "hc/card/health/records.hpp"
#include "hc/card/health/sam.hpp"
#include "hc/card/health/sam_card.hpp"
#include "hc/card/health/strategy.hpp"
#include "hc/card/health/strategy_cache.hpp"
#include "hc/card/health/validation.hpp"
#include "hc/card/health/visit_signature.hpp"
