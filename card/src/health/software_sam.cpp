#include "hc/base/json_in.hpp"
#include "hc/card/error.hpp"
#include "hc/card/health/crypto.hpp"
#include "hc/card/health/sam.hpp"

#include <boost/json.hpp>
#include <openssl/crypto.h>

namespace hc::card::health {

SoftwareSam::SoftwareSam(std::map<std::uint16_t, Bytes> masters)
    : m_masters(std::move(masters)) {
    for (const auto& [slot, key] : m_masters) {
        if (key.size() != 16) {
            throw hc::InputError(
                "software SAM: master key " + std::to_string(slot) + " is not 16 bytes");
        }
    }
}

SoftwareSam::~SoftwareSam() {
    for (auto& [slot, key] : m_masters) {
        OPENSSL_cleanse(key.data(), key.size());
    }
    OPENSSL_cleanse(m_session.data(), m_session.size());
}

namespace {
/** {"masters": {"4731": "<32 hex digits>", ...}}: the slot (SAM P1P2) -> master key. */
std::map<std::uint16_t, Bytes> mastersFrom(std::string_view text) {
    const auto root = hc::parseJson(text, "(root)", { 1024 * 1024, 32 });
    const auto masters = hc::JsonIn(root, "").object("masters");
    std::map<std::uint16_t, Bytes> m;
    for (const auto& kv : masters.raw()) {
        const std::string slot(kv.key());
        Bytes id;
        try {
            id = fromHex(slot);
        } catch (const hc::InputError&) { }
        if (id.size() != 2) {
            throw hc::JsonFieldError(masters.at(slot), "a slot is \"P1P2\" (4 hex digits)");
        }
        m[static_cast<std::uint16_t>((id[0] << 8) | id[1])] = masters.hex(slot, 64);
    }
    return m;
}
} // namespace

std::unique_ptr<SoftwareSam> SoftwareSam::fromJson(std::string_view text) {
    try {
        return std::make_unique<SoftwareSam>(mastersFrom(text));
    } catch (const hc::JsonFieldError& e) {
        throw hc::InputError(std::string("software SAM keys: ") + e.what());
    }
}

void SoftwareSam::deliverKey(std::uint8_t p1, std::uint8_t p2, ByteView divData) {
    const auto it = m_masters.find(static_cast<std::uint16_t>((p1 << 8) | p2));
    if (it == m_masters.end()) {
        const std::uint8_t ref[2] = { p1, p2 };
        throw hc::Error("software SAM has no master key " + toHex(ref) + " (9403)",
            hc::NextStep::CheckConfiguration);
    }
    OPENSSL_cleanse(m_session.data(), m_session.size());
    m_session = sessionKey(it->second, divData);
}

Bytes SoftwareSam::encrypt(ByteView blocks) {
    if (m_session.empty()) {
        throw hc::Error(
            "software SAM: encrypt before a key was delivered", hc::NextStep::CallStaff);
    }
    return sm4EcbEncrypt(m_session, blocks);
}

Bytes SoftwareSam::mac(ByteView iv16, ByteView paddedData) {
    if (m_session.empty()) {
        throw hc::Error("software SAM: MAC before a key was delivered", hc::NextStep::CallStaff);
    }
    Bytes m = sm4CbcMac(m_session, iv16, paddedData);
    m.resize(4);
    return m;
}

} // namespace hc::card::health
