// The health-card record parsers of both addressing modes (records.hpp): a record read on its
// own (by number or by identifier) and the answer to READ RECORD P2=05 from a record, for every
// TLV file of the default profile, plus the fixed-size record files. Input: byte 0 picks the
// file, byte 1 the mode and the first record, the rest is the card's answer.
// Invariants: only RecordError escapes, and it names the file; a parsed value has exactly its
// element's length and belongs to the file; a bulk parse never returns an element of a record
// before `first`; split fixed records are each file.size bytes.
#include "hc/card/error.hpp"
#include "hc/card/health/records.hpp"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace hc::card::health;
    static const CardProfile profile = CardProfile::ws543_2017();
    if (size < 2) {
        return 0;
    }
    const FileSpec& file = profile.files[data[0] % profile.files.size()];
    const std::size_t records = std::max<std::size_t>(file.records, 1);
    const std::size_t first = 1 + (data[1] >> 2) % records;
    const hc::ByteView answer(data + 2, size - 2);
    try {
        if (file.kind == FileKind::TlvRecords) {
            if ((data[1] & 0x03) == 0) {
                const ElementSpec* e = elementOfRecord(profile, file, first);
                if (!e) {
                    std::abort(); // the default profile has an element in every record
                }
                const auto v = parseTlvRecord(file, first, *e, answer);
                if (v.size() != e->length) {
                    std::abort();
                }
            } else {
                const auto values = parseTlvBulk(profile, file, first, answer);
                for (const auto& [tag, value] : values) {
                    const ElementSpec* e = profile.element(tag);
                    if (!e || e->file != file.name || e->record < first
                        || value.size() != e->length) {
                        std::abort();
                    }
                }
                if ((data[1] & 0x03) == 3) {
                    requireAllElements(profile, file, values);
                }
            }
        } else if (file.kind == FileKind::CyclicRecords || file.kind == FileKind::IndexRecords) {
            if ((data[1] & 0x01) == 0) {
                checkFixedRecord(file, first, answer);
            } else {
                for (const auto& r : splitFixedRecords(file, first, answer)) {
                    if (r.size() != file.size) {
                        std::abort();
                    }
                }
            }
        }
    } catch (const RecordError& e) {
        if (e.file() != file.name || std::string(e.what()).find(file.name) != 0) {
            std::abort();
        }
    }
    return 0;
}
