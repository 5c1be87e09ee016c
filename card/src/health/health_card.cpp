#include "hc/card/health/health_card.hpp"

#include "hc/card/atr.hpp"
#include "hc/card/health/crypto.hpp"
#include "hc/card/tlv.hpp"

#include <algorithm>

namespace hc::card::health {

namespace {
std::string fidHex(std::uint16_t fid) {
    const std::uint8_t b[2]
        = { static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid & 0xFF) };
    return toHex(b);
}
std::string byteHex(std::uint8_t v) {
    const std::uint8_t b[1] = { v };
    return toHex(b);
}
bool bulkUnsupported(StatusWord s) {
    return s == sw::IncorrectP1P2 || s == sw::WrongP1P2 || s == sw::InsNotSupported
        || s == sw::WrongLength || s == sw::FunctionNotSupported;
}
} // namespace

CardRefused::CardRefused(std::string step, StatusWord s)
    : hc::Error(step + ": the card answered " + s.hex() + " (" + s.meaning() + ")",
        s == sw::AuthenticationBlocked                  ? NextStep::CallStaff
            : s.category() == SwCategory::SecurityError ? NextStep::CheckConfiguration
                                                        : NextStep::Retry)
    , m_step(std::move(step))
    , m_sw(s) {
}

HealthCard::HealthCard(CardChannel& channel, CardProfile profile, SecureAccessModule* sam)
    : m_channel(channel)
    , m_profile(std::move(profile))
    , m_sam(sam) {
}

template <typename F> auto HealthCard::counted(F&& fn) -> Counted<decltype(fn())> {
    const std::size_t before = m_apdus;
    auto v = fn();
    return { std::move(v), m_apdus - before };
}

void HealthCard::forgetState() {
    m_currentDf = 0;
    m_currentEf = 0;
    m_authenticated.clear();
}

ResponseApdu HealthCard::send(const CommandApdu& command) {
    ++m_apdus;
    return m_channel.transmit(command);
}

ResponseApdu HealthCard::sendOk(const CommandApdu& command, const std::string& step) {
    auto r = send(command);
    if (!r.ok()) {
        throw CardRefused(step, r.sw());
    }
    return r;
}

const FileSpec& HealthCard::fileSpec(const std::string& name) const {
    const FileSpec* f = m_profile.file(name);
    if (!f) {
        throw hc::InputError("card profile " + m_profile.name + " has no file " + name);
    }
    return *f;
}

Bytes HealthCard::diversifier() const {
    const Atr atr = Atr::parse(m_channel.atr());
    const Bytes& hist = atr.historicalBytes();
    const auto& d = m_profile.diversifier;
    if (hist.size() < d.offsetFromEnd || d.length > d.offsetFromEnd) {
        throw hc::InputError("ATR: " + std::to_string(hist.size()) + " historical bytes hold no "
            + std::to_string(d.length) + "-byte diversifier " + std::to_string(d.offsetFromEnd)
            + " bytes from the end");
    }
    const auto start = hist.end() - static_cast<std::ptrdiff_t>(d.offsetFromEnd);
    return Bytes(start, start + static_cast<std::ptrdiff_t>(d.length));
}

SecureAccessModule& HealthCard::sam(const std::string& why) {
    if (!m_sam) {
        throw hc::Error(why + " needs a SecureAccessModule (SAM card or HSM); none is configured",
            NextStep::CheckConfiguration);
    }
    return *m_sam;
}

void HealthCard::selectDf(std::uint16_t fid) {
    if (m_currentDf == fid) {
        return;
    }
    const DfSpec* target = m_profile.df(fid);
    if (!target) {
        throw hc::InputError("card profile " + m_profile.name + " has no DF " + fidHex(fid));
    }
    if (target->parent != 0) {
        const DfSpec* cur = m_profile.df(m_currentDf);
        const bool reachable
            = m_currentDf == target->parent || (cur && cur->parent == target->parent);
        if (!reachable) {
            selectDf(target->parent);
        }
    }
    m_currentEf = 0;
    sendOk(apdu::selectFid(fid), "SELECT " + target->name);
    m_currentDf = fid;
}

