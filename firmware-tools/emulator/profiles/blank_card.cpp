// hcemu profile "blank-card": a typical card OS's personalization commands (FMCOS / ISO 7816-9
// style; the national specification keeps the health card's own private). Full coding and
// security: docs/issuance-card-os.md. In short:
//
//   personalization state (as delivered; extensions["blank-card"].state = "personalization"):
//     GET CHALLENGE + EXTERNAL AUTHENTICATE 00 82 00 00 11 with the transport key
//        K_T = SM4 diversify(transport master, serial8); opens the session S = diversify(K_T, r)
//     CREATE FILE      00 E0 00 00 Lc FCP (62: 82 descriptor, 83 FID, 88 SFI, 80 size,
//                      C1 read/update access, C2 flags), in the current DF; needs the session
//     WRITE KEY        84 D4 P1 P2 Lc ENC || MAC4: P1 01 DF key (id P2), 02 transmission key,
//                      03 PIN, 04 PUK; ENC = SM4-ECB_S(pad80(L || alg || tries || value)),
//                      MAC4 = SM4 CBC-MAC_S(ICV = 0^12 || counter, pad80(84 D4 P1 P2 Lc || ENC))
//     UPDATE RECORD / UPDATE BINARY (plain, access conditions waived in the session): the EF by
//                      SFI, or the EF created last
//     ACTIVATE FILE    84 44 00 00 04 MAC4 (counter MAC): end of personalization -> issued
//   issued state: personalization commands answer 6985; the card is the "health-card" profile
//     (this handler hands every other command to it), plus, with the DDF1 transmission key
//     (session from the last challenge, the health card's SM scheme):
//     DEACTIVATE FILE  84 04 00 00 04 MAC4 on DDF1: application block (SELECT answers 6283,
//                      everything but GET CHALLENGE / ACTIVATE FILE / GET DATA answers 6985)
//     ACTIVATE FILE    84 44 00 00 04 MAC4 on DDF1: application unblock
//     PIN RESET        84 24 00 01 Lc ENC || MAC4: issuer sets a new PIN, retry counter reset
//   any state: GET DATA 80 CA 01 00 -> serial8 || lifecycle (01/0F) || blocked || created.
// Every change is persisted (the image file is replaced atomically) before the answer.
#include "blank_card.hpp"

#include "hc/base/json_in.hpp"
#include "hc/card/error.hpp"
#include "hc/card/health/crypto.hpp"
#include "hc/emu/profile.hpp"

#include <boost/json.hpp>
#include <openssl/rand.h>

