#include "hc/card/health/records.hpp"

namespace hc::card::health {

namespace {
std::string hex1(std::uint8_t v) {
    const std::uint8_t b[1] = { v };
    return toHex(b);
}
std::string num(std::size_t v) {
    return std::to_string(v);
}
bool padding(std::uint8_t b) {
    return b == 0x00 || b == 0xFF;
}
std::string named(const ElementSpec& e) {
    return hex1(e.tag) + " (" + e.key + ")";
}
} // namespace

RecordError::RecordError(std::string file, std::size_t record, const std::string& what)
    : hc::Error(file + " record " + num(record) + ": " + what
            + "; the card's answer does not follow the file layout (a damaged card, or a card "
              "of another layout: check the card profile)",
        NextStep::CallStaff)
    , m_file(std::move(file))
    , m_record(record) {
}

const ElementSpec* elementOfRecord(
    const CardProfile& profile, const FileSpec& file, std::size_t record) {
    for (const auto* e : profile.elementsOf(file.name)) {
        if (e->record == record) {
            return e;
        }
    }
    return nullptr;
}

namespace {
/** Reads one TLV at `pos` of `data` as record `record` expecting `e`; returns the value and
 * advances `pos`. */
Bytes takeTlv(const FileSpec& file, std::size_t record, const ElementSpec& e, ByteView data,
    std::size_t& pos) {
    if (data.size() - pos < 2) {
        throw RecordError(file.name, record,
            num(data.size() - pos) + " byte(s) where the element " + named(e)
                + " needs a tag and a length");
    }
    const std::uint8_t tag = data[pos];
    const std::size_t len = data[pos + 1];
    if (tag != e.tag) {
        throw RecordError(file.name, record,
            "tag " + hex1(tag) + " where the layout has " + named(e) + " (another record?)");
    }
    if (len != e.length) {
        throw RecordError(file.name, record,
            "the TLV says " + num(len) + " value bytes, the element " + named(e) + " has "
                + num(e.length));
    }
    if (len > data.size() - pos - 2) {
        throw RecordError(file.name, record,
            "the TLV's " + num(len) + " value bytes run past the answer ("
                + num(data.size() - pos - 2) + " left)");
    }
    Bytes value(data.begin() + static_cast<std::ptrdiff_t>(pos + 2),
        data.begin() + static_cast<std::ptrdiff_t>(pos + 2 + len));
    pos += 2 + len;
    return value;
}
} // namespace

Bytes parseTlvRecord(
    const FileSpec& file, std::size_t record, const ElementSpec& expected, ByteView data) {
    if (data.empty()) {
        throw RecordError(file.name, record, "the card answered 9000 without data");
    }
    std::size_t pos = 0;
    Bytes value = takeTlv(file, record, expected, data, pos);
    for (; pos < data.size(); ++pos) {
        if (!padding(data[pos])) {
            throw RecordError(file.name, record,
                num(data.size() - pos) + " byte(s) after the element " + named(expected)
                    + " that are not padding (00/FF)");
        }
    }
    return value;
}

ElementValues parseTlvBulk(
    const CardProfile& profile, const FileSpec& file, std::size_t first, ByteView data) {
    ElementValues out;
    std::size_t pos = 0;
    for (std::size_t record = first; record <= file.records; ++record) {
        while (pos < data.size() && padding(data[pos])) {
            ++pos;
        }
        if (pos == data.size()) {
            break; // fewer records than the layout: requireAllElements names the first missing
        }
        const ElementSpec* e = elementOfRecord(profile, file, record);
        if (!e) {
            throw RecordError(file.name, record, "the card profile has no element for it");
        }
        out[e->tag] = takeTlv(file, record, *e, data, pos);
    }
    return out;
}

void requireAllElements(
    const CardProfile& profile, const FileSpec& file, const ElementValues& values) {
    for (std::size_t record = 1; record <= file.records; ++record) {
        const ElementSpec* e = elementOfRecord(profile, file, record);
        if (e && !values.contains(e->tag)) {
            throw RecordError(file.name, record,
                "the element " + named(*e) + " is missing (the card answered fewer records)");
        }
    }
}

std::vector<Bytes> splitFixedRecords(const FileSpec& file, std::size_t first, ByteView data) {
    const std::size_t size = file.size;
    if (size == 0) {
        throw RecordError(file.name, first, "the card profile gives the file no record size");
    }
    if (data.size() % size != 0) {
        throw RecordError(file.name, first + data.size() / size,
            num(data.size()) + " bytes from record " + num(first) + " are not whole " + num(size)
                + "-byte records");
    }
    const std::size_t count = data.size() / size;
    if (first == 0 || first - 1 + count > file.records) {
        throw RecordError(file.name, first + (count ? count - 1 : 0),
            num(count) + " records from record " + num(first) + " are more than the file's "
                + num(file.records));
    }
    std::vector<Bytes> out;
    for (std::size_t i = 0; i < data.size(); i += size) {
        out.emplace_back(data.begin() + static_cast<std::ptrdiff_t>(i),
            data.begin() + static_cast<std::ptrdiff_t>(i + size));
    }
    return out;
}

void checkFixedRecord(const FileSpec& file, std::size_t record, ByteView data) {
    if (data.size() != file.size) {
        throw RecordError(file.name, record,
            num(data.size()) + " bytes where the file's records have " + num(file.size));
    }
}

} // namespace hc::card::health
