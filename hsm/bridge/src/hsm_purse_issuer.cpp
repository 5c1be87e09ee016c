#include "hc/card_hsm/hsm_purse_issuer.hpp"

#include "hc/hsm/error.hpp"

#include <algorithm>

namespace hc::card_hsm {

namespace ep = hc::card::epurse;

HsmPurseIssuer::HsmPurseIssuer(hc::hsm::Hsm& hsm, HsmPurseIssuerKeys keys)
    : m_hsm(hsm)
    , m_keys(std::move(keys)) {
}

ep::LoadAuthorization HsmPurseIssuer::authorizeLoad(const ep::LoadAuthorizationRequest& r) {
    if (ep::purseAlgorithmOf(r.init.algorithm) != ep::PurseAlgorithm::Des3) {
        return { false, {},
            "the card's algorithm " + std::to_string(r.init.algorithm)
                + " is not 3DES: the HSM issuer authorises 3DES purses only" };
    }
    if (static_cast<std::int64_t>(r.init.balance) + r.fields.amount > m_keys.maxBalance) {
        return { false, {}, "the load would exceed the maximum balance" };
    }
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
        = hc::hsm::KeySpec(hc::hsm::KeyRef { m_keys.loadLabel, r.init.keyVersion })
              .diversified(r.card);
    try {
        const auto mac2 = m_hsm.issuerLoadMac2(dlk, load);
        ep::LoadAuthorization a;
        a.approved = true;
        std::copy_n(mac2.begin(), 4, a.mac2.begin());
        return a;
    } catch (const hc::hsm::MacVerificationError& e) {
        return { false, {}, std::string("MAC1 of the card does not verify: ") + e.what() };
    } catch (const hc::hsm::Error& e) {
        return { false, {}, e.what() };
    }
}

bool HsmPurseIssuer::verifyPurchaseTac(
    const ep::CardSerial& card, const ep::PurseFields& f, std::uint32_t ttsn, const ep::Mac4& tac) {
    hc::hsm::PurchaseRecord rec;
    rec.amount = f.amount;
    rec.transactionType = f.type;
    rec.terminalId = f.terminal;
    rec.ttsn = { static_cast<std::uint8_t>(ttsn >> 24), static_cast<std::uint8_t>(ttsn >> 16),
        static_cast<std::uint8_t>(ttsn >> 8), static_cast<std::uint8_t>(ttsn) };
    rec.date = f.when.date;
    rec.time = f.when.time;
    return m_hsm.verifyPurchaseTac(hc::hsm::KeySpec(m_keys.tacMaster).diversified(card), rec, tac);
}

bool HsmPurseIssuer::verifyLoadTac(const ep::CardSerial& card, std::uint32_t balanceAfter,
    std::uint16_t onlineAtc, const ep::PurseFields& f, const ep::Mac4& tac) {
    hc::Bytes in;
    hc::appendBigEndian(in, balanceAfter, 4);
    hc::appendBigEndian(in, onlineAtc, 2);
    hc::appendBigEndian(in, f.amount, 4);
    in.push_back(f.type);
    in.insert(in.end(), f.terminal.begin(), f.terminal.end());
    in.insert(in.end(), f.when.date.begin(), f.when.date.end());
    in.insert(in.end(), f.when.time.begin(), f.when.time.end());
    return m_hsm.verifyMac(hc::hsm::KeySpec(m_keys.tacMaster).diversified(card).xorHalves(),
        hc::hsm::MacAlgorithm::DesCbc, in, tac);
}

} // namespace hc::card_hsm
