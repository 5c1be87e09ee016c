#include "hc/card/health/health_card.hpp"

#include "hc/card/atr.hpp"
#include "hc/card/health/crypto.hpp"
#include "hc/card/t0_channel.hpp"
#include "refusals.hpp"

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
} // namespace

CardRefused::CardRefused(std::string step, StatusWord s)
    : hc::Error(step + ": the card answered " + s.hex() + " (" + s.meaning() + ")",
        s == sw::AuthenticationBlocked                  ? NextStep::CallStaff
            : s.category() == SwCategory::SecurityError ? NextStep::CheckConfiguration
                                                        : NextStep::Retry)
    , m_step(std::move(step))
    , m_sw(s) {
}

HealthCard::HealthCard(
    CardChannel& channel, CardProfile profile, SecureAccessModule* sam, StrategyCache* cache)
    : m_channel(channel)
    , m_profile(std::move(profile))
    , m_sam(sam)
    , m_cache(cache ? *cache : StrategyCache::shared()) {
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
    T0Exchange cost;
    struct Count {
        HealthCard& card;
        T0Exchange& cost;
        ~Count() {
            card.m_apdus += cost.apdus();
            card.m_wrongLe += cost.wrongLe;
            card.m_getResponses += cost.getResponses;
        }
    } count { *this, cost };
    return transmitT0(m_channel, command, {}, &cost);
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
    loadStrategy();
    if (m_strategy.dfByName.yes() && !target->aid.empty()) {
        m_currentEf = 0;
        sendOk(apdu::selectName(target->aid), "SELECT " + target->name + " by name");
        m_currentDf = fid;
        return;
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
    const auto r = send(apdu::selectFid(fid));
    // A T=0 card may answer 61xx (FCI waiting) to a SELECT without Le: selected all the same.
    if (!r.ok() && !r.sw().moreData() && !selectDfByName(*target, r.sw())) {
        throw CardRefused("SELECT " + target->name
                + (target->aid.empty() && detail::formRefused(r.sw())
                        ? " by FID (if this card selects DFs by name only, give the DF's AID in "
                          "the card profile, dfs[].aid: the public layout names none)"
                        : ""),
            r.sw());
    }
    m_currentDf = fid;
}

bool HealthCard::selectDfByName(const DfSpec& df, StatusWord fidAnswer) {
    if (df.aid.empty() || !detail::formRefused(fidAnswer)) {
        return false;
    }
    const auto r = send(apdu::selectName(df.aid));
    if (!r.ok() && !r.sw().moreData()) {
        throw CardRefused(
            "SELECT " + df.name + " by FID (" + fidAnswer.hex() + ") and by name", r.sw());
    }
    learn(&CardStrategy::dfByName, Known::Yes,
        "SELECT " + df.name + " by FID answered " + fidAnswer.hex() + ", by name 9000", true);
    return true;
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
    if (!addressBySfi(file)) {
        selectEf(file);
    }
}

bool HealthCard::addressBySfi(const FileSpec& file) {
    loadStrategy();
    return m_profile.addressBySfi && file.sfi != 0 && !m_strategy.sfi.no();
}

void HealthCard::selectEf(const FileSpec& file) {
    selectDf(file.df);
    if (m_currentEf != file.fid) {
        sendOk(apdu::selectFid(file.fid), "SELECT " + file.name);
        m_currentEf = file.fid;
    }
}

std::uint8_t HealthCard::recordP2(const FileSpec& file, std::uint8_t mode) {
    if (addressBySfi(file)) {
        return static_cast<std::uint8_t>((file.sfi << 3) | mode);
    }
    return mode;
}

Counted<ElementValues> HealthCard::readElements(const std::string& fileName) {
    return counted([&] {
        const FileSpec& file = fileSpec(fileName);
        if (file.kind != FileKind::TlvRecords) {
            throw hc::InputError(fileName + " is not a TLV record file");
        }
        ElementValues values = readTlvFile(file);
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
        for (const auto& r : readFixedRecords(f)) {
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
        for (const auto& r : readFixedRecords(f)) {
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
        return indexFrom(readFixedRecords(f), f.records);
    });
}

Counted<VisitIndex> HealthCard::readOutpatientIndex() {
    return counted([&] {
        const FileSpec& f = fileSpec("DF03/EF06");
        return indexFrom(readFixedRecords(f), f.records);
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