namespace hc::emu {

namespace {

using hc::card::CommandApdu;
using hc::card::ResponseApdu;
using hc::card::StatusWord;
namespace sw = hc::card::sw;
namespace h = hc::card::health;
namespace json = boost::json;

constexpr StatusWord kFileExists { 0x6A89 };
constexpr StatusWord kDeactivated { 0x6283 };
constexpr std::size_t kMaxChildren = 64;
constexpr std::size_t kMaxTransparent = 0x7FFF;
/** Longest text read from extensions.blank-card (hex of the largest EF). */
constexpr std::size_t kMaxText = 2 * kMaxTransparent;

ResponseApdu status(StatusWord s) {
    return { {}, s };
}

std::string fidHex(std::uint16_t fid) {
    const std::uint8_t b[2]
        = { static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid & 0xFF) };
    return hc::toHex(b);
}

hc::Bytes header5(const CommandApdu& c, std::size_t lc) {
    hc::Bytes out;
    for (std::uint8_t b : { c.cla(), c.ins(), c.p1(), c.p2(), static_cast<std::uint8_t>(lc) }) {
        out.push_back(b);
    }
    return out;
}

AccessRule ruleFromByte(std::uint8_t b) {
    AccessRule r;
    if (b == 0x00) {
        r.kind = AccessRule::Kind::Always;
    } else if (b == 0xFF) {
        r.kind = AccessRule::Kind::Never;
    } else if (b == 0xFE) {
        r.kind = AccessRule::Kind::Pin;
    } else {
        r.kind = AccessRule::Kind::Key;
        r.keyId = b;
    }
    return r;
}

/** The parsed FCP of CREATE FILE. */
struct Fcp {
    bool haveDescriptor = false;
    FileType type = FileType::Df;
    std::size_t recordSize = 0;
    std::size_t records = 0;
    bool haveFid = false;
    std::uint16_t fid = 0;
    std::uint8_t sfi = 0;
    std::size_t size = 0;
    std::uint8_t readAc = 0;
    std::uint8_t updateAc = 0;
    bool secureMessaging = false;
};

/** Bounds-checked parse; nullopt = malformed (6A80). */
std::optional<Fcp> parseFcp(hc::ByteView d) {
    if (d.size() < 2 || d[0] != 0x62 || d[1] != d.size() - 2) {
        return std::nullopt;
    }
    Fcp f;
    std::size_t i = 2;
    while (i < d.size()) {
        if (i + 2 > d.size()) {
            return std::nullopt;
        }
        const std::uint8_t tag = d[i];
        const std::size_t len = d[i + 1];
        i += 2;
        if (i + len > d.size()) {
            return std::nullopt;
        }
        const hc::ByteView v = d.subspan(i, len);
        i += len;
        switch (tag) {
        case 0x82:
            if (len == 1 && v[0] == 0x38) {
                f.type = FileType::Df;
            } else if (len == 1 && v[0] == 0x01) {
                f.type = FileType::Transparent;
            } else if (len == 5 && (v[0] == 0x02 || v[0] == 0x04 || v[0] == 0x06)) {
                f.type = v[0] == 0x02 ? FileType::LinearFixed
                    : v[0] == 0x04    ? FileType::LinearVariable
                                      : FileType::Cyclic;
                f.recordSize = static_cast<std::size_t>((v[2] << 8) | v[3]);
                f.records = v[4];
                if (f.recordSize == 0 || f.recordSize > 255 || f.records == 0 || f.records > 254) {
                    return std::nullopt;
                }
            } else {
                return std::nullopt;
            }
            f.haveDescriptor = true;
            break;
        case 0x83:
            if (len != 2) {
                return std::nullopt;
            }
            f.fid = static_cast<std::uint16_t>((v[0] << 8) | v[1]);
            f.haveFid = true;
            break;
        case 0x88:
            if (len != 1 || v[0] > 30) {
                return std::nullopt;
            }
            f.sfi = v[0];
            break;
        case 0x80:
            if (len != 2) {
                return std::nullopt;
            }
            f.size = static_cast<std::size_t>((v[0] << 8) | v[1]);
            break;
        case 0xC1:
            if (len != 2) {
                return std::nullopt;
            }
            f.readAc = v[0];
            f.updateAc = v[1];
            break;
        case 0xC2:
            if (len != 1) {
                return std::nullopt;
            }
            f.secureMessaging = (v[0] & 0x01) != 0;
            break;
        default:
            return std::nullopt;
        }
    }
    if (!f.haveDescriptor || !f.haveFid || f.fid == 0x3F00 || f.fid == 0xFFFF) {
        return std::nullopt;
    }
    if (f.type == FileType::Transparent && (f.size == 0 || f.size > kMaxTransparent)) {
        return std::nullopt;
    }
    return f;
}

bool anythingCreated(const CardImage& img) {
    if (img.pin || img.puk) {
        return true;
    }
    return img.mf && (!img.mf->children.empty() || !img.mf->keys.empty());
}

class BlankCardProfile final : public CommandHandler {
public:
    explicit BlankCardProfile(CardOs& os) {
        const auto o = hc::JsonIn(os.image().extensions, "extensions").object("blank-card");
        m_issued = o.text("state", kMaxText) == "issued";
        m_serial = o.hex("serial", kMaxText);
        m_transportKey = o.hex("transport_key", kMaxText);
        if (m_serial.size() != 8) {
            throw hc::JsonFieldError(o.at("serial"), "must be 8 bytes");
        }
        if (m_transportKey.size() != 16) {
            throw hc::JsonFieldError(o.at("transport_key"), "must be 16 bytes");
        }
        // The two fields save() writes are taken when they have their type and otherwise left
        // at their defaults, as before.
        if (const auto* b = o.find("app_blocked"); b && b->is_bool()) {
            m_blocked = b->get_bool();
        }
        if (const auto* t = o.find("transport_tries"); t && t->is_int64()) {
            m_transportTries = static_cast<int>(t->get_int64());
        }
        if (m_issued) {
            m_health = makeProfile("health-card", os);
        }
    }

