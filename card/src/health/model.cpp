#include "hc/card/health/model.hpp"

#include "hc/card/health/codec.hpp"

#include <algorithm>

namespace hc::card::health {

const std::array<std::string, 12>& clinicalFlagNames() {
    static const std::array<std::string, 12> names = { "clinical.asthma", "clinical.heart_disease",
        "clinical.cardio_cerebral", "clinical.epilepsy", "clinical.coagulation_disorder",
        "clinical.diabetes", "clinical.glaucoma", "clinical.dialysis", "clinical.organ_transplant",
        "clinical.organ_loss", "clinical.prosthesis", "clinical.pacemaker" };
    return names;
}

std::optional<std::size_t> VisitIndex::firstFree() const {
    for (std::size_t i = 0; i < inUse.size(); ++i) {
        if (!inUse[i]) {
            return i;
        }
    }
    return std::nullopt;
}

std::string decodeElement(const ElementSpec& spec, ByteView value) {
    if (value.size() != spec.length) {
        throw ValidationError(spec.key, "length",
            std::to_string(value.size()) + " bytes, " + std::to_string(spec.length) + " expected");
    }
    switch (spec.coding) {
    case Coding::AN:
        return decodeAn(value, spec.key);
    case Coding::CN:
        return decodeCn(value, spec.key);
    case Coding::B:
        if (spec.length == 1) {
            return value[0] == 0xFF ? std::string() : std::to_string(value[0]);
        }
        return isBlank(value) ? std::string() : toHex(value);
    }
    return {};
}

Bytes encodeElement(const ElementSpec& spec, std::string_view text) {
    switch (spec.coding) {
    case Coding::AN:
        return encodeAn(text, spec.length, spec.key);
    case Coding::CN:
        return encodeCn(text, spec.length, spec.key);
    case Coding::B:
        if (spec.length == 1) {
            if (text.empty()) {
                return { 0xFF };
            }
            if (text.size() > 3
                || !std::all_of(
                    text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })
                || std::stoi(std::string(text)) > 255) {
                throw ValidationError(
                    spec.key, "B 1 byte", "\"" + std::string(text) + "\" is not 0..255");
            }
            return { static_cast<std::uint8_t>(std::stoi(std::string(text))) };
        }
        {
            Bytes b;
            try {
                b = fromHex(text);
            } catch (const hc::InputError& e) {
                throw ValidationError(spec.key, "B hex", e.what());
            }
            if (b.size() > spec.length) {
                throw ValidationError(spec.key, "B length",
                    std::to_string(b.size()) + " bytes do not fit " + std::to_string(spec.length));
            }
            b.resize(spec.length, 0x00);
            return b;
        }
    }
    return {};
}

namespace {
std::string text(const ElementValues& v, const CardProfile& p, std::uint8_t tag) {
    const auto it = v.find(tag);
    const ElementSpec* spec = p.element(tag);
    if (it == v.end() || !spec) {
        return {};
    }
    return decodeElement(*spec, it->second);
}
int number(const ElementValues& v, const CardProfile& p, std::uint8_t tag) {
    const auto s = text(v, p, tag);
    return s.empty() ? 0 : std::stoi(s);
}
} // namespace

CardIdentification cardIdentificationFrom(const ElementValues& v, const CardProfile& p) {
    CardIdentification c;
    c.cardType = text(v, p, 0x01);
    c.specVersion = text(v, p, 0x02);
    c.issuerName = text(v, p, 0x03);
    c.issuerCode = text(v, p, 0x04);
    if (const auto it = v.find(0x05); it != v.end() && !isBlank(it->second)) {
        c.issuerCertificate = it->second;
    }
    c.issueDate = text(v, p, 0x06);
    c.cardNumber = text(v, p, 0x08);
    c.securityCode = text(v, p, 0x09);
    c.chipSerial = text(v, p, 0x0A);
    c.cityCode = text(v, p, 0x39);
    return c;
}

Holder holderFrom(const ElementValues& v, const CardProfile& p) {
    Holder h;
    h.name = text(v, p, 0x0B);
    h.sex = checkSex(number(v, p, 0x0C));
    h.ethnicity = number(v, p, 0x0D);
    h.birthDate = text(v, p, 0x0E);
    h.idNumber = text(v, p, 0x0F);
    return h;
}

Validity validityFrom(const ElementValues& v, const CardProfile& p) {
    Validity r;
    r.expiryDate = text(v, p, 0x07);
    r.phone1 = text(v, p, 0x10);
    r.phone2 = text(v, p, 0x11);
    for (std::uint8_t i = 0; i < 3; ++i) {
        r.paymentMethods[i] = text(v, p, static_cast<std::uint8_t>(0x12 + i));
    }
    return r;
}

