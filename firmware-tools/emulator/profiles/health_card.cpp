// hcemu profile "health-card": the card side of the resident health card (healthcard-reference
// §2-5, with the choices of card/include/hc/card/health/crypto.hpp).
//
//   EXTERNAL AUTHENTICATE  00 82 00 P2 11 crypt8 || plain8 || trailer: the DF key P2 (a card
//                          key, already diversified at personalisation) is diversified once more
//                          with the last challenge, and crypt8 must equal
//                          fold(SM4_Ks(plain8 || 00*8)). A wrong cryptogram counts the key's
//                          tries down (63Cx), 0 tries = 6983.
//   UPDATE RECORD (SM)     04 DC rec 04 Lc ENC || MAC4: MAC over pad80(04 DC rec 04 Lc || ENC)
//                          with the DF's transmission key diversified by the last challenge;
//                          a wrong MAC = 6988 (extensions.health-card.bad_mac_sw may say another
//                          SW, e.g. 9302), no challenge = 6984. ENC decrypts to Lp || TLV || 80
//                          00..
//   WRITE / ERASE RECORD   84 D2 / 84 0C rec 04 04 MAC4: sets the index record to 00 / FF.
// The MAC is checked before anything changes; a refused command writes nothing, and the
// challenge is used up either way (a replayed command meets no challenge or another one).
// Secure messaging is required for an update when the EF's update rule ends in "+sm" (or the EF
// is listed in sm_files): then a plain 00 DC / 00 D2 / 00 0C is refused 6987 (SM data objects
// missing), as the ISO layer refuses a plain UPDATE BINARY/RECORD to such a file.
// Access conditions and keys come from the image (DF "keys", EF "read"/"update"). The image's
// extensions["health-card"] holds what CardImage has no place for:
//   "transport_keys": {"DDF1": "<hex>", ...}   STK per DF (card keys, diversified)
//   "sm_files": ["DDF1/EF06", ...]             files that need SM for updates (older images and
//                                              cards issued by the blank-card profile; new
//                                              images say "+sm" in the rule)
//   "bad_mac_sw": "6988"                       the status word of a wrong MAC (4 hex digits)
// Read through base's JsonIn: a null member is absent; a member of the wrong type (or a
// bad_mac_sw that is not 2 bytes) is refused naming its path, e.g.
// "extensions.health-card.sm_files[1]: expected a string".
#include "hc/base/json_in.hpp"
#include "hc/card/error.hpp"
#include "hc/card/health/crypto.hpp"
#include "hc/emu/profile.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <map>

namespace hc::emu {

namespace {

using hc::card::CommandApdu;
using hc::card::ResponseApdu;
using hc::card::StatusWord;
namespace sw = hc::card::sw;
namespace h = hc::card::health;

/** Longest hex text read from extensions.health-card (the card image's own limit). */
constexpr std::size_t kMaxHexDigits = 2 * 0x7FFF;
/** Most entries of sm_files, and the longest ("DDF1/EF06"; longer names match no file). */
constexpr std::size_t kMaxSmFiles = 4096;
constexpr std::size_t kMaxSmFileName = 64;

ResponseApdu status(StatusWord s) {
    return { {}, s };
}
StatusWord triesSw(int left) {
    return StatusWord(0x63, static_cast<std::uint8_t>(0xC0 | (left & 0x0F)));
}

std::string fidHex(std::uint16_t fid) {
    const std::uint8_t b[2]
        = { static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid & 0xFF) };
    return hc::toHex(b);
}

class HealthCardProfile final : public CommandHandler {
public:
    explicit HealthCardProfile(CardOs& os) {
        // extensions.health-card through base's JsonIn: absent or null keeps the defaults; a
        // member of the wrong type is refused naming it (it was ignored: an operator who
        // misspelt a card image got a card without its keys or SM rules and no word why).
        const auto o = hc::JsonIn(os.image().extensions, "extensions").objectOpt("health-card");
        if (!o) {
            return;
        }
        if (const auto tk = o->objectOpt("transport_keys")) {
            for (const auto& kv : tk->raw()) {
                const std::string key(kv.key().data(), kv.key().size());
                if (!kv.value().is_string()) {
                    tk->fail(tk->at(key), "expected hex text (the DF's card key)");
                }
                m_transport[key] = tk->hex(key, kMaxHexDigits);
            }
        }
        if (o->has("bad_mac_sw")) {
            const auto b = o->hex("bad_mac_sw", kMaxHexDigits);
            if (b.size() != 2) {
                o->fail(o->at("bad_mac_sw"), "a status word is 4 hex digits (\"9302\")");
            }
            m_badMac = StatusWord(b[0], b[1]);
        }
        m_smFiles = o->strings("sm_files", kMaxSmFiles, kMaxSmFileName);
    }

