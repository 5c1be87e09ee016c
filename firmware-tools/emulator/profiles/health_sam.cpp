// hcemu profile "health-sam": the 居民健康卡安全存取模块 in slot 1 (healthcard-reference §5.1),
// holding the master keys and deriving per-card session keys the way
// card/include/hc/card/health/crypto.hpp describes.
//
//   80 DE P1 P2 Lc cardNo8 || [city8] || rand8   DELIVER KEY: session key of master P1P2
//                                                (9403 when the SAM has no such key)
//   80 FA 00 00 Lc data                           SM4-ECB with the session key
//   80 FA 05 00 Lc iv16 || data                   SM4 CBC-MAC, answers 4 bytes
// Both need the SAM PIN verified first (6982 otherwise). The image's extensions["health-sam"]
// holds {"masters": {"4731": "<hex>", ...}}; files 0015/0016 and DF01/001A-001C are ordinary EFs.
#include "hc/base/json_in.hpp"
#include "hc/card/error.hpp"
#include "hc/card/health/crypto.hpp"
#include "hc/emu/profile.hpp"

#include <boost/json.hpp>
#include <map>

namespace hc::emu {

namespace {

using hc::card::CommandApdu;
using hc::card::ResponseApdu;
using hc::card::StatusWord;
namespace sw = hc::card::sw;
namespace h = hc::card::health;

/** Longest master key text read (hex digits). */
constexpr std::size_t kMaxHexDigits = 2 * 0x7FFF;

class HealthSamProfile final : public CommandHandler {
public:
    explicit HealthSamProfile(CardOs& os) {
        const auto masters = hc::JsonIn(os.image().extensions, "extensions")
                                 .object("health-sam")
                                 .object("masters");
        for (const auto& kv : masters.raw()) {
            const std::string_view key(kv.key().data(), kv.key().size());
            hc::Bytes id;
            try {
                id = hc::fromHex(key);
            } catch (const hc::InputError&) {
                id.clear();
            }
            if (id.size() != 2) {
                throw hc::JsonFieldError(masters.at(key), "a key id is 4 hex digits (\"4731\")");
            }
            m_masters[static_cast<std::uint16_t>((id[0] << 8) | id[1])]
                = masters.hex(key, kMaxHexDigits);
        }
    }

    std::optional<ResponseApdu> handle(CardOs& os, const CommandApdu& c) override {
        if (c.cla() != 0x80 || (c.ins() != 0xDE && c.ins() != 0xFA)) {
            return std::nullopt;
        }
        if (!os.security().pinVerified) {
            return ResponseApdu({}, sw::SecurityStatusNotSatisfied);
        }
        if (c.ins() == 0xDE) {
            const auto it = m_masters.find(static_cast<std::uint16_t>((c.p1() << 8) | c.p2()));
            if (it == m_masters.end()) {
                return ResponseApdu({}, sw::KeyNotFound);
            }
            if (c.data().size() != 16 && c.data().size() != 24) {
                return ResponseApdu({}, sw::WrongLength);
            }
            m_session = h::sessionKey(it->second, c.data());
            return ResponseApdu({}, sw::Ok);
        }
        if (m_session.empty()) {
            return ResponseApdu({}, sw::ConditionsNotSatisfied);
        }
        const auto& d = c.data();
        if (c.p1() == 0x00) {
            if (d.empty() || d.size() % 16 != 0) {
                return ResponseApdu({}, sw::WrongLength);
            }
            return ResponseApdu(h::sm4EcbEncrypt(m_session, d), sw::Ok);
        }
        if (c.p1() == 0x05) {
            if (d.size() < 32 || d.size() % 16 != 0) {
                return ResponseApdu({}, sw::WrongLength);
            }
            hc::Bytes mac = h::sm4CbcMac(
                m_session, hc::ByteView(d.data(), 16), hc::ByteView(d.data() + 16, d.size() - 16));
            mac.resize(4);
            return ResponseApdu(std::move(mac), sw::Ok);
        }
        return ResponseApdu({}, sw::IncorrectP1P2);
    }

    void onReset(CardOs&) override { m_session.clear(); }

private:
    std::map<std::uint16_t, hc::Bytes> m_masters;
    hc::Bytes m_session;
};

const ProfileRegistrar registrar(
    "health-sam", [](CardOs& os) { return std::make_shared<HealthSamProfile>(os); });

} // namespace

} // namespace hc::emu
