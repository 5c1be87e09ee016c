// Shared helpers of the personalization tests: the HSM keys (masters of resident-keys.json and the
// TEST transport master, imported as two components with KCVs, stored non-exportable), an
// in-process channel to an emulated card OS, blank card images and the sample residents' data.
#pragma once

#include "../../firmware-tools/emulator/profiles/blank_card.hpp"
#include "hc/card/card_channel.hpp"
#include "hc/card/health/health_card.hpp"
#include "hc/card/health/sam.hpp"
#include "hc/emu/card_image.hpp"
#include "hc/emu/card_os.hpp"
#include "hc/emu/profile.hpp"
#include "hc/hsm/hsm.hpp"
#include "hc/perso.hpp"
#include "hc/testing/process.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <memory>
#include <stdexcept>

namespace persotest {

using hc::Bytes;

/** Imports a clear SM4 key as two components with their KCVs (as a key ceremony would). */
inline void importKey(hc::hsm::Hsm& hsm, const hc::hsm::KeyRef& ref, const Bytes& key) {
    Bytes c1(16);
    Bytes c2(16);
    for (std::size_t i = 0; i < 16; ++i) {
        c1[i] = static_cast<std::uint8_t>(0x5A ^ (i * 7));
        c2[i] = static_cast<std::uint8_t>(key[i] ^ c1[i]);
    }
    std::vector<hc::hsm::KeyComponent> comps(2);
    comps[0].clear = hc::hsm::toSecure(c1);
    comps[0].kcv = hc::hsm::keyCheckValue(hc::hsm::KeyAlgorithm::Sm4, comps[0].clear);
    comps[1].clear = hc::hsm::toSecure(c2);
    comps[1].kcv = hc::hsm::keyCheckValue(hc::hsm::KeyAlgorithm::Sm4, comps[1].clear);
    hc::hsm::KeyOptions opt;
    opt.exportable = false;
    hsm.importComponents(ref, hc::hsm::KeyAlgorithm::Sm4, comps, std::nullopt, opt);
}

/** The masters of resident-keys.json ("hc.master.<P1P2>") and the TEST transport master. */
inline void importIssuerKeys(hc::hsm::Hsm& hsm) {
    const auto v = boost::json::parse(
        hc::testing::readFile(hc::testing::sourcePath("firmware-tools/images/resident-keys.json")));
    for (const auto& kv : v.at("masters").as_object()) {
        importKey(hsm, { "hc.master." + std::string(kv.key()), 1 },
            hc::fromHex(std::string(kv.value().as_string())));
    }
    importKey(hsm, { "hc.perso.transport", 1 }, hc::fromHex(hc::emu::kTestTransportMasterHex));
}

/** A CardChannel straight into a CardOs (no pcscd): for unit tests of the engine. */
class CosChannel final : public hc::card::CardChannel {
public:
    explicit CosChannel(hc::emu::CardOs& os)
        : m_os(os) {
        m_os.powerOn();
    }
    hc::card::ResponseApdu transmit(const hc::card::CommandApdu& c) override {
        if (m_failAfter && m_sent >= *m_failAfter) {
            throw hc::CardProtocolError("test: card torn away");
        }
        ++m_sent;
        auto raw = m_os.processRaw(c.encode());
        if (!m_weakFrom.empty() && (c.ins() == 0xB0 || c.ins() == 0xB2) && raw.size() > 2) {
            // A weak EEPROM: what the card reads back differs from what it acknowledged.
            const auto at = std::search(raw.begin(), raw.end() - 2, m_weakFrom.begin(),
                m_weakFrom.end());
            if (at != raw.end() - 2) {
                std::copy(m_weakTo.begin(), m_weakTo.end(), at);
            }
        }
        return hc::card::ResponseApdu::parse(raw);
    }
    Bytes atr() const override { return m_os.atr(); }
    void reset() override { m_os.reset(); }
    std::string readerName() const override { return "in-process"; }
    /** Throws on the (n+1)th APDU from now on, as a card pulled out mid-command. */
    void tearAfter(std::size_t n) { m_failAfter = m_sent + n; }
    void heal() { m_failAfter.reset(); }
    /** From now on the card reads `from` back as `to` (same length) wherever a READ BINARY or
     * READ RECORD answer holds it, though it answered 9000 to the write: a card that stores
     * something other than what it was sent. */
    void readBackAs(Bytes from, Bytes to) {
        m_weakFrom = std::move(from);
        m_weakTo = std::move(to);
    }
    std::size_t sent() const { return m_sent; }

private:
    hc::emu::CardOs& m_os;
    std::size_t m_sent = 0;
    std::optional<std::size_t> m_failAfter;
    Bytes m_weakFrom;
    Bytes m_weakTo;
};

/** A blank card in memory (serial 0xA0 .. n). The image it persists lands in `saved`. */
struct BlankCard {
    explicit BlankCard(std::uint8_t n = 1)
        : os(hc::emu::makeBlankCard(Bytes { 0xA0, 0, 0, 0, 0, 0, 0, n },
                 hc::fromHex(hc::emu::kTestTransportMasterHex)),
            [this](const hc::emu::CardImage& img) { saved = hc::emu::serializeCardImage(img); }) {
        hc::emu::installProfiles(os);
    }
    hc::emu::CardOs os;
    std::string saved;
};

/** The data on a sample resident's card image, read with the health-card library in process. */
inline hc::card::health::HealthCardData residentData(const std::string& image) {
    hc::emu::CardOs os(
        hc::emu::loadCardImage(hc::testing::sourcePath("firmware-tools/images/" + image)));
    hc::emu::installProfiles(os);
    CosChannel ch(os);
    auto sam = hc::card::health::SoftwareSam::fromJson(
        hc::testing::readFile(hc::testing::sourcePath("firmware-tools/images/resident-keys.json")));
    hc::card::health::HealthCard card(ch, hc::card::health::CardProfile::ws543_2017(), sam.get());
    return card.readAll().value;
}

/** The PersoInput that re-issues a sample resident's card (same card number, issuer, dates). */
inline hc::perso::PersoInput inputFor(const hc::card::health::HealthCardData& d) {
    hc::perso::PersoInput in;
    const auto& c = d.identity.card;
    in.cardNumber = c.cardNumber;
    in.resident = d;
    in.issueDate = c.issueDate;
    in.expiryDate = d.validity.expiryDate;
    in.securityCode = c.securityCode;
    in.issuer.name = c.issuerName;
    in.issuer.code = c.issuerCode;
    in.issuer.cityCode = c.cityCode;
    in.issuer.certificate = c.issuerCertificate;
    return in;
}

} // namespace persotest
