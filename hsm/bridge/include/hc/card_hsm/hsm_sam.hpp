// HsmSam: the health card's SecureAccessModule backed by hc::hsm (hsm/include/hc/hsm/hsm.hpp).
// The master keys stay in the HSM under a label per SAM slot; a session key is a KeySpec (master
// diversified by city8, cardNo8, rand8: hc::hsm's PbocDiversify for SM4, exactly the derivation
// of hc/card/health/crypto.hpp), so no key byte leaves the HSM and every use is audited there.
// Threading: one thread at a time per HsmSam (the delivered key is session state); the Hsm itself
// may be shared.
#pragma once

#include "hc/card/health/sam.hpp"
#include "hc/hsm/hsm.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace hc::card_hsm {

/** Master keys in an hc::hsm::Hsm, one KeyRef per SAM slot (P1 << 8 | P2). */
class HsmSam final : public hc::card::health::SecureAccessModule {
public:
    /** Uses `hsm` (must outlive this) with the given slot -> key mapping. */
    HsmSam(hc::hsm::Hsm& hsm, std::map<std::uint16_t, hc::hsm::KeyRef> masters);

    /** The mapping "<prefix>.<P1P2>" version 1 for every slot of the reference's key table
     * (4731..4734, 272A, 272B, 472C..472F, 2730, 2802, 2803, 4804, 4805). */
    static std::map<std::uint16_t, hc::hsm::KeyRef> defaultLabels(
        const std::string& prefix = "hc.master");

    /** Derives the session key inside the HSM. Throws hc::Error(CheckConfiguration) for a slot
     * without a mapped master, hc::InputError for derivation data that is not
     * cardNo8 || [city8] || rand8. */
    void deliverKey(std::uint8_t p1, std::uint8_t p2, hc::ByteView divData) override;
    /** SM4-ECB under the delivered key. Throws hc::Error(CallStaff) before deliverKey. */
    hc::Bytes encrypt(hc::ByteView blocks) override;
    /** SM4-CBC MAC (4 bytes) under the delivered key. Throws like encrypt. */
    hc::Bytes mac(hc::ByteView iv16, hc::ByteView paddedData) override;
    /** "hsm:<the HSM's name>". */
    std::string name() const override;

private:
    const hc::hsm::KeySpec& session() const;

    hc::hsm::Hsm& m_hsm;
    std::map<std::uint16_t, hc::hsm::KeyRef> m_masters;
    std::optional<hc::hsm::KeySpec> m_session;
};

} // namespace hc::card_hsm
