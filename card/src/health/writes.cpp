// The write flows of HealthCard: cyclic records in plain after the update key, TLV records with
// CLA 04 secure messaging (healthcard-reference §5.3), visit records and their MAC-only index
// flags (§5.4).
#include "hc/card/health/crypto.hpp"
#include "hc/card/health/health_card.hpp"
#include "hc/card/tlv.hpp"
#include "refusals.hpp"

namespace hc::card::health {

namespace {
std::size_t since(std::size_t before, std::size_t now) {
    return now - before;
}
} // namespace

void HealthCard::sendAddressed(const FileSpec& file, const std::function<Addressed()>& build) {
    for (;;) {
        const bool sfi = addressBySfi(file);
        if (!sfi) {
            selectEf(file);
        }
        const Addressed a = build();
        const auto r = send(a.command);
        if (r.ok()) {
            return;
        }
        const std::string what
            = a.what + (sfi ? " by SFI " + std::to_string(file.sfi) : "") + " " + file.name;
        if (sfi && detail::formRefused(r.sw())) {
            learn(&CardStrategy::sfi, Known::No, what + " answered " + r.sw().hex(), true);
            continue; // again, after a SELECT of the EF
        }
        throw CardRefused(what, r.sw());
    }
}

void HealthCard::smUpdateRecord(const FileSpec& file, std::uint8_t record, const Bytes& tlv) {
    const DfSpec& df = *m_profile.df(file.df);
    SecureAccessModule& module = sam("secure messaging for " + file.name);
    const Bytes div = diversificationData(df.transportKey);
    // PT = Lp || TLV || 80 00.., ENC = SM4-ECB(K_s, PT).
    Bytes lpTlv;
    lpTlv.push_back(static_cast<std::uint8_t>(tlv.size()));
    lpTlv.insert(lpTlv.end(), tlv.begin(), tlv.end());
    sendAddressed(file, [&] {
        selectDf(df.fid);
        const Bytes rand = sendOk(apdu::getChallenge(8), "GET CHALLENGE").data();
        const Bytes sessionDiv = concat(div, rand);
        module.deliverKey(df.transportKey.samP1, df.transportKey.samP2, sessionDiv);
        const Bytes enc = module.encrypt(pad80(lpTlv));
        const std::uint8_t p2 = recordP2(file, 0x04);
        const auto lc = static_cast<std::uint8_t>(enc.size() + 4);
        Bytes macInput { 0x04, 0xDC, record, p2, lc };
        macInput.insert(macInput.end(), enc.begin(), enc.end());
        module.deliverKey(df.transportKey.samP1, df.transportKey.samP2, sessionDiv);
        const Bytes mac = module.mac(Bytes(16, 0x00), pad80(macInput));
        return Addressed { CommandApdu(0x04, 0xDC, record, p2, concat(enc, mac)),
            "UPDATE RECORD (SM) " + std::to_string(record) };
    });
}

void HealthCard::macIndexCommand(const FileSpec& index, std::uint8_t ins, std::uint8_t record) {
    const DfSpec& df = *m_profile.df(index.df);
    SecureAccessModule& module = sam("MAC for " + index.name);
    const Bytes div = diversificationData(df.transportKey);
    sendAddressed(index, [&] {
        selectDf(df.fid);
        const Bytes rand = sendOk(apdu::getChallenge(8), "GET CHALLENGE").data();
        const std::uint8_t p2 = recordP2(index, 0x04);
        module.deliverKey(df.transportKey.samP1, df.transportKey.samP2, concat(div, rand));
        const Bytes mac = module.mac(Bytes(16, 0x00), pad80(Bytes { 0x84, ins, record, p2, 0x04 }));
        return Addressed { CommandApdu(0x84, ins, record, p2, mac),
            std::string(ins == 0xD2 ? "WRITE RECORD " : "ERASE RECORD ") + std::to_string(record) };
    });
}

void HealthCard::cyclicAdd(const FileSpec& f, const Bytes& rec) {
    prepareFile(f, true);
    sendAddressed(f, [&] {
        return Addressed { CommandApdu(0x00, 0xDC, 0x00, recordP2(f, 0x03), rec),
            "UPDATE RECORD (cyclic)" };
    });
}

std::size_t HealthCard::addAllergy(const Allergy& allergy) {
    const std::size_t before = m_apdus;
    cyclicAdd(fileSpec("DF02/EF07"), encodeAllergy(allergy));
    return since(before, m_apdus);
}

std::size_t HealthCard::addImmunisation(const Immunisation& immunisation) {
    const std::size_t before = m_apdus;
    cyclicAdd(fileSpec("DF02/EF08"), encodeImmunisation(immunisation));
    return since(before, m_apdus);
}

std::size_t HealthCard::updateElement(const std::string& key, const std::string& text) {
    const std::size_t before = m_apdus;
    const ElementSpec* spec = m_profile.element(key);
    if (!spec) {
        throw hc::InputError("card profile " + m_profile.name + " has no element " + key);
    }
    const Bytes tlv = encodeSimpleTlv(spec->tag, encodeElement(*spec, text));
    const FileSpec& f = fileSpec(spec->file);
    prepareFile(f, true);
    smUpdateRecord(f, spec->record, tlv);
    return since(before, m_apdus);
}

std::size_t HealthCard::updatePhones(const std::string& phone1, const std::string& phone2) {
    const std::size_t before = m_apdus;
    updateElement("validity.phone1", phone1);
    updateElement("validity.phone2", phone2);
    return since(before, m_apdus);
}

std::size_t HealthCard::updateAddresses(const Addresses& a) {
    const std::size_t before = m_apdus;
    updateElement("address.type1", a.entries[0].type);
    updateElement("address.address1", a.entries[0].text);
    updateElement("address.type2", a.entries[1].type);
    updateElement("address.address2", a.entries[1].text);
    return since(before, m_apdus);
}

Counted<std::size_t> HealthCard::writeVisitRecord(bool inpatient, ByteView record) {
    const std::size_t before = m_apdus;
    const FileSpec& index = fileSpec(inpatient ? "DF03/EF05" : "DF03/EF06");
    const VisitIndex used = inpatient ? readInpatientIndex().value : readOutpatientIndex().value;
    const auto free = used.firstFree();
    if (!free) {
        throw hc::Error(std::string(inpatient ? "inpatient" : "outpatient")
                + " records: every slot is in use; erase the oldest (index flag) first",
            NextStep::CallStaff);
    }
    const std::size_t slot = *free + 1;
    const FileSpec& file
        = fileSpec(std::string(inpatient ? "DF03/EE0" : "DF03/ED0") + std::to_string(slot));
    if (record.size() != file.size) {
        throw hc::InputError(file.name + ": a record is " + std::to_string(file.size)
            + " bytes, got " + std::to_string(record.size()));
    }
    prepareFile(file, true); // SELECT the EF (visit files have no SFI)
    const std::size_t chunk = std::max<std::size_t>(m_profile.binaryChunk, 1);
    for (std::size_t off = 0; off < record.size(); off += chunk) {
        const std::size_t n = std::min(chunk, record.size() - off);
        sendOk(apdu::updateBinary(static_cast<std::uint16_t>(off),
                   Bytes(record.begin() + static_cast<std::ptrdiff_t>(off),
                       record.begin() + static_cast<std::ptrdiff_t>(off + n))),
            "UPDATE BINARY " + file.name);
    }
    prepareFile(index, true);
    macIndexCommand(index, 0xD2, static_cast<std::uint8_t>(slot));
    return { slot, since(before, m_apdus) };
}

std::size_t HealthCard::eraseVisitIndex(bool inpatient, std::size_t slot) {
    const std::size_t before = m_apdus;
    const FileSpec& index = fileSpec(inpatient ? "DF03/EF05" : "DF03/EF06");
    if (slot == 0 || slot > index.records) {
        throw hc::InputError(index.name + ": no slot " + std::to_string(slot));
    }
    prepareFile(index, true);
    macIndexCommand(index, 0x0C, static_cast<std::uint8_t>(slot));
    return since(before, m_apdus);
}

Bytes HealthCard::readBinaryAll(const FileSpec& file) {
    return readBinary(file, 0, file.size);
}

Counted<Bytes> HealthCard::readVisitRecord(bool inpatient, std::size_t slot) {
    const std::size_t before = m_apdus;
    const FileSpec& file
        = fileSpec(std::string(inpatient ? "DF03/EE0" : "DF03/ED0") + std::to_string(slot));
    Bytes data = readBinaryAll(file);
    return { std::move(data), since(before, m_apdus) };
}

Counted<std::size_t> HealthCard::writeSignedVisit(
    bool inpatient, ByteView data, RecordSigner& signer) {
    const FileSpec& slot1 = fileSpec(inpatient ? "DF03/EE01" : "DF03/ED01");
    if (m_profile.certificateFormat != "sam-190") {
        throw hc::Error("certificate format \"" + m_profile.certificateFormat
                + "\" is not supported (only sam-190)",
            NextStep::CheckConfiguration);
    }
    const Bytes record = buildSignedVisitRecord(data, slot1.size, signer, m_profile.signerId);
    return writeVisitRecord(inpatient, record);
}

Counted<std::vector<std::pair<std::size_t, VisitRecord>>> HealthCard::readVisits(bool inpatient) {
    const std::size_t before = m_apdus;
    std::vector<std::pair<std::size_t, VisitRecord>> out;
    const VisitIndex index = inpatient ? readInpatientIndex().value : readOutpatientIndex().value;
    for (std::size_t i = 0; i < index.inUse.size(); ++i) {
        if (index.inUse[i]) {
            const Bytes raw = readVisitRecord(inpatient, i + 1).value;
            out.emplace_back(i + 1, parseVisitRecord(raw, m_profile.signerId));
        }
    }
    return { std::move(out), since(before, m_apdus) };
}

} // namespace hc::card::health