Addresses addressesFrom(const ElementValues& v, const CardProfile& p) {
    Addresses a;
    a.entries[0] = { text(v, p, 0x15), text(v, p, 0x16) };
    a.entries[1] = { text(v, p, 0x17), text(v, p, 0x18) };
    return a;
}

Contacts contactsFrom(const ElementValues& v, const CardProfile& p) {
    Contacts c;
    for (std::uint8_t i = 0; i < 3; ++i) {
        const auto t = static_cast<std::uint8_t>(0x19 + 3 * i);
        c.entries[i] = { text(v, p, t), text(v, p, static_cast<std::uint8_t>(t + 1)),
            text(v, p, static_cast<std::uint8_t>(t + 2)) };
    }
    return c;
}

SocialData socialFrom(const ElementValues& v, const CardProfile& p) {
    return { text(v, p, 0x22), text(v, p, 0x23), text(v, p, 0x24) };
}

Documents documentsFrom(const ElementValues& v, const CardProfile& p) {
    return { text(v, p, 0x25), text(v, p, 0x26), text(v, p, 0x27), text(v, p, 0x28) };
}

ClinicalData clinicalFrom(const ElementValues& v, const CardProfile& p) {
    ClinicalData c;
    c.abo = number(v, p, 0x29);
    c.rh = text(v, p, 0x2A);
    for (std::uint8_t i = 0; i < 12; ++i) {
        c.flags[i] = number(v, p, static_cast<std::uint8_t>(0x2B + i)) == 1;
    }
    c.otherAlert = text(v, p, 0x37);
    c.psychiatric = number(v, p, 0x38) == 1;
    return c;
}

std::optional<Allergy> decodeAllergy(ByteView r) {
    if (r.size() != 120) {
        throw ValidationError(
            "allergy", "record length", std::to_string(r.size()) + " bytes, 120 expected");
    }
    if (isBlank(r)) {
        return std::nullopt;
    }
    return Allergy { decodeAn(r.subspan(0, 20), "allergy.substance"),
        decodeAn(r.subspan(20, 100), "allergy.reaction") };
}

Bytes encodeAllergy(const Allergy& a) {
    return concat(encodeAn(a.substance, 20, "allergy.substance"),
        encodeAn(a.reaction, 100, "allergy.reaction"));
}

std::optional<Immunisation> decodeImmunisation(ByteView r) {
    if (r.size() != 24) {
        throw ValidationError(
            "immunisation", "record length", std::to_string(r.size()) + " bytes, 24 expected");
    }
    if (isBlank(r)) {
        return std::nullopt;
    }
    return Immunisation { decodeAn(r.subspan(0, 20), "immunisation.vaccine"),
        decodeCn(r.subspan(20, 4), "immunisation.date") };
}

Bytes encodeImmunisation(const Immunisation& i) {
    checkDate(i.date, "immunisation.date");
    return concat(
        encodeAn(i.vaccine, 20, "immunisation.vaccine"), encodeCn(i.date, 4, "immunisation.date"));
}

void validateHolder(const Holder& h) {
    if (h.name.empty()) {
        throw ValidationError("holder.name", "required", "empty");
    }
    checkSex(static_cast<int>(h.sex));
    checkEthnicGroup(h.ethnicity);
    checkDate(h.birthDate, "holder.birth_date");
    checkCitizenIdAgainstHolder(h.idNumber, h.birthDate, h.sex);
}

void validateIdentity(const Identity& id) {
    validateHolder(id.holder);
    checkRegionCode(id.card.cityCode, "card.city_code");
    if (!id.card.issueDate.empty()) {
        checkDate(id.card.issueDate, "card.issue_date");
    }
}

std::string maskIdentifier(std::string_view id) {
    std::string out(id);
    const std::size_t keepHead = id.size() > 10 ? 6 : 0;
    const std::size_t keepTail = id.size() > 10 ? 4 : std::min<std::size_t>(2, id.size());
    for (std::size_t i = keepHead; i + keepTail < id.size(); ++i) {
        out[i] = '*';
    }
    return out;
}

std::string maskName(std::string_view n) {
    if (n.empty()) {
        return {};
    }
    // Length of the first UTF-8 character.
    const auto c = static_cast<unsigned char>(n[0]);
    const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
    return std::string(n.substr(0, std::min(len, n.size()))) + "*";
}

} // namespace hc::card::health