    std::optional<ResponseApdu> handle(CardOs& os, const CommandApdu& c) override {
        if (m_inner) {
            return std::nullopt;
        }
        if (c.cla() == 0x80 && c.ins() == 0xCA) {
            return getData(os, c);
        }
        return m_issued ? issued(os, c) : personalization(os, c);
    }

    void onReset(CardOs& os) override {
        m_session.clear();
        m_counter = 0;
        m_lastEf = nullptr;
        if (m_health) {
            m_health->onReset(os);
        }
    }

private:
    void save(CardOs& os) {
        auto& o = os.image().extensions["blank-card"].as_object();
        o["state"] = m_issued ? "issued" : "personalization";
        o["app_blocked"] = m_blocked;
        o["transport_tries"] = m_transportTries;
        os.persist();
    }

    json::object& healthExt(CardOs& os) {
        auto& ext = os.image().extensions;
        if (!ext.contains("health-card") || !ext["health-card"].is_object()) {
            ext["health-card"] = json::object { { "transport_keys", json::object {} },
                { "sm_files", json::array {} }, { "bad_mac_sw", "9302" } };
        }
        auto& hc = ext["health-card"].as_object();
        if (!hc.contains("transport_keys") || !hc["transport_keys"].is_object()) {
            hc["transport_keys"] = json::object {};
        }
        if (!hc.contains("sm_files") || !hc["sm_files"].is_array()) {
            hc["sm_files"] = json::array {};
        }
        return hc;
    }

    // ---- any state ----

    ResponseApdu getData(CardOs& os, const CommandApdu& c) {
        if (c.p1() != 0x01 || c.p2() != 0x00) {
            return status(sw::ReferencedDataNotFound);
        }
        hc::Bytes out = m_serial;
        out.push_back(m_issued ? 0x0F : 0x01);
        out.push_back(m_blocked ? 0x01 : 0x00);
        out.push_back(anythingCreated(os.image()) ? 0x01 : 0x00);
        return { out, sw::Ok };
    }

    // ---- personalization state ----

    std::optional<ResponseApdu> personalization(CardOs& os, const CommandApdu& c) {
        if (c.cla() == 0x00 && c.ins() == 0x82 && c.p2() == 0x00) {
            return transportAuthenticate(os, c);
        }
        if (c.cla() == 0x00 && c.ins() == 0xE0) {
            return createFile(os, c);
        }
        if (c.cla() == 0x84 && c.ins() == 0xD4) {
            return writeKey(os, c);
        }
        if (c.cla() == 0x00 && (c.ins() == 0xDC || c.ins() == 0xD6)) {
            if (m_session.empty()) {
                return status(sw::SecurityStatusNotSatisfied);
            }
            return c.ins() == 0xDC ? persoUpdateRecord(os, c) : persoUpdateBinary(os, c);
        }
        if (c.cla() == 0x84 && c.ins() == 0x44) {
            return endPersonalization(os, c);
        }
        if (c.cla() == 0x84 && (c.ins() == 0x04 || c.ins() == 0x24)) {
            return status(sw::ConditionsNotSatisfied);
        }
        return std::nullopt;
    }

    ResponseApdu transportAuthenticate(CardOs& os, const CommandApdu& c) {
        auto& challenge = os.security().challenge;
        if (m_transportTries <= 0) {
            challenge.clear();
            return status(sw::AuthenticationBlocked);
        }
        if (challenge.size() != 8) {
            challenge.clear();
            return status(sw::ReferenceDataNotUsable);
        }
        if (c.data().size() != 17) {
            challenge.clear();
            return status(sw::WrongLength);
        }
        const hc::ByteView d(c.data());
        const hc::Bytes ks = h::diversify(m_transportKey, challenge);
        challenge.clear();
        if (!h::equalConstantTime(h::authCryptogram(ks, d.subspan(8, 8)), d.subspan(0, 8))) {
            --m_transportTries;
            m_session.clear();
            save(os);
            return status(m_transportTries <= 0
                    ? sw::AuthenticationBlocked
                    : StatusWord(
                        0x63, static_cast<std::uint8_t>(0xC0 | (m_transportTries & 0x0F))));
        }
        m_session = ks;
        m_counter = 0;
        if (m_transportTries != kTransportMaxTries) {
            m_transportTries = kTransportMaxTries;
            save(os);
        }
        return status(sw::Ok);
    }

