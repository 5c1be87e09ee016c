#include "card_data.hpp"

#include "hc/card/error.hpp"

#include <algorithm>

namespace hc::perso {

namespace h = hc::card::health;
using hc::Bytes;
using hc::card::CommandApdu;

namespace {

std::string num(int v) {
    return std::to_string(v);
}

std::string twoDigits(int v) {
    if (v <= 0) {
        return {};
    }
    std::string s = std::to_string(v);
    return s.size() < 2 ? "0" + s : s;
}

/** Text of every element by tag, from the typed data (the inverse of the *From() decoders). */
std::map<std::uint8_t, std::string> elementTexts(const h::HealthCardData& d) {
    std::map<std::uint8_t, std::string> t;
    const auto& c = d.identity.card;
    t[0x01] = c.cardType;
    t[0x02] = c.specVersion;
    t[0x03] = c.issuerName;
    t[0x04] = c.issuerCode;
    t[0x05] = hc::toHex(c.issuerCertificate);
    t[0x06] = c.issueDate;
    t[0x08] = c.cardNumber;
    t[0x09] = c.securityCode;
    t[0x0A] = c.chipSerial;
    t[0x39] = c.cityCode;
    const auto& hd = d.identity.holder;
    t[0x0B] = hd.name;
    t[0x0C] = num(static_cast<int>(hd.sex));
    t[0x0D] = twoDigits(hd.ethnicity);
    t[0x0E] = hd.birthDate;
    t[0x0F] = hd.idNumber;
    t[0x07] = d.validity.expiryDate;
    t[0x10] = d.validity.phone1;
    t[0x11] = d.validity.phone2;
    for (std::uint8_t i = 0; i < 3; ++i) {
        t[static_cast<std::uint8_t>(0x12 + i)] = d.validity.paymentMethods[i];
    }
    t[0x15] = d.addresses.entries[0].type;
    t[0x16] = d.addresses.entries[0].text;
    t[0x17] = d.addresses.entries[1].type;
    t[0x18] = d.addresses.entries[1].text;
    for (std::uint8_t i = 0; i < 3; ++i) {
        const auto tag = static_cast<std::uint8_t>(0x19 + 3 * i);
        t[tag] = d.contacts.entries[i].name;
        t[static_cast<std::uint8_t>(tag + 1)] = d.contacts.entries[i].relation;
        t[static_cast<std::uint8_t>(tag + 2)] = d.contacts.entries[i].phone;
    }
    t[0x22] = d.social.education;
    t[0x23] = d.social.maritalStatus;
    t[0x24] = d.social.occupation;
    t[0x25] = d.documents.type;
    t[0x26] = d.documents.number;
    t[0x27] = d.documents.healthRecordNo;
    t[0x28] = d.documents.ncmsNo;
    t[0x29] = d.clinical.abo > 0 ? num(d.clinical.abo) : std::string();
    t[0x2A] = d.clinical.rh;
    for (std::uint8_t i = 0; i < 12; ++i) {
        t[static_cast<std::uint8_t>(0x2B + i)] = d.clinical.flags[i] ? "1" : "0";
    }
    t[0x37] = d.clinical.otherAlert;
    t[0x38] = d.clinical.psychiatric ? "1" : "0";
    return t;
}

} // namespace

std::string chipSerialText(const Bytes& serial8) {
    return hc::toHex(serial8).substr(6);
}

CardDataPlan planCardData(const PersoProfile& profile, const PersoInput& in,
    const std::string& chipText, const std::string& securityCode) {
    const auto& p = profile.card;
    Bytes zero8(8, 0x00);
    h::HealthCardData d = planWrittenData(profile, in, zero8, securityCode);
    d.identity.card.chipSerial = chipText;
    const auto texts = elementTexts(d);
    CardDataPlan plan;
    for (const auto& f : p.files) {
        auto& cmds = plan[f.name];
        switch (f.kind) {
        case h::FileKind::TlvRecords: {
            auto elems = p.elementsOf(f.name);
            std::sort(
                elems.begin(), elems.end(), [](const h::ElementSpec* a, const h::ElementSpec* b) {
                    return a->record < b->record;
                });
            std::uint8_t rec = 0;
            for (const h::ElementSpec* e : elems) {
                ++rec;
                if (e->record != rec) {
                    throw hc::InputError("card profile " + p.name + ": " + f.name
                        + " elements are not numbered 1, 2, ... by record");
                }
                const auto it = texts.find(e->tag);
                const Bytes value = h::encodeElement(*e, it == texts.end() ? "" : it->second);
                Bytes tlv { e->tag, static_cast<std::uint8_t>(value.size()) };
                tlv.insert(tlv.end(), value.begin(), value.end());
                cmds.emplace_back(0x00, 0xDC, rec, 0x04, tlv, 0);
            }
            break;
        }
        case h::FileKind::Binary: {
            if (in.resident.photo.empty()) {
                break;
            }
            if (in.resident.photo.size() + 2 > f.size || in.resident.photo.size() > 0xFFFF) {
                throw h::ValidationError("photo", "size",
                    std::to_string(in.resident.photo.size()) + " bytes do not fit "
                        + std::to_string(f.size - 2));
            }
            Bytes content { static_cast<std::uint8_t>(in.resident.photo.size() >> 8),
                static_cast<std::uint8_t>(in.resident.photo.size() & 0xFF) };
            content.insert(content.end(), in.resident.photo.begin(), in.resident.photo.end());
            for (std::size_t off = 0; off < content.size(); off += 0xF0) {
                const std::size_t n = std::min<std::size_t>(0xF0, content.size() - off);
                cmds.emplace_back(0x00, 0xD6, static_cast<std::uint8_t>(off >> 8),
                    static_cast<std::uint8_t>(off & 0xFF),
                    Bytes(content.begin() + static_cast<std::ptrdiff_t>(off),
                        content.begin() + static_cast<std::ptrdiff_t>(off + n)),
                    0);
            }
            break;
        }
        case h::FileKind::CyclicRecords: {
            const bool allergies = f.size == 120;
            const std::size_t n
                = allergies ? in.resident.allergies.size() : in.resident.immunisations.size();
            if (n > f.records) {
                throw h::ValidationError(allergies ? "allergies" : "immunisations", "count",
                    std::to_string(n) + " entries, the card holds " + std::to_string(f.records));
            }
            // Oldest first: each add becomes record 1, so the newest ends up first.
            for (std::size_t i = n; i-- > 0;) {
                Bytes rec = allergies ? h::encodeAllergy(in.resident.allergies[i])
                                      : h::encodeImmunisation(in.resident.immunisations[i]);
                if (rec.size() != f.size) {
                    throw hc::InputError("card profile " + p.name + ": " + f.name
                        + " record size differs from the codec's");
                }
                cmds.emplace_back(0x00, 0xDC, 0x00, 0x03, rec, 0);
            }
            break;
        }
        case h::FileKind::IndexRecords:
            for (std::size_t r = 1; r <= f.records; ++r) {
                cmds.emplace_back(
                    0x00, 0xDC, static_cast<std::uint8_t>(r), 0x04, Bytes(f.size, 0xFF), 0);
            }
            break;
        case h::FileKind::VisitRecord:
            break;
        }
    }
    return plan;
}

h::HealthCardData planWrittenData(const PersoProfile& profile, const PersoInput& in,
    const Bytes& serial8, const std::string& securityCode) {
    h::HealthCardData d = in.resident;
    auto& c = d.identity.card;
    c.cardType = profile.cardType;
    c.specVersion = profile.specVersion;
    c.issuerName = in.issuer.name;
    c.issuerCode = in.issuer.code;
    c.issuerCertificate = in.issuer.certificate;
    if (std::all_of(c.issuerCertificate.begin(), c.issuerCertificate.end(),
            [](std::uint8_t b) { return b == 0; })) {
        c.issuerCertificate.clear();
    }
    c.issueDate = in.issueDate;
    c.cardNumber = in.cardNumber;
    c.securityCode = securityCode;
    c.chipSerial = chipSerialText(serial8);
    c.cityCode = in.issuer.cityCode;
    d.validity.expiryDate = in.expiryDate;
    const auto* in1 = profile.card.file("DF03/EF05");
    const auto* out1 = profile.card.file("DF03/EF06");
    d.inpatientIndex.inUse.assign(in1 ? in1->records : 0, false);
    d.outpatientIndex.inUse.assign(out1 ? out1->records : 0, false);
    return d;
}

std::vector<std::pair<std::string, std::string>> fieldsOf(
    const h::HealthCardData& d, const h::CardProfile& profile) {
    std::vector<std::pair<std::string, std::string>> out;
    const auto texts = elementTexts(d);
    for (const auto& e : profile.elements) {
        const auto it = texts.find(e.tag);
        out.emplace_back(e.key, it == texts.end() ? std::string() : it->second);
    }
    out.emplace_back("allergies.count", std::to_string(d.allergies.size()));
    for (std::size_t i = 0; i < d.allergies.size(); ++i) {
        const std::string k = "allergies[" + std::to_string(i) + "]";
        out.emplace_back(k + ".substance", d.allergies[i].substance);
        out.emplace_back(k + ".reaction", d.allergies[i].reaction);
    }
    out.emplace_back("immunisations.count", std::to_string(d.immunisations.size()));
    for (std::size_t i = 0; i < d.immunisations.size(); ++i) {
        const std::string k = "immunisations[" + std::to_string(i) + "]";
        out.emplace_back(k + ".vaccine", d.immunisations[i].vaccine);
        out.emplace_back(k + ".date", d.immunisations[i].date);
    }
    auto index = [](const h::VisitIndex& v) {
        std::string s;
        for (bool b : v.inUse) {
            s.push_back(b ? '1' : '0');
        }
        return s;
    };
    out.emplace_back("inpatient_index", index(d.inpatientIndex));
    out.emplace_back("outpatient_index", index(d.outpatientIndex));
    out.emplace_back("photo", hc::toHex(d.photo));
    return out;
}

} // namespace hc::perso
