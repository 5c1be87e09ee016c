#include "hc/card/epurse/psam.hpp"

#include "hc/card/apdu.hpp"
#include "hc/card/epurse/crypto.hpp"
#include "hc/card/epurse/outcome.hpp"

#include <openssl/crypto.h>

namespace hc::card::epurse {

PsamCard::PsamCard(CardChannel& channel)
    : m_channel(channel) {
}

TerminalId PsamCard::terminalId() {
    if (!m_terminal) {
        auto r = m_channel.transmit(cmd::psamReadTerminalId());
        if (r.sw() == sw::FileNotFound) {
            // A SAM that also serves the health card may have a DF of its own selected (the
            // health SAM's PIN lives in DF01): EF 0016 is in the MF, so select it and read again.
            const auto s = m_channel.transmit(apdu::selectFid(0x3F00));
            if (s.ok()) {
                r = m_channel.transmit(cmd::psamReadTerminalId());
            }
        }
        if (!r.ok()) {
            throw PsamRefused("READ BINARY EF 0016 (terminal id)", r.sw());
        }
        m_terminal = toArray<6>(r.data(), "PSAM terminal id");
    }
    return *m_terminal;
}

PsamMac1Response PsamCard::mac1(const PsamMac1Request& request) {
    const auto r = m_channel.transmit(cmd::psamMac1(request));
    if (!r.ok()) {
        throw PsamRefused("MAC1 (80 70)", r.sw());
    }
    return parsePsamMac1(r.data());
}

bool PsamCard::verifyMac2(const Mac4& mac2) {
    const auto r = m_channel.transmit(cmd::psamVerifyMac2(mac2));
    if (r.ok()) {
        return true;
    }
    if (r.sw() == sw::MacInvalid) {
        return false;
    }
    throw PsamRefused("MAC2 verification (80 72)", r.sw());
}

SoftwarePsam::SoftwarePsam(
    std::map<std::uint8_t, Bytes> masterKeys, TerminalId terminal, std::uint32_t nextTtsn)
    : m_keys(std::move(masterKeys))
    , m_terminal(terminal)
    , m_ttsn(nextTtsn) {
}

PsamMac1Response SoftwarePsam::mac1(const PsamMac1Request& r) {
    const auto it = m_keys.find(r.keyVersion);
    if (it == m_keys.end()) {
        throw PsamRefused("MAC1 (80 70)", sw::KeyNotFound);
    }
    const auto alg = purseAlgorithmOf(r.algorithm);
    if (!alg) {
        throw PsamRefused("MAC1 (80 70)", sw::IncorrectData);
    }
    Bytes dpk = diversify(it->second, r.cardSerial, *alg);
    const std::uint32_t ttsn = m_ttsn++;
    m_sessionKey = purchaseSessionKey(dpk, r.random, r.offlineAtc, ttsn, *alg);
    OPENSSL_cleanse(dpk.data(), dpk.size());
    m_sessionAmount = r.amount;
    m_sessionAlg = *alg;
    PurseFields f { r.amount, r.type, m_terminal, r.when };
    return { ttsn, purchaseMac1(m_sessionKey, f, *alg) };
}

bool SoftwarePsam::verifyMac2(const Mac4& mac2) {
    if (m_sessionKey.empty()) {
        throw PsamRefused("MAC2 verification (80 72)", sw::ConditionsNotSatisfied);
    }
    const bool ok = sameMac(purchaseMac2(m_sessionKey, m_sessionAmount, m_sessionAlg), mac2);
    OPENSSL_cleanse(m_sessionKey.data(), m_sessionKey.size());
    m_sessionKey.clear();
    return ok;
}

} // namespace hc::card::epurse
