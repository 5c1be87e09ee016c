// HsmSam: the SecureAccessModule backed by hc::hsm (hsm/include/hc/hsm/hsm.hpp). Header only:
// include it from code that links hc_hsm (hc_card itself does not depend on hsm/). The master
// keys stay in the HSM under a label per SAM slot; a session key is a KeySpec
// (master diversified by city8, cardNo8, rand8: hc::hsm's PbocDiversify for SM4, exactly the
// derivation of crypto.hpp), so no key byte leaves the HSM and every use is audited there.
// Threading: one thread at a time per HsmSam (the delivered key is session state); the Hsm itself
// may be shared.
#pragma once

#include "hc/card/error.hpp"
#include "hc/card/health/sam.hpp"
#include "hc/hsm/hsm.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hc::card::health {

/** Master keys in an hc::hsm::Hsm, one KeyRef per SAM slot (P1 << 8 | P2). */
class HsmSam final : public SecureAccessModule {
public:
    /** Uses `hsm` (must outlive this) with the given slot -> key mapping. */
    HsmSam(hc::hsm::Hsm& hsm, std::map<std::uint16_t, hc::hsm::KeyRef> masters)
        : m_hsm(hsm)
        , m_masters(std::move(masters)) { }

    /** The mapping "<prefix>.<P1P2>" version 1 for every slot of the reference's key table
     * (4731..4734, 272A, 272B, 472C..472F, 2730, 2802, 2803, 4804, 4805). */
    static std::map<std::uint16_t, hc::hsm::KeyRef> defaultLabels(
        const std::string& prefix = "hc.master") {
        std::map<std::uint16_t, hc::hsm::KeyRef> m;
        static constexpr std::uint16_t kSlots[] = { 0x4731, 0x4732, 0x4733, 0x4734, 0x272A, 0x272B,
            0x472C, 0x472D, 0x472E, 0x472F, 0x2730, 0x2802, 0x2803, 0x4804, 0x4805 };
        for (std::uint16_t slot : kSlots) {
            const std::uint8_t b[2]
                = { static_cast<std::uint8_t>(slot >> 8), static_cast<std::uint8_t>(slot & 0xFF) };
            m[slot] = hc::hsm::KeyRef { prefix + "." + toHex(b), 1 };
        }
        return m;
    }

    void deliverKey(std::uint8_t p1, std::uint8_t p2, ByteView divData) override {
        const auto it = m_masters.find(static_cast<std::uint16_t>((p1 << 8) | p2));
        if (it == m_masters.end()) {
            const std::uint8_t ref[2] = { p1, p2 };
            throw hc::Error("HSM SAM: no master key mapped for slot " + toHex(ref),
                NextStep::CheckConfiguration);
        }
        if (divData.size() != 16 && divData.size() != 24) {
            throw hc::InputError("HSM SAM: derivation data must be cardNo8 || [city8] || rand8");
        }
        // 80 DE order is card, [city], challenge; the HSM applies the highest level first.
        std::vector<hc::hsm::Bytes> factors;
        if (divData.size() == 24) {
            factors.emplace_back(divData.begin() + 8, divData.begin() + 16);
        }
        factors.emplace_back(divData.begin(), divData.begin() + 8);
        factors.emplace_back(divData.end() - 8, divData.end());
        m_session = m_hsm.diversify(hc::hsm::KeySpec(it->second), factors);
    }

    Bytes encrypt(ByteView blocks) override {
        return m_hsm.encrypt(session(), hc::hsm::CipherMode::Ecb, blocks);
    }

    Bytes mac(ByteView iv16, ByteView paddedData) override {
        Bytes m = m_hsm.macPadded(session(), hc::hsm::MacAlgorithm::Sm4Cbc, paddedData, iv16);
        m.resize(4);
        return m;
    }

    std::string name() const override { return "hsm:" + m_hsm.name(); }

private:
    const hc::hsm::KeySpec& session() const {
        if (!m_session) {
            throw hc::Error("HSM SAM: no key delivered", NextStep::CallStaff);
        }
        return *m_session;
    }

    hc::hsm::Hsm& m_hsm;
    std::map<std::uint16_t, hc::hsm::KeyRef> m_masters;
    std::optional<hc::hsm::KeySpec> m_session;
};

} // namespace hc::card::health
