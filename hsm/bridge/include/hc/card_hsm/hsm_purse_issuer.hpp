// HsmPurseIssuer: the e-purse's issuer side (hc::card::epurse::PurseIssuer) with the master keys
// in an hc::hsm::Hsm. A load's MAC1 is checked and MAC2 made by Hsm::issuerLoadMac2 under the
// DLK master diversified by the card inside the HSM; TACs are verified under the DTK master
// ("+xor" halves, DES-CBC). No key byte leaves the HSM. 3DES purses (PBOC 3.0 algId 00); an SM4
// purse's load is refused with a reason until the HSM gains the SM4 load MACs.
// Threading: one thread at a time per issuer; the Hsm may be shared.
#pragma once

#include "hc/card/epurse/issuer.hpp"
#include "hc/hsm/hsm.hpp"

#include <cstdint>
#include <string>

namespace hc::card_hsm {

/** Where the masters are in the HSM, and the issuer's limits. */
struct HsmPurseIssuerKeys {
    /** DLK masters: label "<loadLabel>", KeyRef version = the card's load key version. */
    std::string loadLabel = "pboc.mk-dlk";
    /** DTK master (TACs). */
    hc::hsm::KeyRef tacMaster { "pboc.mk-dtk", 1 };
    /** Largest balance a load may reach, fen (as IssuerKeys::maxBalance). */
    std::int64_t maxBalance = hc::card::epurse::kDefaultMaxBalanceFen;
};

/** PurseIssuer backed by an Hsm (which must outlive it). */
class HsmPurseIssuer final : public hc::card::epurse::PurseIssuer {
public:
    HsmPurseIssuer(hc::hsm::Hsm& hsm, HsmPurseIssuerKeys keys);

    /** MAC1 checked and MAC2 made inside the HSM. Never throws for a bad MAC1, a missing key,
     * an SM4 purse or a load over maxBalance: approved = false with the reason. */
    hc::card::epurse::LoadAuthorization authorizeLoad(
        const hc::card::epurse::LoadAuthorizationRequest& request) override;
    /** The purchase TAC under the card's DTK, inside the HSM. */
    bool verifyPurchaseTac(const hc::card::epurse::CardSerial& card,
        const hc::card::epurse::PurseFields& fields, std::uint32_t ttsn,
        const hc::card::epurse::Mac4& tac) override;
    /** The load TAC under the card's DTK, inside the HSM. */
    bool verifyLoadTac(const hc::card::epurse::CardSerial& card, std::uint32_t balanceAfter,
        std::uint16_t onlineAtc, const hc::card::epurse::PurseFields& fields,
        const hc::card::epurse::Mac4& tac) override;

private:
    hc::hsm::Hsm& m_hsm;
    HsmPurseIssuerKeys m_keys;
};

} // namespace hc::card_hsm
