// The read paths of HealthCard: TLV record files, fixed-size record files and binary files, each
// trying the short form first (SFI, bulk, record identifier) and learning the long form from a
// refusal (strategy.hpp). Records are checked against the layout by records.hpp.
#include "hc/card/health/health_card.hpp"
#include "hc/card/health/records.hpp"
#include "refusals.hpp"

#include <algorithm>
#include <numeric>

namespace hc::card::health {

namespace {
std::string hex1(std::uint8_t v) {
    const std::uint8_t b[1] = { v };
    return toHex(b);
}
std::string num(std::size_t v) {
    return std::to_string(v);
}
} // namespace

std::optional<Bytes> HealthCard::readOneRecord(
    const FileSpec& file, std::size_t record, std::optional<std::uint8_t> tag, std::size_t le) {
    for (;;) {
        const bool sfi = addressBySfi(file);
        const bool byId = tag && file.readByIdentifier && !m_strategy.recordIds.no();
        if (!sfi) {
            selectEf(file);
        }
        const auto p1 = static_cast<std::uint8_t>(byId ? *tag : record);
        const auto p2 = static_cast<std::uint8_t>((sfi ? file.sfi << 3 : 0) | (byId ? 0x00 : 0x04));
        const auto r = send(CommandApdu(0x00, 0xB2, p1, p2, {}, std::max<std::size_t>(le, 1)));
        const std::string what = "READ RECORD " + num(record)
            + (byId ? " (tag " + hex1(*tag) + ")" : "") + (sfi ? " by SFI " + num(file.sfi) : "")
            + " " + file.name;
        if (detail::readAnswered(r.sw(), !r.data().empty())) {
            if (sfi) {
                m_currentEf = file.fid;
                if (m_strategy.sfi.value == Known::Unknown) {
                    learn(&CardStrategy::sfi, Known::Yes, what + " answered", false);
                }
            }
            if (byId && m_strategy.recordIds.value == Known::Unknown) {
                learn(&CardStrategy::recordIds, Known::Yes, what + " answered", false);
            }
            return r.data();
        }
        if (r.sw() == sw::RecordNotFound) {
            return std::nullopt;
        }
        if (sfi && detail::formRefused(r.sw())) {
            learn(&CardStrategy::sfi, Known::No, what + " answered " + r.sw().hex(), true);
            continue;
        }
        if (byId && detail::formRefused(r.sw())) {
            learn(&CardStrategy::recordIds, Known::No, what + " answered " + r.sw().hex(), true);
            continue;
        }
        throw CardRefused(what, r.sw());
    }
}

std::optional<ResponseApdu> HealthCard::readBulk(
    const FileSpec& file, std::size_t first, std::size_t ne) {
    for (;;) {
        const bool sfi = addressBySfi(file);
        if (!sfi) {
            selectEf(file);
        }
        const auto p2 = static_cast<std::uint8_t>((sfi ? file.sfi << 3 : 0) | 0x05);
        const auto r = send(CommandApdu(0x00, 0xB2, static_cast<std::uint8_t>(first), p2, {}, ne));
        const std::string what = "READ RECORD (all from " + num(first) + ")"
            + (sfi ? " by SFI " + num(file.sfi) : "") + " " + file.name;
        if (detail::readAnswered(r.sw(), !r.data().empty()) || r.sw() == sw::RecordNotFound) {
            if (sfi) {
                m_currentEf = file.fid;
                if (m_strategy.sfi.value == Known::Unknown) {
                    learn(&CardStrategy::sfi, Known::Yes, what + " answered", false);
                }
            }
            if (r.sw() != sw::RecordNotFound && m_strategy.bulk.value == Known::Unknown) {
                learn(&CardStrategy::bulk, Known::Yes, what + " answered", false);
            }
            return r;
        }
        if (!detail::bulkRefused(r.sw())) {
            throw CardRefused(what, r.sw());
        }
        const std::size_t wildcard = ne <= kShortMaxNe ? kShortMaxNe : kExtendedMaxNe;
        if (r.sw() == sw::WrongLength && ne != wildcard) {
            // Records longer than the layout's (padded fixed-size records) make the exact Le
            // too short, and no 6Cxx can say so above 256 bytes: ask for "all there is" once.
            ++m_failedProbes;
            ne = wildcard;
            continue;
        }
        if (sfi && !m_strategy.sfi.yes()) {
            // SFI or bulk? One record by SFI tells; then bulk again if that was the SFI.
            const auto p2one = static_cast<std::uint8_t>((file.sfi << 3) | 0x04);
            const auto one = send(
                CommandApdu(0x00, 0xB2, static_cast<std::uint8_t>(first), p2one, {}, kShortMaxNe));
            const std::string probe
                = "READ RECORD " + num(first) + " by SFI " + num(file.sfi) + " " + file.name;
            if (detail::formRefused(one.sw())) {
                ++m_failedProbes; // the bulk command; learn() counts the single one
                learn(&CardStrategy::sfi, Known::No, probe + " answered " + one.sw().hex(), true);
                continue;
            }
            m_currentEf = file.fid;
            learn(&CardStrategy::sfi, Known::Yes, probe + " answered " + one.sw().hex(), false);
        }
        learn(&CardStrategy::bulk, Known::No, what + " answered " + r.sw().hex(), true);
        return std::nullopt;
    }
}

ElementValues HealthCard::readTlvFile(const FileSpec& file) {
    prepareFile(file, false);
    std::vector<std::size_t> lengths(file.records + 1, 0); // per record, 1-based
    for (std::size_t n = 1; n <= file.records; ++n) {
        const ElementSpec* e = elementOfRecord(m_profile, file, n);
        if (!e) {
            throw hc::InputError("card profile " + m_profile.name + ": " + file.name
                + " has no element in record " + num(n));
        }
        lengths[n] = 2 + e->length;
    }
    ElementValues values;
    auto single = [&](std::size_t n) {
        const ElementSpec* e = elementOfRecord(m_profile, file, n);
        const auto data = readOneRecord(file, n, e->tag, lengths[n]);
        if (data) {
            values[e->tag] = parseTlvRecord(file, n, *e, *data);
        }
    };
    std::size_t next = 1;
    if (m_profile.bulkRead && !(loadStrategy(), m_strategy.bulk.no())) {
        // The tail of records from `first` that fits one answer; the records before it one by one.
        const std::size_t cap = extendedAllowed() ? kExtendedMaxNe : kShortMaxNe;
        std::size_t first = file.records + 1;
        std::size_t tail = 0;
        while (first > 1 && tail + lengths[first - 1] <= cap) {
            tail += lengths[--first];
        }
        if (first <= file.records) {
            for (; next < first; ++next) {
                single(next);
            }
            if (const auto r = readBulk(file, first, tail)) {
                if (r->sw() != sw::RecordNotFound) {
                    for (auto& [tag, value] : parseTlvBulk(m_profile, file, first, r->data())) {
                        values[tag] = std::move(value);
                    }
                }
                next = file.records + 1;
            }
        }
    }
    for (; next <= file.records; ++next) {
        single(next);
    }
    requireAllElements(m_profile, file, values);
    return values;
}

std::vector<Bytes> HealthCard::readFixedRecords(const FileSpec& file) {
    prepareFile(file, false);
    const std::size_t size = std::max<std::size_t>(file.size, 1);
    if (m_profile.bulkRead && !(loadStrategy(), m_strategy.bulk.no())) {
        const std::size_t total = file.records * size;
        const std::size_t cap = extendedAllowed() ? kExtendedMaxNe : kShortMaxNe;
        if (total <= cap) {
            // Index files always hold every record (exact Le); cyclic files hold up to records.
            const std::size_t ne = file.kind == FileKind::IndexRecords
                ? total
                : (total <= kShortMaxNe ? kShortMaxNe : kExtendedMaxNe);
            if (const auto r = readBulk(file, 1, ne)) {
                if (r->sw() == sw::RecordNotFound) {
                    return {};
                }
                return splitFixedRecords(file, 1, r->data());
            }
        }
    }
    std::vector<Bytes> out;
    for (std::size_t n = 1; n <= file.records; ++n) {
        const auto data = readOneRecord(file, n, std::nullopt, size);
        if (!data) {
            break;
        }
        checkFixedRecord(file, n, *data);
        out.push_back(*data);
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
        const auto p2 = static_cast<std::uint8_t>(pos & 0xFF);
        const bool bySfi = addressBySfi(file) && m_currentEf != file.fid;
        if (bySfi) {
            if (pos > 0xFF) {
                selectEf(file);
            } else {
                p1 = static_cast<std::uint8_t>(0x80 | file.sfi);
            }
        }
        const bool sfiUsed = (p1 & 0x80) != 0;
        const auto r = send(CommandApdu(0x00, 0xB0, p1, p2, {}, n));
        const std::string what = "READ BINARY at " + num(pos)
            + (sfiUsed ? " by SFI " + num(file.sfi) : "") + " " + file.name;
        if (sfiUsed && detail::formRefused(r.sw())) {
            learn(&CardStrategy::sfi, Known::No, what + " answered " + r.sw().hex(), true);
            selectEf(file);
            continue;
        }
        if (!detail::readAnswered(r.sw(), !r.data().empty())) {
            throw CardRefused(what, r.sw());
        }
        if (sfiUsed && m_strategy.sfi.value == Known::Unknown) {
            learn(&CardStrategy::sfi, Known::Yes, what + " answered", false);
        }
        m_currentEf = file.fid;
        if (r.data().empty()) {
            break;
        }
        out.insert(out.end(), r.data().begin(), r.data().end());
    }
    out.resize(std::min(out.size(), length));
    return out;
}

} // namespace hc::card::health