std::string HealthCard::cityCode() {
    if (!m_city) {
        (void)readElements("DDF1/EF05");
        if (!m_city) {
            throw hc::Error(
                "DDF1/EF05 holds no city code (tag 39): two-level keys cannot be derived",
                NextStep::CallStaff);
        }
    }
    return *m_city;
}

Bytes HealthCard::diversificationData(const KeySlot& key) {
    Bytes d = diversifier();
    if (key.twoLevels()) {
        const std::string city = cityCode();
        std::string c8 = city.substr(0, std::min(m_profile.cityDigits, city.size()));
        c8.resize(8, '0');
        d.insert(d.end(), c8.begin(), c8.end());
    }
    return d;
}

void HealthCard::authenticate(const DfSpec& df, const KeySlot& key, bool updateKeyForm) {
    if (m_authenticated.contains({ df.fid, key.cardP2 })) {
        return;
    }
    const std::string what = "EXTERNAL AUTHENTICATE " + df.name + " key " + byteHex(key.cardP2);
    SecureAccessModule& module = sam(what);
    Bytes div = diversificationData(key); // may read DDF1/EF05 for the city code
    selectDf(df.fid);
    Bytes plain = m_profile.readKeyPlain;
    if (updateKeyForm) {
        plain = sendOk(apdu::getChallenge(8), "GET CHALLENGE").data();
    }
    const Bytes rand = sendOk(apdu::getChallenge(8), "GET CHALLENGE").data();
    if (rand.size() != 8 || plain.size() != 8) {
        throw CardRefused("GET CHALLENGE (8 bytes expected)", sw::WrongLength);
    }
    div.insert(div.end(), rand.begin(), rand.end());
    module.deliverKey(key.samP1, key.samP2, div);
    Bytes block = plain;
    block.resize(16, 0x00);
    Bytes data = fold16(module.encrypt(block));
    data.insert(data.end(), plain.begin(), plain.end());
    data.push_back(m_profile.extAuthTrailer);
    sendOk(CommandApdu(0x00, 0x82, 0x00, key.cardP2, std::move(data)), what);
    m_authenticated.insert({ df.fid, key.cardP2 });
}

void HealthCard::prepareFile(const FileSpec& file, bool forWrite) {
    const auto& key = forWrite ? file.updateKey : file.readKey;
    if (key && key->twoLevels()) {
        (void)cityCode();
    }
    selectDf(file.df);
    if (key) {
        authenticate(*m_profile.df(file.df), *key, forWrite);
    }
    const bool bySfi = m_profile.addressBySfi && file.sfi != 0;
    if (!bySfi && m_currentEf != file.fid) {
        sendOk(apdu::selectFid(file.fid), "SELECT " + file.name);
        m_currentEf = file.fid;
    }
}

std::uint8_t HealthCard::recordP2(const FileSpec& file, std::uint8_t mode) const {
    if (m_profile.addressBySfi && file.sfi != 0) {
        return static_cast<std::uint8_t>((file.sfi << 3) | mode);
    }
    return mode;
}

std::vector<Bytes> HealthCard::readRecords(const FileSpec& file, std::size_t expectedBytes) {
    prepareFile(file, false);
    std::vector<Bytes> out;
    const std::size_t ne = expectedBytes <= kShortMaxNe
        ? kShortMaxNe
        : (m_profile.extendedLength ? kExtendedMaxNe : 0);
    if (m_profile.bulkRead && !m_noBulk && ne != 0) {
        auto r = send(CommandApdu(0x00, 0xB2, 0x01, recordP2(file, 0x05), {}, ne));
        if (r.ok()) {
            if (m_profile.addressBySfi && file.sfi) {
                m_currentEf = file.fid;
            }
            const Bytes& all = r.data();
            if (file.kind == FileKind::TlvRecords) {
                for (const auto& e : parseSimpleTlv(all, SimplePadding::AllowTrailing)) {
                    out.push_back(e.encode());
                }
            } else {
                const std::size_t size = std::max<std::size_t>(file.size, 1);
                if (all.size() % size != 0) {
                    throw hc::InputError(file.name + ": " + std::to_string(all.size())
                        + " bytes are not whole " + std::to_string(size) + "-byte records");
                }
                for (std::size_t i = 0; i < all.size(); i += size) {
                    out.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(i),
                        all.begin() + static_cast<std::ptrdiff_t>(i + size));
                }
            }
            return out;
        }
        if (r.sw() == sw::RecordNotFound) {
            return out;
        }
        if (!bulkUnsupported(r.sw())) {
            throw CardRefused("READ RECORD (all) " + file.name, r.sw());
        }
        m_noBulk = true;
    }
    for (std::size_t n = 1; n <= file.records; ++n) {
        auto r = send(CommandApdu(
            0x00, 0xB2, static_cast<std::uint8_t>(n), recordP2(file, 0x04), {}, kShortMaxNe));
        if (r.sw() == sw::RecordNotFound) {
            break;
        }
        if (!r.ok()) {
            throw CardRefused("READ RECORD " + std::to_string(n) + " " + file.name, r.sw());
        }
        if (m_profile.addressBySfi && file.sfi) {
            m_currentEf = file.fid;
        }
        out.push_back(r.data());
    }
    return out;
}