    /** Checks the counter MAC of a secured personalization command; false kills the session. */
    bool counterMacOk(const CommandApdu& c, hc::ByteView enc, hc::ByteView mac) {
        hc::Bytes iv(16, 0x00);
        const std::uint32_t n = m_counter + 1;
        iv[12] = static_cast<std::uint8_t>(n >> 24);
        iv[13] = static_cast<std::uint8_t>(n >> 16);
        iv[14] = static_cast<std::uint8_t>(n >> 8);
        iv[15] = static_cast<std::uint8_t>(n);
        hc::Bytes data = header5(c, c.data().size());
        data.insert(data.end(), enc.begin(), enc.end());
        const hc::Bytes full = h::sm4CbcMac(m_session, iv, h::pad80(data));
        if (!h::equalConstantTime(hc::ByteView(full).subspan(0, 4), mac)) {
            m_session.clear();
            return false;
        }
        m_counter = n;
        return true;
    }

    ResponseApdu createFile(CardOs& os, const CommandApdu& c) {
        if (m_session.empty()) {
            return status(sw::SecurityStatusNotSatisfied);
        }
        if (c.p1() != 0x00 || c.p2() != 0x00) {
            return status(sw::IncorrectP1P2);
        }
        const auto fcp = parseFcp(c.data());
        if (!fcp) {
            return status(sw::IncorrectData);
        }
        FileNode* df = os.currentDf();
        if (!df || !df->isDf()) {
            return status(sw::ConditionsNotSatisfied);
        }
        if (df->child(fcp->fid) || df->fid == fcp->fid) {
            return status(kFileExists);
        }
        if (df->children.size() >= kMaxChildren) {
            return status(sw::NotEnoughMemory);
        }
        if (fcp->sfi != 0) {
            for (const auto& ch : df->children) {
                if (!ch->isDf() && ch->sfi == fcp->sfi) {
                    return status(kFileExists);
                }
            }
        }
        auto node = std::make_unique<FileNode>();
        node->fid = fcp->fid;
        node->type = fcp->type;
        node->sfi = fcp->sfi;
        node->read = ruleFromByte(fcp->readAc);
        node->update = ruleFromByte(fcp->updateAc);
        node->parent = df;
        if (fcp->type == FileType::Transparent) {
            node->data.assign(fcp->size, 0x00);
        } else if (fcp->type != FileType::Df) {
            node->recordSize = fcp->recordSize;
            node->maxRecords = fcp->records;
        }
        FileNode* created = node.get();
        df->children.push_back(std::move(node));
        if (fcp->secureMessaging && !created->isDf()) {
            healthExt(os)["sm_files"].as_array().emplace_back(
                fidHex(df->fid) + "/" + fidHex(created->fid));
        }
        m_lastEf = created->isDf() ? nullptr : created;
        save(os);
        return status(sw::Ok);
    }

