// Emulator profile "psam": a PBOC purchase SAM for reader slot 1.
//
//   00 B0 96 00 06        READ BINARY EF 0016 (SFI 16): terminal id (ISO, from the file system)
//   80 70 00 00 1C data   MAC1: rand4 ATC2 amount4 type1 date4 time3 keyVer1 alg1 serial8
//                         -> TTSN4 MAC1 4. DPK = diversify(master[keyVer], serial); SESPK =
//                         3DES_DPK(rand || ATC || TTSN low 2); the TTSN is saved (persist())
//                         before the answer. 9403: no master key of that version; 6A80: alg not
//                         00 (3DES) or 04 (SM4: SM4 diversification, session key and MACs, see
//                         hc/card/epurse/crypto.hpp). The card names the algorithm; the PSAM
//                         follows it with the same master key.
//   80 72 00 00 04 MAC2   9000 when MAC2 = MAC(SESPK, amount), 9302 otherwise, 6985 without MAC1
//
// extensions.psam: {"purchase_master_keys": {"01": "<32 hex>"}, "ttsn": 1}
#include "hc/base/json_in.hpp"
#include "hc/card/epurse/commands.hpp"
#include "hc/card/epurse/crypto.hpp"
#include "hc/emu/profile.hpp"

#include <boost/json.hpp>
#include <openssl/crypto.h>

namespace hc::emu {
namespace {

namespace ep = hc::card::epurse;
namespace json = boost::json;
using hc::card::CommandApdu;
using hc::card::ResponseApdu;
namespace sw = hc::card::sw;

class PsamHandler final : public CommandHandler {
public:
    explicit PsamHandler(CardOs& os) {
        keysOf(os.image().extensions); // an object, checked before the first MAC1
        const FileNode* ef = os.image().mf->child(0x0016);
        if (!ef || ef->data.size() < 6) {
            throw hc::InputError("profile psam: the MF needs EF 0016 with the 6-byte terminal id");
        }
        std::copy_n(ef->data.begin(), 6, m_terminal.begin());
    }

    std::optional<ResponseApdu> handle(CardOs& os, const CommandApdu& c) override {
        if (c.cla() != 0x80 || (c.ins() != 0x70 && c.ins() != 0x72)) {
            return std::nullopt;
        }
        return c.ins() == 0x70 ? mac1(os, c) : mac2(c);
    }

    void onReset(CardOs&) override { wipe(); }

private:
    /** extensions.psam.purchase_master_keys, through base's JsonIn. */
    static hc::JsonIn keysOf(const json::object& extensions) {
        return hc::JsonIn(extensions, "extensions").object("psam").object("purchase_master_keys");
    }

    void wipe() {
        OPENSSL_cleanse(m_session.data(), m_session.size());
        m_session.clear();
    }

    ResponseApdu mac1(CardOs& os, const CommandApdu& c) {
        wipe();
        if (c.data().size() != 28) {
            return { {}, sw::WrongLength };
        }
        const auto r = ep::parsePsamMac1Request(c.data());
        auto& psam = os.image().extensions["psam"].as_object();
        const auto keys = keysOf(os.image().extensions);
        const auto* k = keys.find(hc::toHex(hc::Bytes { r.keyVersion }));
        if (!k || !k->is_string()) {
            return { {}, sw::KeyNotFound };
        }
        const auto alg = ep::purseAlgorithmOf(r.algorithm);
        if (!alg) {
            return { {}, sw::IncorrectData };
        }
        hc::Bytes master = hc::fromHex(std::string(k->as_string()));
        hc::Bytes dpk = ep::diversify(master, r.cardSerial, *alg);
        const auto* t = psam.if_contains("ttsn");
        const std::uint32_t ttsn
            = t && t->is_int64() ? static_cast<std::uint32_t>(t->as_int64()) : 1u;
        m_session = ep::purchaseSessionKey(dpk, r.random, r.offlineAtc, ttsn, *alg);
        m_alg = *alg;
        OPENSSL_cleanse(master.data(), master.size());
        OPENSSL_cleanse(dpk.data(), dpk.size());
        m_amount = r.amount;
        psam["ttsn"] = static_cast<std::int64_t>(ttsn) + 1;
        os.persist();
        const auto mac
            = ep::purchaseMac1(m_session, { r.amount, r.type, m_terminal, r.when }, m_alg);
        hc::Bytes d;
        hc::appendBigEndian(d, ttsn, 4);
        d.insert(d.end(), mac.begin(), mac.end());
        return { d, sw::Ok };
    }

    ResponseApdu mac2(const CommandApdu& c) {
        if (m_session.empty()) {
            return { {}, sw::ConditionsNotSatisfied };
        }
        if (c.data().size() != 4) {
            wipe();
            return { {}, sw::WrongLength };
        }
        const bool ok = ep::sameMac(ep::purchaseMac2(m_session, m_amount, m_alg), c.data());
        wipe();
        return { {}, ok ? sw::Ok : sw::MacInvalid };
    }

    ep::TerminalId m_terminal {};
    hc::Bytes m_session;
    std::uint32_t m_amount = 0;
    ep::PurseAlgorithm m_alg = ep::PurseAlgorithm::Des3;
};

const ProfileRegistrar registrar(
    "psam", [](CardOs& os) { return std::make_shared<PsamHandler>(os); });

} // namespace
} // namespace hc::emu