Bytes HealthCard::readBinary(const FileSpec& file, std::size_t offset, std::size_t length) {
    prepareFile(file, false);
    Bytes out;
    while (out.size() < length) {
        const std::size_t pos = offset + out.size();
        const std::size_t n
            = std::min(length - out.size(), std::max<std::size_t>(m_profile.binaryChunk, 1));
        std::uint8_t p1 = static_cast<std::uint8_t>((pos >> 8) & 0x7F);
        std::uint8_t p2 = static_cast<std::uint8_t>(pos & 0xFF);
        const bool bySfi = m_profile.addressBySfi && file.sfi != 0 && m_currentEf != file.fid;
        if (bySfi) {
            if (pos > 0xFF) {
                sendOk(apdu::selectFid(file.fid), "SELECT " + file.name);
            } else {
                p1 = static_cast<std::uint8_t>(0x80 | file.sfi);
            }
        }
        auto r = sendOk(CommandApdu(0x00, 0xB0, p1, p2, {}, n), "READ BINARY " + file.name);
        m_currentEf = file.fid;
        if (r.data().empty()) {
            break;
        }
        out.insert(out.end(), r.data().begin(), r.data().end());
    }
    out.resize(std::min(out.size(), length));
    return out;
}

Counted<ElementValues> HealthCard::readElements(const std::string& fileName) {
    return counted([&] {
        const FileSpec& file = fileSpec(fileName);
        if (file.kind != FileKind::TlvRecords) {
            throw hc::InputError(fileName + " is not a TLV record file");
        }
        std::size_t expected = 0;
        for (const auto* e : m_profile.elementsOf(fileName)) {
            expected += 2 + e->length;
        }
        ElementValues values;
        for (const auto& rec : readRecords(file, expected)) {
            for (const auto& e : parseSimpleTlv(rec, SimplePadding::AllowTrailing)) {
                const ElementSpec* spec = m_profile.element(e.tag);
                if (!spec || spec->file != fileName) {
                    continue; // an element this profile does not know: skipped, not guessed
                }
                if (e.value.size() != spec->length) {
                    throw ValidationError(spec->key, "length",
                        std::to_string(e.value.size()) + " bytes on the card, "
                            + std::to_string(spec->length) + " expected");
                }
                values[e.tag] = e.value;
            }
        }
        if (fileName == "DDF1/EF05") {
            if (const auto it = values.find(0x39); it != values.end()) {
                m_city = decodeElement(*m_profile.element(0x39), it->second);
            }
        }
        return values;
    });
}

Counted<CardIdentification> HealthCard::readCardIdentification() {
    return counted(
        [&] { return cardIdentificationFrom(readElements("DDF1/EF05").value, m_profile); });
}

Counted<Holder> HealthCard::readHolder() {
    return counted([&] { return holderFrom(readElements("DDF1/EF06").value, m_profile); });
}

Counted<Identity> HealthCard::readIdentity() {
    return counted([&] {
        Identity id;
        id.card = cardIdentificationFrom(readElements("DDF1/EF05").value, m_profile);
        id.holder = holderFrom(readElements("DDF1/EF06").value, m_profile);
        return id;
    });
}

