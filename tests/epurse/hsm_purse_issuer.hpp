// PurseIssuer on hc::hsm::Hsm: the issuer side of the purse with the master keys inside the HSM
// (load MAC1 check and MAC2 by Hsm::issuerLoadMac2, TACs by the HSM's DTK "+xor" key). Kept here
// as the reference adapter: card/ does not depend on hsm/, so the glue belongs to whoever links
// both (kiosk, issuer host); the lead may move it to a small library.
#pragma once

#include "hc/card/epurse/issuer.hpp"
#include "hc/hsm/error.hpp"
#include "hc/hsm/hsm.hpp"

#include <algorithm>

namespace hc::testing {

/** PurseIssuer backed by an Hsm. Load masters are "<loadLabel>/<card key version>". */
class HsmPurseIssuer final : public hc::card::epurse::PurseIssuer {
public:
    HsmPurseIssuer(hc::hsm::Hsm& hsm, std::string loadLabel, hc::hsm::KeyRef tacMaster)
        : m_hsm(hsm)
        , m_loadLabel(std::move(loadLabel))
        , m_tac(std::move(tacMaster)) { }

    hc::card::epurse::LoadAuthorization authorizeLoad(
        const hc::card::epurse::LoadAuthorizationRequest& r) override {
        hc::hsm::LoadRequest load;
        load.balanceBefore = r.init.balance;
        load.amount = r.fields.amount;
        load.transactionType = r.fields.type;
        load.terminalId = r.fields.terminal;
        load.random = r.init.random;
        load.onlineAtc = { static_cast<std::uint8_t>(r.init.onlineAtc >> 8),
            static_cast<std::uint8_t>(r.init.onlineAtc & 0xFF) };
        load.mac1 = r.init.mac1;
        load.date = r.fields.when.date;
        load.time = r.fields.when.time;
        const hc::hsm::KeySpec dlk
            = hc::hsm::KeySpec(hc::hsm::KeyRef { m_loadLabel, r.init.keyVersion })
                  .diversified(r.card);
        try {
            const auto mac2 = m_hsm.issuerLoadMac2(dlk, load);
            hc::card::epurse::LoadAuthorization a;
            a.approved = true;
            std::copy_n(mac2.begin(), 4, a.mac2.begin());
            return a;
        } catch (const hc::hsm::MacVerificationError& e) {
            return { false, {}, std::string("MAC1 of the card does not verify: ") + e.what() };
        } catch (const hc::hsm::Error& e) {
            return { false, {}, e.what() };
        }
    }

    bool verifyPurchaseTac(const hc::card::epurse::CardSerial& card,
        const hc::card::epurse::PurseFields& f, std::uint32_t ttsn,
        const hc::card::epurse::Mac4& tac) override {
        hc::hsm::PurchaseRecord rec;
        rec.amount = f.amount;
        rec.transactionType = f.type;
        rec.terminalId = f.terminal;
        rec.ttsn = { static_cast<std::uint8_t>(ttsn >> 24), static_cast<std::uint8_t>(ttsn >> 16),
            static_cast<std::uint8_t>(ttsn >> 8), static_cast<std::uint8_t>(ttsn) };
        rec.date = f.when.date;
        rec.time = f.when.time;
        return m_hsm.verifyPurchaseTac(hc::hsm::KeySpec(m_tac).diversified(card), rec, tac);
    }

    bool verifyLoadTac(const hc::card::epurse::CardSerial& card, std::uint32_t balanceAfter,
        std::uint16_t onlineAtc, const hc::card::epurse::PurseFields& f,
        const hc::card::epurse::Mac4& tac) override {
        hc::Bytes in;
        hc::appendBigEndian(in, balanceAfter, 4);
        hc::appendBigEndian(in, onlineAtc, 2);
        hc::appendBigEndian(in, f.amount, 4);
        in.push_back(f.type);
        in.insert(in.end(), f.terminal.begin(), f.terminal.end());
        in.insert(in.end(), f.when.date.begin(), f.when.date.end());
        in.insert(in.end(), f.when.time.begin(), f.when.time.end());
        return m_hsm.verifyMac(hc::hsm::KeySpec(m_tac).diversified(card).xorHalves(),
            hc::hsm::MacAlgorithm::DesCbc, in, tac);
    }

private:
    hc::hsm::Hsm& m_hsm;
    std::string m_loadLabel;
    hc::hsm::KeyRef m_tac;
};

} // namespace hc::testing