    ResponseApdu writeKey(CardOs& os, const CommandApdu& c) {
        if (m_session.empty()) {
            return status(sw::SecurityStatusNotSatisfied);
        }
        const auto& d = c.data();
        if (d.size() < 20 || (d.size() - 4) % 16 != 0) {
            return status(sw::SmDataObjectsIncorrect);
        }
        const hc::ByteView enc(d.data(), d.size() - 4);
        if (!counterMacOk(c, enc, hc::ByteView(d.data() + d.size() - 4, 4))) {
            return status(sw::SmDataObjectsIncorrect);
        }
        hc::Bytes plain;
        try {
            plain = h::unpad80(h::sm4EcbDecrypt(m_session, enc));
        } catch (const hc::InputError&) {
            return status(sw::SmDataObjectsIncorrect);
        }
        if (plain.size() < 3 || plain[0] + 1u != plain.size()) {
            return status(sw::SmDataObjectsIncorrect);
        }
        const std::uint8_t alg = plain[1];
        const int tries = plain[2];
        const hc::Bytes value(plain.begin() + 3, plain.end());
        FileNode* df = os.currentDf();
        switch (c.p1()) {
        case 0x01: {
            if (alg != 0x04 || value.size() != 16 || tries < 1 || tries > 15 || c.p2() == 0) {
                return status(sw::IncorrectData);
            }
            CardKey k { c.p2(), "sm4", value, tries, tries };
            auto it = std::find_if(
                df->keys.begin(), df->keys.end(), [&](const CardKey& x) { return x.id == c.p2(); });
            if (it != df->keys.end()) {
                *it = k;
            } else {
                df->keys.push_back(k);
            }
            break;
        }
        case 0x02:
            if (alg != 0x04 || value.size() != 16 || !df->parent) {
                return status(sw::IncorrectData);
            }
            healthExt(os)["transport_keys"].as_object()[fidHex(df->fid)] = hc::toHex(value);
            break;
        case 0x03:
        case 0x04: {
            if (alg != 0x10 || value.size() < 4 || value.size() > 16 || tries < 1 || tries > 15) {
                return status(sw::IncorrectData);
            }
            ReferenceData r { value, tries, tries };
            (c.p1() == 0x03 ? os.image().pin : os.image().puk) = r;
            break;
        }
        default:
            return status(sw::IncorrectP1P2);
        }
        save(os);
        return status(sw::Ok);
    }

    FileNode* persoTarget(CardOs& os, std::uint8_t sfi) {
        if (sfi == 0) {
            return m_lastEf;
        }
        for (auto& ch : os.currentDf()->children) {
            if (!ch->isDf() && ch->sfi == sfi) {
                return ch.get();
            }
        }
        return nullptr;
    }

    ResponseApdu persoUpdateRecord(CardOs& os, const CommandApdu& c) {
        FileNode* ef = persoTarget(os, static_cast<std::uint8_t>(c.p2() >> 3));
        if (!ef) {
            return status(sw::FileNotFound);
        }
        if (!ef->isRecordFile()) {
            return status(sw::CommandNotAllowedNoEf);
        }
        const hc::Bytes& rec = c.data();
        const bool sizeOk = ef->type == FileType::LinearVariable
            ? (!rec.empty() && rec.size() <= ef->recordSize)
            : rec.size() == ef->recordSize;
        if (!sizeOk) {
            return status(sw::WrongLength);
        }
        const std::uint8_t mode = c.p2() & 0x07;
        if (mode == 0x03 && ef->type == FileType::Cyclic && c.p1() == 0) {
            ef->records.insert(ef->records.begin(), rec);
            if (ef->records.size() > ef->maxRecords) {
                ef->records.pop_back();
            }
        } else if (mode == 0x04 && ef->type != FileType::Cyclic) {
            const std::size_t n = c.p1();
            if (n == 0 || n > ef->maxRecords || n > ef->records.size() + 1) {
                return status(sw::RecordNotFound);
            }
            if (n == ef->records.size() + 1) {
                ef->records.push_back(rec);
            } else {
                ef->records[n - 1] = rec;
            }
        } else {
            return status(sw::IncorrectP1P2);
        }
        save(os);
        return status(sw::Ok);
    }

    ResponseApdu persoUpdateBinary(CardOs& os, const CommandApdu& c) {
        FileNode* ef = nullptr;
        std::size_t offset = 0;
        if ((c.p1() & 0x80) != 0) {
            ef = persoTarget(os, c.p1() & 0x1F);
            offset = c.p2();
        } else {
            ef = m_lastEf;
            offset = static_cast<std::size_t>((c.p1() << 8) | c.p2());
        }
        if (!ef) {
            return status(sw::FileNotFound);
        }
        if (ef->type != FileType::Transparent) {
            return status(sw::CommandNotAllowedNoEf);
        }
        if (c.data().empty() || offset > ef->data.size()
            || c.data().size() > ef->data.size() - offset) {
            return status(sw::WrongP1P2);
        }
        std::copy(c.data().begin(), c.data().end(),
            ef->data.begin() + static_cast<std::ptrdiff_t>(offset));
        m_lastEf = ef;
        save(os);
        return status(sw::Ok);
    }