Counted<Bytes> HealthCard::readPhoto() {
    return counted([&] {
        const FileSpec& file = fileSpec("DDF1/EF07");
        Bytes first = readBinary(file, 0, std::min(file.size, m_profile.binaryChunk));
        if (first.size() < 2) {
            return Bytes {};
        }
        const std::size_t len = (static_cast<std::size_t>(first[0]) << 8) | first[1];
        if (len == 0 || len == 0xFFFF || len + 2 > file.size) {
            return Bytes {};
        }
        Bytes photo(first.begin() + 2, first.end());
        if (photo.size() < len) {
            const Bytes rest = readBinary(file, first.size(), len - photo.size());
            photo.insert(photo.end(), rest.begin(), rest.end());
        }
        photo.resize(len);
        return photo;
    });
}

Counted<Validity> HealthCard::readValidity() {
    return counted([&] { return validityFrom(readElements("DDF1/EF08").value, m_profile); });
}

Counted<Addresses> HealthCard::readAddresses() {
    return counted([&] { return addressesFrom(readElements("DF01/EF05").value, m_profile); });
}

Counted<Contacts> HealthCard::readContacts() {
    return counted([&] { return contactsFrom(readElements("DF01/EF06").value, m_profile); });
}

Counted<SocialData> HealthCard::readSocial() {
    return counted([&] { return socialFrom(readElements("DF01/EF07").value, m_profile); });
}

Counted<Documents> HealthCard::readDocuments() {
    return counted([&] { return documentsFrom(readElements("DF01/EF08").value, m_profile); });
}

Counted<ClinicalData> HealthCard::readClinical() {
    return counted([&] {
        ElementValues v = readElements("DF02/EF05").value;
        for (auto& [tag, value] : readElements("DF02/EF06").value) {
            v[tag] = std::move(value);
        }
        return clinicalFrom(v, m_profile);
    });
}

Counted<std::vector<Allergy>> HealthCard::readAllergies() {
    return counted([&] {
        const FileSpec& f = fileSpec("DF02/EF07");
        std::vector<Allergy> out;
        for (const auto& r : readRecords(f, f.records * f.size)) {
            if (auto a = decodeAllergy(r)) {
                out.push_back(std::move(*a));
            }
        }
        return out;
    });
}

Counted<std::vector<Immunisation>> HealthCard::readImmunisations() {
    return counted([&] {
        const FileSpec& f = fileSpec("DF02/EF08");
        std::vector<Immunisation> out;
        for (const auto& r : readRecords(f, f.records * f.size)) {
            if (auto i = decodeImmunisation(r)) {
                out.push_back(std::move(*i));
            }
        }
        return out;
    });
}

namespace {
VisitIndex indexFrom(const std::vector<Bytes>& recs, std::size_t slots) {
    VisitIndex v;
    v.inUse.assign(slots, false);
    for (std::size_t i = 0; i < recs.size() && i < slots; ++i) {
        v.inUse[i] = !recs[i].empty() && recs[i][0] == 0x00;
    }
    return v;
}
} // namespace

Counted<VisitIndex> HealthCard::readInpatientIndex() {
    return counted([&] {
        const FileSpec& f = fileSpec("DF03/EF05");
        return indexFrom(readRecords(f, f.records * f.size), f.records);
    });
}

Counted<VisitIndex> HealthCard::readOutpatientIndex() {
    return counted([&] {
        const FileSpec& f = fileSpec("DF03/EF06");
        return indexFrom(readRecords(f, f.records * f.size), f.records);
    });
}

Counted<HealthCardData> HealthCard::readAll() {
    return counted([&] {
        HealthCardData d;
        d.identity = readIdentity().value;
        d.photo = readPhoto().value;
        d.validity = readValidity().value;
        d.addresses = readAddresses().value;
        d.contacts = readContacts().value;
        d.social = readSocial().value;
        d.documents = readDocuments().value;
        d.clinical = readClinical().value;
        d.allergies = readAllergies().value;
        d.immunisations = readImmunisations().value;
        d.inpatientIndex = readInpatientIndex().value;
        d.outpatientIndex = readOutpatientIndex().value;
        return d;
    });
}

} // namespace hc::card::health
