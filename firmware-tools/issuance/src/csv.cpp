// RFC 4180 CSV reader: a single pass over the bytes, every index checked against the size.
#include "hc/issuance/csv.hpp"

#include "hc/card/error.hpp"

namespace hc::issuance {

namespace {
[[noreturn]] void fail(std::size_t line, std::size_t col, const std::string& what) {
    throw hc::InputError(
        "CSV line " + std::to_string(line) + " column " + std::to_string(col) + ": " + what);
}
} // namespace

std::vector<CsvRow> parseCsv(std::string_view text, const CsvLimits& limits) {
    std::vector<CsvRow> rows;
    std::size_t i = 0;
    const std::size_t n = text.size();
    if (n >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") {
        i = 3;
    }
    std::size_t line = 1;
    std::size_t lineStart = i;
    auto col = [&] { return i - lineStart + 1; };

    while (i < n) {
        // Skip blank lines between records.
        if (text[i] == '\n' || (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n')) {
            i += text[i] == '\r' ? std::size_t { 2 } : std::size_t { 1 };
            ++line;
            lineStart = i;
            continue;
        }
        CsvRow row;
        row.line = line;
        bool endOfRecord = false;
        while (!endOfRecord) {
            std::string field;
            if (i < n && text[i] == '"') {
                ++i;
                bool closed = false;
                while (i < n) {
                    const char c = text[i];
                    if (c == '"') {
                        if (i + 1 < n && text[i + 1] == '"') {
                            field.push_back('"');
                            i += 2;
                            continue;
                        }
                        ++i;
                        closed = true;
                        break;
                    }
                    if (c == '\0') {
                        fail(line, col(), "NUL byte");
                    }
                    if (c == '\n') {
                        ++line;
                        lineStart = i + 1;
                    }
                    field.push_back(c);
                    ++i;
                    if (field.size() > limits.maxFieldBytes) {
                        fail(line, col(),
                            "field longer than " + std::to_string(limits.maxFieldBytes) + " bytes");
                    }
                }
                if (!closed) {
                    fail(row.line, 1, "quoted field not closed before the end of the input");
                }
                if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
                    fail(line, col(), "text after a closing quote");
                }
            } else {
                while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
                    const char c = text[i];
                    if (c == '"') {
                        fail(line, col(), "quote inside an unquoted field");
                    }
                    if (c == '\0') {
                        fail(line, col(), "NUL byte");
                    }
                    field.push_back(c);
                    ++i;
                    if (field.size() > limits.maxFieldBytes) {
                        fail(line, col(),
                            "field longer than " + std::to_string(limits.maxFieldBytes) + " bytes");
                    }
                }
            }
            row.fields.push_back(std::move(field));
            if (row.fields.size() > limits.maxFields) {
                fail(line, col(), "more than " + std::to_string(limits.maxFields) + " fields");
            }
            if (i >= n) {
                endOfRecord = true;
            } else if (text[i] == ',') {
                ++i;
            } else if (text[i] == '\n') {
                ++i;
                ++line;
                lineStart = i;
                endOfRecord = true;
            } else { // '\r'
                if (i + 1 < n && text[i + 1] == '\n') {
                    i += 2;
                    ++line;
                    lineStart = i;
                    endOfRecord = true;
                } else {
                    fail(line, col(), "carriage return not followed by a line feed");
                }
            }
        }
        rows.push_back(std::move(row));
        if (rows.size() > limits.maxRows) {
            fail(line, 1, "more than " + std::to_string(limits.maxRows) + " records");
        }
    }
    return rows;
}

std::string csvQuote(std::string_view field) {
    if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
        return std::string(field);
    }
    std::string out = "\"";
    for (char c : field) {
        if (c == '"') {
            out.push_back('"');
        }
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

} // namespace hc::issuance