    ResponseApdu endPersonalization(CardOs& os, const CommandApdu& c) {
        if (m_session.empty()) {
            return status(sw::SecurityStatusNotSatisfied);
        }
        if (c.p1() != 0x00 || c.p2() != 0x00 || c.data().size() != 4) {
            return status(sw::WrongLength);
        }
        if (!counterMacOk(c, {}, c.data())) {
            return status(sw::SmDataObjectsIncorrect);
        }
        if (!os.image().mf || os.image().mf->children.empty()) {
            return status(sw::ConditionsNotSatisfied);
        }
        m_issued = true;
        m_session.clear();
        m_lastEf = nullptr;
        (void)healthExt(os);
        save(os);
        m_health = makeProfile("health-card", os);
        return status(sw::Ok);
    }

    // ---- issued state ----

    /** The top-level DF (child of the MF) the current DF belongs to, or null at the MF. */
    static FileNode* appRoot(FileNode* df) {
        while (df && df->parent && df->parent->parent) {
            df = df->parent;
        }
        return df && df->parent ? df : nullptr;
    }

    std::optional<ResponseApdu> issued(CardOs& os, const CommandApdu& c) {
        if ((c.cla() == 0x00 && c.ins() == 0xE0) || (c.cla() == 0x84 && c.ins() == 0xD4)) {
            return status(sw::ConditionsNotSatisfied);
        }
        if (c.cla() == 0x84 && c.ins() == 0x04) {
            return blockApplication(os, c, true);
        }
        if (c.cla() == 0x84 && c.ins() == 0x44) {
            return blockApplication(os, c, false);
        }
        if (m_blocked) {
            if (c.ins() == 0xA4 && c.cla() == 0x00) {
                m_inner = true;
                ResponseApdu r = os.process(c);
                m_inner = false;
                if (r.sw().ok() && appRoot(os.currentDf())) {
                    return ResponseApdu { r.data(), kDeactivated };
                }
                return r;
            }
            if (appRoot(os.currentDf()) && !(c.cla() == 0x00 && c.ins() == 0x84)) {
                return status(sw::ConditionsNotSatisfied);
            }
        }
        if (c.cla() == 0x84 && c.ins() == 0x24) {
            return issuerPinReset(os, c);
        }
        return m_health ? m_health->handle(os, c) : std::nullopt;
    }

    /** The DDF1 transmission session key from the last challenge; empty when none. */
    hc::Bytes appSession(CardOs& os, FileNode* root) {
        auto& ch = os.security().challenge;
        const auto& tk = healthExt(os)["transport_keys"].as_object();
        const auto* v = tk.if_contains(fidHex(root->fid));
        if (ch.size() != 8 || !v || !v->is_string()) {
            ch.clear();
            return {};
        }
        hc::Bytes ks = h::diversify(hc::fromHex(std::string(v->get_string())), ch);
        ch.clear();
        return ks;
    }

    ResponseApdu blockApplication(CardOs& os, const CommandApdu& c, bool block) {
        FileNode* root = os.currentDf();
        if (!root || root != appRoot(root)) {
            return status(sw::ConditionsNotSatisfied);
        }
        if (c.p1() != 0x00 || c.p2() != 0x00 || c.data().size() != 4) {
            return status(sw::WrongLength);
        }
        const hc::Bytes ks = appSession(os, root);
        if (ks.empty()) {
            return status(sw::ReferenceDataNotUsable);
        }
        if (!h::equalConstantTime(h::smMac4(ks, header5(c, 4)), c.data())) {
            return status(sw::MacInvalid);
        }
        if (block == m_blocked) {
            return status(sw::ConditionsNotSatisfied);
        }
        m_blocked = block;
        save(os);
        return status(sw::Ok);
    }

