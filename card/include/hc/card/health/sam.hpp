// SecureAccessModule: where the health card's keys live. The terminal never holds a card key;
// it hands the module the key diversification data and gets cryptograms and MACs back, exactly as
// with the 居民健康卡安全存取模块 (SAM card, healthcard-reference §5.1):
//
//   deliverKey(P1, P2, cardNo8 || [city8] || rand8)   = SAM 80 DE P1 P2: session key in the module
//   encrypt(blocks)                                    = SAM 80 FA 00 00: SM4-ECB with it
//   mac(iv16, paddedData)                              = SAM 80 FA 05 00: SM4 CBC-MAC, 4 bytes
//
// Implementations:
//   SoftwareSam  master keys in process (OpenSSL), for development and tests
//   HsmSam       master keys in hc::hsm (hsm/bridge: hc/card_hsm/hsm_sam.hpp, hc_card_hsm);
//                deliverKey is Hsm::diversify(master, {city8, cardNo8, rand8}), the derivation of
//                crypto.hpp
//   SamCard      a SAM card in a second reader (sam_card.hpp)
// Threading: one thread at a time per module (the delivered key is session state).
#pragma once

#include "hc/card/bytes.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace hc::card::health {

/** The key operations the health-card flows need. */
class SecureAccessModule {
public:
    /** Modules are owned polymorphically. */
    virtual ~SecureAccessModule() = default;
    /** Derives the session key of master key (P1, P2) from `divData` and keeps it for the next
     * encrypt()/mac() calls. Throws hc::Error when the module lacks that key. */
    virtual void deliverKey(std::uint8_t p1, std::uint8_t p2, ByteView divData) = 0;
    /** SM4-ECB over whole 16-byte blocks with the delivered key. */
    virtual Bytes encrypt(ByteView blocks) = 0;
    /** SM4 CBC-MAC with `iv16` over already padded data; the first 4 bytes of the last block. */
    virtual Bytes mac(ByteView iv16, ByteView paddedData) = 0;
    /** "software", "sam:<reader>". */
    virtual std::string name() const = 0;
};

/** Owning pointer to a module. */
using SecureAccessModulePtr = std::unique_ptr<SecureAccessModule>;

/** Master keys held in process. For development, tests and sites without a SAM or HSM. */
class SoftwareSam final : public SecureAccessModule {
public:
    /** Master keys by (P1 << 8 | P2), 16 bytes each. */
    explicit SoftwareSam(std::map<std::uint16_t, Bytes> masters);
    /** From JSON {"masters": {"4731": "<32 hex>", ...}} (the test key file
     * firmware-tools/images/resident-keys.json). Throws hc::InputError naming the bad entry. */
    static std::unique_ptr<SoftwareSam> fromJson(std::string_view json);
    ~SoftwareSam() override;

    void deliverKey(std::uint8_t p1, std::uint8_t p2, ByteView divData) override;
    Bytes encrypt(ByteView blocks) override;
    Bytes mac(ByteView iv16, ByteView paddedData) override;
    std::string name() const override { return "software"; }

private:
    std::map<std::uint16_t, Bytes> m_masters;
    Bytes m_session;
};

} // namespace hc::card::health
