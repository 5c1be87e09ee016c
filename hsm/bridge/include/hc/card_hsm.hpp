// hc/card_hsm.hpp: card's secrets in an HSM (hc_card_hsm, hsm/bridge). Include this one file.
//
// WHAT IS HERE (namespace hc::card_hsm)
//   - hsm_sam.hpp           HsmSam: the health card's SecureAccessModule (80 DE / 80 FA: key
//                           delivery, SM4 encryption, MACs) with the master keys in an
//                           hc::hsm::Hsm, one KeyRef per SAM slot
//   - hsm_purse_issuer.hpp  HsmPurseIssuer: the e-purse's PurseIssuer (load MAC1 check and MAC2,
//                           load and purchase TACs) with the DLK and DTK masters in the HSM
//   - purse_hsm_config.hpp  PurseHsmConfig + openPurseHsmIssuer: the HSM a program's
//                           configuration names (kioskd's purseHsm*, hcard's --purse-hsm*),
//                           opened, as an HsmPurseIssuer that owns it
//
// WHY A BRIDGE
//   card/ (hc_card) defines the interfaces and knows no HSM; hsm/ (hc_hsm) keeps keys and knows no
//   card. Whoever needs both (the personalization engine, kioskd's and hcard's loads) links
//   hc_card_hsm, which links the two. The module graph keeps card and hsm side by side.
//
// TYPICAL USE
//   hc::hsm::Pkcs11Hsm hsm(options);
//   hc::card_hsm::HsmSam sam(hsm, hc::card_hsm::HsmSam::defaultLabels());
//   hc::card::health::HealthCard card(channel, CardProfile::ws543_2017(), &sam);
//
//   hc::card_hsm::HsmPurseIssuer issuer(hsm, {"pboc.mk-dlk", {"pboc.mk-dtk", 1}});
//   purseClient.load(fen, terminal, issuer);  // MAC1 checked and MAC2 made inside the HSM
//
// KEYS
//   No key byte leaves the HSM: session keys are KeySpecs (master diversified inside the HSM),
//   every use is in the HSM's audit log. Nothing here logs a key or a PIN.
//
// THREADING
//   One thread at a time per HsmSam / HsmPurseIssuer; the Hsm itself may be shared.
#pragma once

#include "hc/card_hsm/hsm_purse_issuer.hpp"
#include "hc/card_hsm/hsm_sam.hpp"
#include "hc/card_hsm/purse_hsm_config.hpp"
