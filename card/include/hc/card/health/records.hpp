// Record parsers of the health-card files, for both addressing modes: one record per READ RECORD
// (by number or by identifier) and all records from P1 in one answer (P2 = 05). They check the
// card's answer against the layout the profile describes and say exactly what was wrong, naming
// the file and the record: a length that disagrees with the element, a TLV running past the
// answer, a record holding another tag. A file is returned whole or not at all: callers never see
// half of an identity.
//
// Pure functions of their arguments (fuzzed: tests/fuzz/health_record_parser_fuzz.cpp); any
// thread.
#pragma once

#include "hc/card/error.hpp"
#include "hc/card/health/model.hpp"
#include "hc/card/health/profile.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace hc::card::health {

/** The card answered a record that does not fit the file's layout. */
class RecordError : public hc::Error {
public:
    /** `record` is 1-based; `what` says what was wrong with it. */
    RecordError(std::string file, std::size_t record, const std::string& what);
    /** "DDF1/EF05" */
    const std::string& file() const { return m_file; }
    /** The record (1-based). */
    std::size_t record() const { return m_record; }

private:
    std::string m_file;
    std::size_t m_record;
};

/** The value of the one simple-TLV element in a record read on its own (by number or by
 * identifier). `expected` is the element the profile puts there: the tag must be its tag, the
 * length byte its length, and the element must fit the answer; 00 or FF bytes may follow it
 * (fixed-size records are padded). Throws RecordError. */
Bytes parseTlvRecord(
    const FileSpec& file, std::size_t record, const ElementSpec& expected, ByteView data);

/** The element values in the answer to READ RECORD P2 = 05 from record `first`: one simple-TLV
 * element per record, in record order (00/FF padding between them is skipped). Each element must
 * be the one the profile puts in that record, with its length. Elements after the last record of
 * the profile are ignored (a card may hold more than the public layout). Throws RecordError. */
ElementValues parseTlvBulk(
    const CardProfile& profile, const FileSpec& file, std::size_t first, ByteView data);

/** The element of `file` the profile puts in `record`, or nullptr. */
const ElementSpec* elementOfRecord(
    const CardProfile& profile, const FileSpec& file, std::size_t record);

/** Throws RecordError for the first record of `file` whose element is not in `values`. */
void requireAllElements(
    const CardProfile& profile, const FileSpec& file, const ElementValues& values);

/** The fixed-size records (file.size bytes each) in the answer to READ RECORD P2 = 05 from record
 * `first`. Throws RecordError when the answer is not whole records or holds more than the file. */
std::vector<Bytes> splitFixedRecords(const FileSpec& file, std::size_t first, ByteView data);

/** Checks one fixed-size record read on its own: exactly file.size bytes. Throws RecordError. */
void checkFixedRecord(const FileSpec& file, std::size_t record, ByteView data);

} // namespace hc::card::health