    ResponseApdu issuerPinReset(CardOs& os, const CommandApdu& c) {
        FileNode* root = os.currentDf();
        if (!root || root != appRoot(root)) {
            return status(sw::ConditionsNotSatisfied);
        }
        if (c.p1() != 0x00 || c.p2() != 0x01) {
            return status(sw::IncorrectP1P2);
        }
        const auto& d = c.data();
        if (d.size() < 20 || (d.size() - 4) % 16 != 0) {
            return status(sw::SmDataObjectsIncorrect);
        }
        const hc::Bytes ks = appSession(os, root);
        if (ks.empty()) {
            return status(sw::ReferenceDataNotUsable);
        }
        const hc::ByteView enc(d.data(), d.size() - 4);
        hc::Bytes macData = header5(c, d.size());
        macData.insert(macData.end(), enc.begin(), enc.end());
        if (!h::equalConstantTime(h::smMac4(ks, macData), hc::ByteView(d).subspan(d.size() - 4))) {
            return status(sw::MacInvalid);
        }
        hc::Bytes plain;
        try {
            plain = h::unpad80(h::sm4EcbDecrypt(ks, enc));
        } catch (const hc::InputError&) {
            return status(sw::SmDataObjectsIncorrect);
        }
        if (plain.size() < 5 || plain.size() > 17 || plain[0] + 1u != plain.size()) {
            return status(sw::SmDataObjectsIncorrect);
        }
        auto& pin = os.image().pin;
        if (!pin) {
            return status(sw::ReferencedDataNotFound);
        }
        pin->value.assign(plain.begin() + 1, plain.end());
        pin->triesLeft = pin->maxTries;
        save(os);
        return status(sw::Ok);
    }

    static constexpr int kTransportMaxTries = 15;

    bool m_issued = false;
    bool m_blocked = false;
    int m_transportTries = kTransportMaxTries;
    hc::Bytes m_serial;
    hc::Bytes m_transportKey;
    hc::Bytes m_session; // volatile: the personalization session key
    std::uint32_t m_counter = 0; // volatile: secured commands accepted in the session
    FileNode* m_lastEf = nullptr; // volatile: the EF created (or written) last
    bool m_inner = false;
    std::shared_ptr<CommandHandler> m_health;
};

const ProfileRegistrar registrar(
    "blank-card", [](CardOs& os) { return std::make_shared<BlankCardProfile>(os); });

} // namespace

hc::Bytes blankCardTransportKey(hc::ByteView transportMaster16, hc::ByteView serial8) {
    return h::diversify(transportMaster16, serial8);
}

hc::Bytes blankCardAtr(hc::ByteView serial8) {
    if (serial8.size() != 8) {
        throw hc::InputError("blank card: the chip serial must be 8 bytes");
    }
    // Historical bytes 80 | 73 00 00 40 | 69 B0 <serial>: COMPACT-TLV card capabilities that
    // announce extended Lc/Le (a reader sends extended Le only then), and the serial as the last
    // 8 bytes (the health card's key diversifier).
    hc::Bytes atr { 0x3B, 0x8F, 0x81, 0x31, 0xFE, 0x45, 0x80, 0x73, 0x00, 0x00, 0x40, 0x69, 0xB0 };
    for (std::uint8_t b : serial8) {
        atr.push_back(b);
    }
    std::uint8_t tck = 0;
    for (std::size_t i = 1; i < atr.size(); ++i) {
        tck = static_cast<std::uint8_t>(tck ^ atr[i]);
    }
    atr.push_back(tck);
    return atr;
}

CardImage makeBlankCard(hc::ByteView serial8, hc::ByteView transportMaster16) {
    CardImage img;
    img.description = "Blank health card (blank-card profile), chip serial " + hc::toHex(serial8);
    img.atr = blankCardAtr(serial8);
    img.mf = std::make_unique<FileNode>();
    img.mf->fid = 0x3F00;
    img.mf->type = FileType::Df;
    img.extensions["profiles"] = json::array { "blank-card" };
    img.extensions["blank-card"]
        = json::object { { "state", "personalization" }, { "serial", hc::toHex(serial8) },
              { "transport_key", hc::toHex(blankCardTransportKey(transportMaster16, serial8)) },
              { "app_blocked", false }, { "transport_tries", 15 } };
    img.extensions["health-card"] = json::object { { "transport_keys", json::object {} },
        { "sm_files", json::array {} }, { "bad_mac_sw", "9302" } };
    return img;
}

hc::Bytes randomChipSerial() {
    hc::Bytes s(8);
    if (RAND_bytes(s.data(), static_cast<int>(s.size())) != 1) {
        throw hc::Error("blank card: no random bytes for a chip serial", hc::NextStep::Retry);
    }
    return s;
}

} // namespace hc::emu