    std::optional<ResponseApdu> handle(CardOs& os, const CommandApdu& c) override {
        if (c.cla() == 0x00 && c.ins() == 0x82) {
            return externalAuthenticate(os, c);
        }
        if (c.cla() == 0x04 && c.ins() == 0xDC) {
            return secureUpdateRecord(os, c);
        }
        if (c.cla() == 0x84 && (c.ins() == 0xD2 || c.ins() == 0x0C)) {
            return macIndexWrite(os, c);
        }
        const bool plainRecordWrite
            = c.cla() == 0x00 && (c.ins() == 0xDC || c.ins() == 0xD2 || c.ins() == 0x0C);
        if (plainRecordWrite && needsSm(os, c)) {
            const FileNode* ef = targetEf(os, c.p2());
            return status(os.satisfied(ef->update) ? sw::SmDataObjectsMissing
                                                   : sw::SecurityStatusNotSatisfied);
        }
        return std::nullopt;
    }

private:
    static std::string dfName(const FileNode& df) {
        if (!df.parent) {
            return "MF";
        }
        return df.fid == 0xDDF1 ? "DDF1" : fidHex(df.fid).substr(0, 4);
    }

    /** True when the EF the command addresses needs secure messaging for updates. */
    bool needsSm(CardOs& os, const CommandApdu& c) {
        const FileNode* target = targetEf(os, c.p2());
        if (!target || !target->parent || target->isDf()) {
            return false;
        }
        if (target->update.secureMessaging) {
            return true;
        }
        const std::string name = dfName(*target->parent) + "/" + fidHex(target->fid);
        return std::find(m_smFiles.begin(), m_smFiles.end(), name) != m_smFiles.end();
    }

    /** Transmission session key of the current DF from the last challenge; empty when none. */
    hc::Bytes transportSession(CardOs& os) {
        const FileNode* df = os.currentDf();
        const auto it = m_transport.find(dfName(*df));
        auto& ch = os.security().challenge;
        if (it == m_transport.end() || ch.size() != 8) {
            ch.clear();
            return {};
        }
        hc::Bytes ks = h::diversify(it->second, ch);
        ch.clear();
        return ks;
    }

    ResponseApdu externalAuthenticate(CardOs& os, const CommandApdu& c) {
        const std::uint8_t id = c.p2();
        FileNode* owner = nullptr;
        CardKey* key = nullptr;
        for (FileNode* df = os.currentDf(); df && !key; df = df->parent) {
            for (auto& k : df->keys) {
                if (k.id == id) {
                    key = &k;
                    owner = df;
                    break;
                }
            }
        }
        if (!key) {
            return status(sw::ReferencedDataNotFound);
        }
        if (key->triesLeft <= 0) {
            return status(sw::AuthenticationBlocked);
        }
        auto& challenge = os.security().challenge;
        if (challenge.size() != 8) {
            challenge.clear();
            return status(sw::ReferenceDataNotUsable);
        }
        if (c.data().size() != 17) {
            challenge.clear();
            return status(sw::WrongLength);
        }
        const hc::ByteView d(c.data());
        const hc::Bytes ks = h::diversify(key->value, challenge);
        challenge.clear();
        const hc::Bytes expected = h::authCryptogram(ks, d.subspan(8, 8));
        if (!h::equalConstantTime(expected, d.subspan(0, 8))) {
            --key->triesLeft;
            os.persist();
            return status(
                key->triesLeft <= 0 ? sw::AuthenticationBlocked : triesSw(key->triesLeft));
        }
        os.security().keys.insert({ owner->fid, id });
        if (key->triesLeft != key->maxTries) {
            key->triesLeft = key->maxTries;
            os.persist();
        }
        return status(sw::Ok);
    }

