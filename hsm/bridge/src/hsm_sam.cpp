#include "hc/card_hsm/hsm_sam.hpp"

#include "hc/card/error.hpp"

#include <vector>

namespace hc::card_hsm {

HsmSam::HsmSam(hc::hsm::Hsm& hsm, std::map<std::uint16_t, hc::hsm::KeyRef> masters)
    : m_hsm(hsm)
    , m_masters(std::move(masters)) {
}

std::map<std::uint16_t, hc::hsm::KeyRef> HsmSam::defaultLabels(const std::string& prefix) {
    std::map<std::uint16_t, hc::hsm::KeyRef> m;
    static constexpr std::uint16_t kSlots[] = { 0x4731, 0x4732, 0x4733, 0x4734, 0x272A, 0x272B,
        0x472C, 0x472D, 0x472E, 0x472F, 0x2730, 0x2802, 0x2803, 0x4804, 0x4805 };
    for (std::uint16_t slot : kSlots) {
        const std::uint8_t b[2]
            = { static_cast<std::uint8_t>(slot >> 8), static_cast<std::uint8_t>(slot & 0xFF) };
        m[slot] = hc::hsm::KeyRef { prefix + "." + hc::toHex(b), 1 };
    }
    return m;
}

void HsmSam::deliverKey(std::uint8_t p1, std::uint8_t p2, hc::ByteView divData) {
    const auto it = m_masters.find(static_cast<std::uint16_t>((p1 << 8) | p2));
    if (it == m_masters.end()) {
        const std::uint8_t ref[2] = { p1, p2 };
        throw hc::Error("HSM SAM: no master key mapped for slot " + hc::toHex(ref),
            hc::NextStep::CheckConfiguration);
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

hc::Bytes HsmSam::encrypt(hc::ByteView blocks) {
    return m_hsm.encrypt(session(), hc::hsm::CipherMode::Ecb, blocks);
}

hc::Bytes HsmSam::mac(hc::ByteView iv16, hc::ByteView paddedData) {
    hc::Bytes m = m_hsm.macPadded(session(), hc::hsm::MacAlgorithm::Sm4Cbc, paddedData, iv16);
    m.resize(4);
    return m;
}

std::string HsmSam::name() const {
    return "hsm:" + m_hsm.name();
}

const hc::hsm::KeySpec& HsmSam::session() const {
    if (!m_session) {
        throw hc::Error("HSM SAM: no key delivered", hc::NextStep::CallStaff);
    }
    return *m_session;
}

} // namespace hc::card_hsm
