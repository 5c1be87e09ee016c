#include "hc/emu/card_os.hpp"

#include "hc/base/crypto/block_cipher.hpp"
#include "hc/base/json_in.hpp"
#include "hc/card/error.hpp"

#include <algorithm>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdexcept>

namespace hc::emu {

using hc::card::CommandApdu;
using hc::card::ResponseApdu;
using hc::card::StatusWord;
namespace sw = hc::card::sw;

namespace {
/** Longest extensions.cos text read (a LIST of every switch is under 100 characters). */
constexpr std::size_t kMaxCosList = 4096;

ResponseApdu status(StatusWord s) {
    return { {}, s };
}
bool wildcardNe(std::size_t ne) {
    return ne == hc::card::kShortMaxNe || ne == hc::card::kExtendedMaxNe;
}
StatusWord triesSw(int left) {
    return StatusWord(0x63, static_cast<std::uint8_t>(0xC0 | (left & 0x0F)));
}

bool equalConstTime(hc::ByteView a, hc::ByteView b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::uint8_t descriptorByte(FileType t) {
    switch (t) {
    case FileType::Df:
        return 0x38;
    case FileType::Transparent:
        return 0x01;
    case FileType::LinearFixed:
        return 0x02;
    case FileType::LinearVariable:
        return 0x04;
    case FileType::Cyclic:
        return 0x06;
    }
    return 0x00;
}

FileNode* findByName(FileNode* node, hc::ByteView name) {
    if (node->isDf() && !node->dfName.empty()
        && std::equal(node->dfName.begin(), node->dfName.end(), name.begin(), name.end())) {
        return node;
    }
    for (auto& c : node->children) {
        if (c->isDf()) {
            if (auto* hit = findByName(c.get(), name)) {
                return hit;
            }
        }
    }
    return nullptr;
}

FileNode* childBySfi(FileNode* df, std::uint8_t sfi) {
    for (auto& c : df->children) {
        if (!c->isDf() && c->sfi == sfi) {
            return c.get();
        }
    }
    return nullptr;
}
} // namespace

hc::Bytes sm4EncryptBlock(hc::ByteView key16, hc::ByteView block16) {
    if (key16.size() != 16 || block16.size() != 16) {
        throw hc::InputError("SM4: key and block must be 16 bytes");
    }
    return hc::crypto::encryptEcb(hc::crypto::BlockCipher::Sm4, key16, block16);
}

hc::Bytes externalAuthCryptogram(hc::ByteView key16, hc::ByteView challenge) {
    hc::Bytes block(16, 0x00);
    std::copy_n(challenge.begin(), std::min<std::size_t>(challenge.size(), 16), block.begin());
    auto enc = sm4EncryptBlock(key16, block);
    enc.resize(8);
    return enc;
}

CardOs::CardOs(CardImage image, PersistFn persist)
    : m_image(std::move(image))
    , m_persist(std::move(persist)) {
    if (!m_image.mf) {
        throw hc::InputError("card image has no MF");
    }
    CosPersonality p;
    // extensions.cos through base's JsonIn: absent or null is the standard card OS.
    const hc::JsonIn ext(m_image.extensions, "extensions");
    if (const auto* cos = ext.find("cos"); cos && !cos->is_string()) {
        ext.fail(ext.at("cos"), "expected a text like \"no-sfi,t0\"");
    }
    if (const auto list = ext.strOpt("cos", kMaxCosList)) {
        try {
            p = CosPersonality::parse(*list);
        } catch (const hc::InputError& e) {
            ext.fail(ext.at("cos"), e.what());
        }
    }
    setPersonality(p);
    clearVolatile();
}

void CardOs::setPersonality(const CosPersonality& personality) {
    m_atr = personalityAtr(m_image.atr, personality);
    m_personality = personality;
}

std::optional<ResponseApdu> CardOs::personalityRefusal(const CommandApdu& c) const {
    const std::uint8_t ins = c.ins();
    const bool interindustry = (c.cla() & 0x80) == 0;
    if (!m_personality.sfi) {
        const bool binarySfi = interindustry && (ins == 0xB0 || ins == 0xD6) && (c.p1() & 0x80);
        const bool recordIns = (interindustry && (ins == 0xB2 || ins == 0xDC || ins == 0xE2))
            || ins == 0xD2 || ins == 0x0C;
        if (binarySfi || (recordIns && (c.p2() >> 3) != 0)) {
            return status(sw::CommandNotAllowedNoEf);
        }
    }
    if (!m_personality.bulk && interindustry && ins == 0xB2 && (c.p2() & 0x07) >= 5) {
        return status(sw::IncorrectP1P2);
    }
    return std::nullopt;
}

std::optional<ResponseApdu> CardOs::wrongLe(const CommandApdu& c, const ResponseApdu& r) const {
    const bool strict
        = m_personality.strictLe || (t0() && c.apduCase() == hc::card::ApduCase::Case2);
    const bool dataAnswer = !r.data().empty() && (r.sw().ok() || r.sw() == sw::EndOfFile);
    const bool withLe
        = c.apduCase() == hc::card::ApduCase::Case2 || c.apduCase() == hc::card::ApduCase::Case4;
    if (!strict || !dataAnswer || !withLe || r.data().size() == c.ne()) {
        return std::nullopt;
    }
    if (r.data().size() > 256) {
        // No 6Cxx can name the length: a strict card refuses, a T=0 image hands it out.
        return m_personality.strictLe ? std::optional<ResponseApdu>(status(sw::WrongLength))
                                      : std::nullopt;
    }
    const auto n = r.data().size();
    return status(StatusWord(0x6C, static_cast<std::uint8_t>(n == 256 ? 0 : n)));
}

void CardOs::clearVolatile() {
    m_security = {};
    m_currentDf = m_image.mf.get();
    m_currentEf = nullptr;
    m_currentRecord = 0;
    m_pendingResponse.clear();
    for (auto& h : m_handlers) {
        h->onReset(*this);
    }
}

void CardOs::powerOn() {
    m_powered = true;
    m_apduCount = 0;
    clearVolatile();
}
void CardOs::powerOff() {
    m_powered = false;
    clearVolatile();
}
void CardOs::reset() {
    m_powered = true;
    clearVolatile();
}

void CardOs::persist() {
    if (m_persist) {
        m_persist(m_image);
    }
}

bool CardOs::satisfied(const AccessRule& rule) const {
    switch (rule.kind) {
    case AccessRule::Kind::Always:
        return true;
    case AccessRule::Kind::Never:
        return false;
    case AccessRule::Kind::Pin:
        return m_security.pinVerified;
    case AccessRule::Kind::Key:
        for (const FileNode* df = m_currentDf; df; df = df->parent) {
            for (const auto& k : df->keys) {
                if (k.id == rule.keyId) {
                    return m_security.keys.contains({ df->fid, rule.keyId });
                }
            }
        }
        return false;
    }
    return false;
}

hc::Bytes CardOs::processRaw(hc::ByteView raw) {
    ++m_apduCount;
    CommandApdu cmd { 0, 0, 0, 0 };
    try {
        cmd = CommandApdu::parse(raw);
    } catch (const hc::InputError&) {
        m_pendingResponse.clear();
        return status(sw::WrongLength).encode();
    }
    if (cmd.extended() && !m_personality.takesExtended()) {
        m_pendingResponse.clear();
        return status(sw::WrongLength).encode(); // a short-APDU card: Lc/Le of 3 bytes is wrong
    }
    if (t0() && cmd.ins() == 0xC0 && (cmd.cla() & 0x80) == 0) {
        if (m_pendingResponse.empty()) {
            return status(sw::ConditionsNotSatisfied).encode();
        }
        const std::size_t n
            = std::min(cmd.ne() == 0 ? hc::card::kShortMaxNe : cmd.ne(), m_pendingResponse.size());
        hc::Bytes chunk(
            m_pendingResponse.begin(), m_pendingResponse.begin() + static_cast<std::ptrdiff_t>(n));
        m_pendingResponse.erase(
            m_pendingResponse.begin(), m_pendingResponse.begin() + static_cast<std::ptrdiff_t>(n));
        StatusWord s = sw::Ok;
        if (!m_pendingResponse.empty()) {
            const auto left = std::min<std::size_t>(m_pendingResponse.size(), 256);
            s = StatusWord(0x61, static_cast<std::uint8_t>(left == 256 ? 0 : left));
        }
        ResponseApdu r { std::move(chunk), s };
        return r.encode();
    }
    m_pendingResponse.clear();
    FileNode* const efBefore = m_currentEf;
    const std::size_t recordBefore = m_currentRecord;
    ResponseApdu r = process(cmd);
    if (const auto wrong = wrongLe(cmd, r)) {
        // 6Cxx means "resend with Le = xx": the resend must find the same EF and record.
        m_currentEf = efBefore;
        m_currentRecord = recordBefore;
        return wrong->encode();
    }
    if (t0() && !r.data().empty()
        && (cmd.apduCase() == hc::card::ApduCase::Case4
            || cmd.apduCase() == hc::card::ApduCase::Case3)) {
        m_pendingResponse = r.data();
        const auto n = std::min<std::size_t>(m_pendingResponse.size(), 256);
        return status(StatusWord(0x61, static_cast<std::uint8_t>(n == 256 ? 0 : n))).encode();
    }
    return r.encode();
}

ResponseApdu CardOs::process(const CommandApdu& c) {
    if (auto refused = personalityRefusal(c)) {
        return *refused;
    }
    for (auto& h : m_handlers) {
        if (auto r = h->handle(*this, c)) {
            return *r;
        }
    }
    if ((c.cla() & 0x80) != 0) {
        return status(sw::ClaNotSupported);
    }
    if ((c.cla() & 0x0C) != 0) {
        // Secure messaging (CLA b4-b3) that no profile verified: not processed as plain.
        return status(StatusWord(0x6882)); // secure messaging not supported
    }
    switch (c.ins()) {
    case 0xA4:
        return select(c);
    case 0xB0:
        return readBinary(c);
    case 0xD6:
        return updateBinary(c);
    case 0xB2:
        return readRecord(c);
    case 0xDC:
        return updateRecord(c);
    case 0xE2:
        return appendRecord(c);
    case 0x84:
        return getChallenge(c);
    case 0x20:
        return verify(c);
    case 0x24:
        return changeReferenceData(c);
    case 0x2C:
        return resetRetryCounter(c);
    case 0x82:
        return externalAuthenticate(c);
    default:
        return status(sw::InsNotSupported);
    }
}

hc::Bytes CardOs::fci(const FileNode& n) const {
    // FCP template (ISO 7816-4 5.3.3): 82 descriptor, 83 FID, 80 size, 84 DF name.
    hc::Bytes body;
    auto put = [&body](std::size_t v) { body.push_back(static_cast<std::uint8_t>(v)); };
    put(0x82);
    if (n.isRecordFile()) {
        put(0x05);
        put(descriptorByte(n.type));
        put(0x21);
        put(n.recordSize >> 8);
        put(n.recordSize & 0xFF);
        put(std::min<std::size_t>(n.maxRecords, 255));
    } else {
        put(0x01);
        put(descriptorByte(n.type));
    }
    put(0x83);
    put(0x02);
    put(n.fid >> 8);
    put(n.fid & 0xFF);
    if (n.type == FileType::Transparent) {
        put(0x80);
        put(0x02);
        put(n.data.size() >> 8);
        put(n.data.size() & 0xFF);
    }
    if (n.isDf() && !n.dfName.empty() && n.dfName.size() <= 16) {
        put(0x84);
        put(n.dfName.size());
        body.insert(body.end(), n.dfName.begin(), n.dfName.end());
    }
    hc::Bytes out;
    out.reserve(body.size() + 2);
    out.push_back(0x62);
    out.push_back(static_cast<std::uint8_t>(body.size()));
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

ResponseApdu CardOs::select(const CommandApdu& c) {
    FileNode* target = nullptr;
    const auto& d = c.data();
    FileNode* mf = m_image.mf.get();
    switch (c.p1()) {
    case 0x00:
    case 0x01:
    case 0x02: {
        if (d.empty() && c.p1() == 0x00) {
            target = mf;
            break;
        }
        if (d.size() != 2) {
            return status(sw::LcInconsistent);
        }
        const std::uint16_t fid = static_cast<std::uint16_t>((d[0] << 8) | d[1]);
        if (fid == 0x3F00 && c.p1() == 0x00) {
            target = mf;
        } else if (fid == m_currentDf->fid && c.p1() == 0x00) {
            target = m_currentDf;
        } else if ((target = m_currentDf->child(fid))) {
            if ((c.p1() == 0x01 && !target->isDf()) || (c.p1() == 0x02 && target->isDf())) {
                target = nullptr;
            }
        } else if (c.p1() == 0x00 && m_currentDf->parent) {
            if (m_currentDf->parent->fid == fid) {
                target = m_currentDf->parent;
            } else {
                target = m_currentDf->parent->child(fid);
            }
        }
        break;
    }
    case 0x03:
        target = m_currentDf->parent;
        break;
    case 0x04:
        if (d.empty()) {
            return status(sw::IncorrectData);
        }
        target = findByName(mf, d);
        break;
    case 0x08: {
        if (d.empty() || d.size() % 2 != 0) {
            return status(sw::LcInconsistent);
        }
        target = mf;
        for (std::size_t i = 0; i < d.size() && target; i += 2) {
            const std::uint16_t fid = static_cast<std::uint16_t>((d[i] << 8) | d[i + 1]);
            if (i == 0 && fid == 0x3F00) {
                continue;
            }
            target = target->isDf() ? target->child(fid) : nullptr;
        }
        break;
    }
    default:
        return status(sw::IncorrectP1P2);
    }
    if (!target) {
        return status(sw::FileNotFound);
    }
    if (m_personality.nameOnly && target->isDf() && target != mf && c.p1() != 0x04
        && c.p1() != 0x03) {
        return status(sw::FileNotFound); // this COS finds DFs by name only
    }
    if (target->isDf()) {
        m_currentDf = target;
        m_currentEf = nullptr;
    } else {
        m_currentDf = target->parent;
        m_currentEf = target;
    }
    m_currentRecord = 0;
    if ((c.p2() & 0x0C) == 0x0C || c.ne() == 0) {
        return status(sw::Ok);
    }
    return { fci(*target), sw::Ok };
}

FileNode* CardOs::efForCommand(std::uint8_t sfi, StatusWord& error) {
    if (sfi != 0) {
        FileNode* ef = childBySfi(m_currentDf, sfi);
        if (!ef) {
            error = sw::FileNotFound;
            return nullptr;
        }
        m_currentEf = ef;
        m_currentRecord = 0;
        return ef;
    }
    if (!m_currentEf) {
        error = sw::CommandNotAllowedNoEf;
        return nullptr;
    }
    return m_currentEf;
}

CardOs::BinaryTarget CardOs::binaryTarget(const CommandApdu& c, bool forUpdate) {
    // P1 bit 8 set: SFI in P1's low 5 bits, offset in P2. Otherwise a 15-bit offset.
    std::uint8_t sfi = 0;
    std::size_t offset = 0;
    if (c.p1() & 0x80) {
        sfi = c.p1() & 0x1F;
        offset = c.p2();
    } else {
        offset = (static_cast<std::size_t>(c.p1() & 0x7F) << 8) | c.p2();
    }
    StatusWord err;
    FileNode* ef = efForCommand(sfi, err);
    if (!ef) {
        return { nullptr, 0, err };
    }
    if (ef->type != FileType::Transparent) {
        return { nullptr, 0, StatusWord(0x6981) };
    }
    const AccessRule& rule = forUpdate ? ef->update : ef->read;
    if (!satisfied(rule)) {
        return { nullptr, 0, sw::SecurityStatusNotSatisfied };
    }
    if (rule.secureMessaging) {
        return { nullptr, 0, sw::SmDataObjectsMissing }; // a plain command to an SM file
    }
    if (offset > ef->data.size()) {
        return { nullptr, 0, sw::WrongP1P2 };
    }
    return { ef, offset, sw::Ok };
}

ResponseApdu CardOs::readBinary(const CommandApdu& c) {
    const auto [ef, offset, err] = binaryTarget(c, false);
    if (!ef) {
        return status(err);
    }
    const std::size_t avail = ef->data.size() - offset;
    const std::size_t want = c.ne() == 0 ? hc::card::kShortMaxNe : c.ne();
    const std::size_t n = std::min(avail, want);
    hc::Bytes out(ef->data.begin() + static_cast<std::ptrdiff_t>(offset),
        ef->data.begin() + static_cast<std::ptrdiff_t>(offset + n));
    if (n < want && !wildcardNe(want)) {
        return { std::move(out), sw::EndOfFile };
    }
    return { std::move(out), sw::Ok };
}

ResponseApdu CardOs::updateBinary(const CommandApdu& c) {
    const auto [ef, offset, err] = binaryTarget(c, true);
    if (!ef) {
        return status(err);
    }
    if (c.data().size() > ef->data.size() - offset) {
        return status(sw::WrongLength);
    }
    std::copy(
        c.data().begin(), c.data().end(), ef->data.begin() + static_cast<std::ptrdiff_t>(offset));
    persist();
    return status(sw::Ok);
}

ResponseApdu CardOs::readRecord(const CommandApdu& c) {
    StatusWord err;
    FileNode* ef = efForCommand(static_cast<std::uint8_t>(c.p2() >> 3), err);
    if (!ef) {
        return status(err);
    }
    if (!ef->isRecordFile()) {
        return status(StatusWord(0x6981));
    }
    if (!satisfied(ef->read)) {
        return status(sw::SecurityStatusNotSatisfied);
    }
    const auto& recs = ef->records;
    const std::size_t want = c.ne() == 0 ? hc::card::kShortMaxNe : c.ne();
    auto answer = [&](hc::Bytes data) -> ResponseApdu {
        if (data.size() > want) {
            if (data.size() <= 256) {
                return status(StatusWord(
                    0x6C, static_cast<std::uint8_t>(data.size() == 256 ? 0 : data.size())));
            }
            return status(sw::WrongLength);
        }
        if (data.size() < want && !wildcardNe(want)) {
            return { std::move(data), sw::EndOfFile };
        }
        return { std::move(data), sw::Ok };
    };
    // A 6Cxx or 6700 answer leaves the record pointer alone: the command is to be resent.
    auto answerAt = [&](std::size_t record, hc::Bytes data) {
        ResponseApdu r = answer(std::move(data));
        if (!r.sw().wrongLe() && r.sw() != sw::WrongLength) {
            m_currentRecord = record;
        }
        return r;
    };
    const int mode = c.p2() & 0x07;
    if (mode == 4 || mode == 5) {
        std::size_t n = c.p1() == 0 ? m_currentRecord : c.p1();
        if (n == 0 || n > recs.size()) {
            return status(sw::RecordNotFound);
        }
        if (mode == 4) {
            return answerAt(n, recs[n - 1]);
        }
        hc::Bytes all;
        for (std::size_t i = n; i <= recs.size(); ++i) {
            all.insert(all.end(), recs[i - 1].begin(), recs[i - 1].end());
        }
        return answerAt(recs.size(), std::move(all));
    }
    if (mode <= 3) {
        const std::uint8_t id = c.p1();
        auto matches
            = [&](std::size_t i) { return !recs[i].empty() && (id == 0 || recs[i][0] == id); };
        std::optional<std::size_t> hit;
        if (mode == 0) {
            for (std::size_t i = 0; i < recs.size() && !hit; ++i) {
                if (matches(i)) {
                    hit = i;
                }
            }
        } else if (mode == 1) {
            for (std::size_t i = recs.size(); i-- > 0 && !hit;) {
                if (matches(i)) {
                    hit = i;
                }
            }
        } else if (mode == 2) {
            for (std::size_t i = m_currentRecord; i < recs.size() && !hit; ++i) {
                if (matches(i)) {
                    hit = i;
                }
            }
        } else {
            // Previous: before the current record, or from the last one when none is current.
            for (std::size_t i = m_currentRecord == 0 ? recs.size() : m_currentRecord - 1;
                 i-- > 0 && !hit;) {
                if (matches(i)) {
                    hit = i;
                }
            }
        }
        if (!hit) {
            return status(sw::RecordNotFound);
        }
        return answerAt(*hit + 1, recs[*hit]);
    }
    return status(sw::IncorrectP1P2);
}

namespace {
bool sizeFits(const FileNode& ef, std::size_t n) {
    if (ef.type == FileType::LinearVariable) {
        return n >= 1 && (ef.recordSize == 0 || n <= ef.recordSize);
    }
    return n == ef.recordSize;
}
} // namespace

FileNode* CardOs::recordWriteTarget(const CommandApdu& c, StatusWord& error) {
    FileNode* ef = efForCommand(static_cast<std::uint8_t>(c.p2() >> 3), error);
    if (!ef) {
        return nullptr;
    }
    if (!ef->isRecordFile()) {
        error = StatusWord(0x6981);
        return nullptr;
    }
    if (!satisfied(ef->update)) {
        error = sw::SecurityStatusNotSatisfied;
        return nullptr;
    }
    if (ef->update.secureMessaging) {
        error = sw::SmDataObjectsMissing; // a plain command to an SM file
        return nullptr;
    }
    if (!sizeFits(*ef, c.data().size())) {
        error = sw::WrongLength;
        return nullptr;
    }
    return ef;
}

void CardOs::addCyclic(FileNode& ef, const hc::Bytes& record) {
    // The newest record becomes record 1; the oldest falls off the end.
    ef.records.insert(ef.records.begin(), record);
    if (ef.records.size() > ef.maxRecords) {
        ef.records.resize(ef.maxRecords);
    }
    m_currentRecord = 1;
}

ResponseApdu CardOs::updateRecord(const CommandApdu& c) {
    StatusWord err;
    FileNode* ef = recordWriteTarget(c, err);
    if (!ef) {
        return status(err);
    }
    const int mode = c.p2() & 0x07;
    if (mode == 3 && ef->type == FileType::Cyclic) {
        addCyclic(*ef, c.data());
        persist();
        return status(sw::Ok);
    }
    if (mode != 4) {
        return status(sw::IncorrectP1P2);
    }
    const std::size_t n = c.p1() == 0 ? m_currentRecord : c.p1();
    if (n == 0 || n > ef->records.size()) {
        return status(sw::RecordNotFound);
    }
    ef->records[n - 1] = c.data();
    m_currentRecord = n;
    persist();
    return status(sw::Ok);
}

ResponseApdu CardOs::appendRecord(const CommandApdu& c) {
    if (c.p1() != 0) {
        return status(sw::IncorrectP1P2);
    }
    StatusWord err;
    FileNode* ef = recordWriteTarget(c, err);
    if (!ef) {
        return status(err);
    }
    if (ef->type == FileType::Cyclic) {
        addCyclic(*ef, c.data());
    } else {
        if (ef->records.size() >= ef->maxRecords) {
            return status(sw::NotEnoughMemory);
        }
        ef->records.push_back(c.data());
        m_currentRecord = ef->records.size();
    }
    persist();
    return status(sw::Ok);
}

ResponseApdu CardOs::getChallenge(const CommandApdu& c) {
    if (c.ne() != 4 && c.ne() != 8 && c.ne() != 16) {
        return status(sw::WrongLength);
    }
    hc::Bytes r(c.ne());
    if (RAND_bytes(r.data(), static_cast<int>(r.size())) != 1) {
        return status(sw::NoPreciseDiagnosis);
    }
    m_security.challenge = r;
    return { std::move(r), sw::Ok };
}

ResponseApdu CardOs::verify(const CommandApdu& c) {
    if (!m_image.pin) {
        return status(sw::ReferencedDataNotFound);
    }
    auto& pin = *m_image.pin;
    if (pin.triesLeft <= 0) {
        return status(sw::AuthenticationBlocked);
    }
    if (c.data().empty()) {
        return status(m_security.pinVerified ? sw::Ok : triesSw(pin.triesLeft));
    }
    if (!equalConstTime(c.data(), pin.value)) {
        m_security.pinVerified = false;
        --pin.triesLeft;
        persist();
        return status(triesSw(pin.triesLeft));
    }
    m_security.pinVerified = true;
    if (pin.triesLeft != pin.maxTries) {
        pin.triesLeft = pin.maxTries;
        persist();
    }
    return status(sw::Ok);
}

ResponseApdu CardOs::changeReferenceData(const CommandApdu& c) {
    if (!m_image.pin) {
        return status(sw::ReferencedDataNotFound);
    }
    auto& pin = *m_image.pin;
    if (pin.triesLeft <= 0) {
        return status(sw::AuthenticationBlocked);
    }
    hc::Bytes fresh;
    if (c.p1() == 0x00) {
        const auto& d = c.data();
        if (d.size() <= pin.value.size()) {
            return status(sw::WrongLength);
        }
        const hc::ByteView old(d.data(), pin.value.size());
        if (!equalConstTime(old, pin.value)) {
            --pin.triesLeft;
            persist();
            return status(triesSw(pin.triesLeft));
        }
        fresh.assign(d.begin() + static_cast<std::ptrdiff_t>(pin.value.size()), d.end());
    } else if (c.p1() == 0x01) {
        if (!m_security.pinVerified) {
            return status(sw::SecurityStatusNotSatisfied);
        }
        fresh = c.data();
    } else {
        return status(sw::IncorrectP1P2);
    }
    if (fresh.size() < 4 || fresh.size() > 16) {
        return status(sw::IncorrectData);
    }
    pin.value = std::move(fresh);
    pin.triesLeft = pin.maxTries;
    m_security.pinVerified = true;
    persist();
    return status(sw::Ok);
}

ResponseApdu CardOs::resetRetryCounter(const CommandApdu& c) {
    if (!m_image.pin || !m_image.puk) {
        return status(sw::ReferencedDataNotFound);
    }
    auto& puk = *m_image.puk;
    if (puk.triesLeft <= 0) {
        return status(sw::AuthenticationBlocked);
    }
    const auto& d = c.data();
    if (d.size() < puk.value.size() || (c.p1() != 0x00 && c.p1() != 0x01)) {
        return status(c.p1() > 1 ? sw::IncorrectP1P2 : sw::WrongLength);
    }
    if (!equalConstTime(hc::ByteView(d.data(), puk.value.size()), puk.value)) {
        --puk.triesLeft;
        persist();
        return status(triesSw(puk.triesLeft));
    }
    if (c.p1() == 0x00) {
        hc::Bytes fresh(d.begin() + static_cast<std::ptrdiff_t>(puk.value.size()), d.end());
        if (fresh.size() < 4 || fresh.size() > 16) {
            return status(sw::IncorrectData); // refused: nothing changes (in memory or on disk)
        }
        m_image.pin->value = std::move(fresh);
    }
    puk.triesLeft = puk.maxTries;
    m_image.pin->triesLeft = m_image.pin->maxTries;
    persist();
    return status(sw::Ok);
}

ResponseApdu CardOs::externalAuthenticate(const CommandApdu& c) {
    const std::uint8_t id = c.p2();
    FileNode* owner = nullptr;
    CardKey* key = nullptr;
    for (FileNode* df = m_currentDf; df && !key; df = df->parent) {
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
    if (m_security.challenge.empty()) {
        return status(sw::ReferenceDataNotUsable);
    }
    if (c.data().size() != 8) {
        m_security.challenge.clear();
        return status(sw::WrongLength);
    }
    const hc::Bytes expected = externalAuthCryptogram(key->value, m_security.challenge);
    m_security.challenge.clear();
    if (!equalConstTime(expected, c.data())) {
        --key->triesLeft;
        persist();
        return status(triesSw(key->triesLeft));
    }
    m_security.keys.insert({ owner->fid, id });
    if (key->triesLeft != key->maxTries) {
        key->triesLeft = key->maxTries;
        persist();
    }
    return status(sw::Ok);
}

} // namespace hc::emu