    FileNode* targetEf(CardOs& os, std::uint8_t p2) {
        const std::uint8_t sfi = static_cast<std::uint8_t>(p2 >> 3);
        if (sfi == 0) {
            return os.currentEf();
        }
        for (auto& ch : os.currentDf()->children) {
            if (!ch->isDf() && ch->sfi == sfi) {
                return ch.get();
            }
        }
        return nullptr;
    }

    ResponseApdu secureUpdateRecord(CardOs& os, const CommandApdu& c) {
        FileNode* ef = targetEf(os, c.p2());
        if (!ef || !ef->isRecordFile()) {
            return status(ef ? StatusWord(0x6981) : sw::FileNotFound);
        }
        if (!os.satisfied(ef->update)) {
            return status(sw::SecurityStatusNotSatisfied);
        }
        const hc::Bytes ks = transportSession(os);
        if (ks.empty()) {
            return status(sw::ReferenceDataNotUsable);
        }
        const auto& d = c.data();
        if (d.size() < 20 || (d.size() - 4) % 16 != 0) {
            return status(sw::SmDataObjectsIncorrect);
        }
        const hc::ByteView enc(d.data(), d.size() - 4);
        const hc::ByteView mac(d.data() + d.size() - 4, 4);
        hc::Bytes header;
        header.reserve(5 + enc.size());
        for (std::uint8_t b :
            { c.cla(), c.ins(), c.p1(), c.p2(), static_cast<std::uint8_t>(d.size()) }) {
            header.push_back(b);
        }
        for (std::uint8_t b : enc) {
            header.push_back(b);
        }
        if (!h::equalConstantTime(h::smMac4(ks, header), mac)) {
            return status(m_badMac);
        }
        hc::Bytes plain = h::sm4EcbDecrypt(ks, enc);
        hc::Bytes record;
        try {
            plain = h::unpad80(plain);
        } catch (const hc::InputError&) {
            return status(sw::SmDataObjectsIncorrect);
        }
        if (plain.empty() || plain[0] + 1u != plain.size()) {
            return status(sw::SmDataObjectsIncorrect);
        }
        record.assign(plain.begin() + 1, plain.end());
        if ((c.p2() & 0x07) != 0x04) {
            return status(sw::IncorrectP1P2);
        }
        const std::size_t n = c.p1();
        if (n == 0 || n > ef->maxRecords) {
            return status(sw::RecordNotFound);
        }
        if (ef->type == FileType::LinearVariable ? record.size() > ef->recordSize
                                                 : record.size() != ef->recordSize) {
            return status(sw::WrongLength);
        }
        if (n > ef->records.size()) {
            if (n != ef->records.size() + 1) {
                return status(sw::RecordNotFound);
            }
            ef->records.push_back(record);
        } else {
            ef->records[n - 1] = record;
        }
        os.persist();
        return status(sw::Ok);
    }

    ResponseApdu macIndexWrite(CardOs& os, const CommandApdu& c) {
        FileNode* ef = targetEf(os, c.p2());
        if (!ef || !ef->isRecordFile()) {
            return status(ef ? StatusWord(0x6981) : sw::FileNotFound);
        }
        if (!os.satisfied(ef->update)) {
            return status(sw::SecurityStatusNotSatisfied);
        }
        const hc::Bytes ks = transportSession(os);
        if (ks.empty()) {
            return status(sw::ReferenceDataNotUsable);
        }
        if (c.data().size() != 4) {
            return status(sw::SmDataObjectsIncorrect);
        }
        const hc::Bytes header { c.cla(), c.ins(), c.p1(), c.p2(), 0x04 };
        if (!h::equalConstantTime(h::smMac4(ks, header), c.data())) {
            return status(m_badMac);
        }
        const std::size_t n = c.p1();
        if ((c.p2() & 0x07) != 0x04 || n == 0 || n > ef->records.size()) {
            return status(sw::RecordNotFound);
        }
        ef->records[n - 1] = hc::Bytes(ef->records[n - 1].size(), c.ins() == 0xD2 ? 0x00 : 0xFF);
        os.persist();
        return status(sw::Ok);
    }

    std::map<std::string, hc::Bytes> m_transport;
    std::vector<std::string> m_smFiles;
    StatusWord m_badMac = sw::SmDataObjectsIncorrect;
};

const ProfileRegistrar registrar(
    "health-card", [](CardOs& os) { return std::make_shared<HealthCardProfile>(os); });

} // namespace

} // namespace hc::emu
