// Reading and validating a batch of resident records (CSV or JSON), and the reject file.
#include "hc/issuance/batch_input.hpp"

#include "hc/base/json_in.hpp"
#include "hc/card/health/codec.hpp"
#include "hc/card/health/model.hpp"
#include "hc/card/health/validation.hpp"
#include "hc/issuance/csv.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <sstream>

namespace hc::issuance {

namespace health = hc::card::health;
namespace json = boost::json;

std::optional<std::string> InputRow::get(std::string_view column) const {
    for (const auto& [k, v] : fields) {
        if (k == column) {
            return v;
        }
    }
    return std::nullopt;
}

const std::vector<std::string>& residentColumns() {
    static const std::vector<std::string> cols
        = { "id_number", "name", "sex", "ethnicity", "birth_date", "phone", "address" };
    return cols;
}

namespace {
constexpr std::size_t kRequired = 5;

void checkColumn(const std::string& c, std::vector<std::string>& seen, const std::string& where) {
    const auto& cols = residentColumns();
    if (std::find(cols.begin(), cols.end(), c) == cols.end()) {
        throw hc::InputError(where + ": unknown column '" + c + "'");
    }
    if (std::find(seen.begin(), seen.end(), c) != seen.end()) {
        throw hc::InputError(where + ": column '" + c + "' given twice");
    }
    seen.push_back(c);
}

std::string trim(std::string s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) {
        return {};
    }
    const auto e = s.find_last_not_of(" \t");
    return s.substr(b, e - b + 1);
}
} // namespace

std::vector<InputRow> readCsvRows(std::string_view text) {
    const auto csv = parseCsv(text);
    if (csv.empty()) {
        throw hc::InputError("CSV: no header row");
    }
    std::vector<std::string> header;
    for (const auto& f : csv[0].fields) {
        checkColumn(trim(f), header, "CSV header");
    }
    for (std::size_t k = 0; k < kRequired; ++k) {
        if (std::find(header.begin(), header.end(), residentColumns()[k]) == header.end()) {
            throw hc::InputError(
                "CSV header: required column '" + residentColumns()[k] + "' missing");
        }
    }
    std::vector<InputRow> rows;
    for (std::size_t r = 1; r < csv.size(); ++r) {
        if (csv[r].fields.size() != header.size()) {
            throw hc::InputError("CSV line " + std::to_string(csv[r].line) + ": "
                + std::to_string(csv[r].fields.size()) + " fields, the header has "
                + std::to_string(header.size()));
        }
        InputRow row;
        row.row = csv[r].line;
        for (std::size_t c = 0; c < header.size(); ++c) {
            row.fields.emplace_back(header[c], trim(csv[r].fields[c]));
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

std::vector<InputRow> readJsonRows(std::string_view text) {
    // The batch is read whole, as a CSV batch is; the limit only stops a runaway file (a batch of
    // a million residents is about 200 MB).
    const auto v = hc::parseJson(text, "JSON batch", { 1024 * 1024 * 1024, 32 });
    const json::array* arr = nullptr;
    if (v.is_array()) {
        arr = &v.as_array();
    } else if (v.is_object() && v.as_object().if_contains("residents")
        && v.as_object().at("residents").is_array()) {
        arr = &v.as_object().at("residents").as_array();
    } else {
        throw hc::InputError(
            "JSON batch: an array of residents or {\"residents\": [...]} expected");
    }
    std::vector<InputRow> rows;
    std::size_t index = 0;
    for (const auto& item : *arr) {
        ++index;
        const std::string where = "JSON batch item " + std::to_string(index);
        if (!item.is_object()) {
            throw hc::InputError(where + ": not an object");
        }
        InputRow row;
        row.row = index;
        std::vector<std::string> seen;
        for (const auto& [k, val] : item.as_object()) {
            const std::string key(k);
            checkColumn(key, seen, where);
            std::string s;
            if (val.is_string()) {
                s = std::string(val.as_string());
            } else if (val.is_int64()) {
                s = std::to_string(val.as_int64());
            } else if (val.is_uint64()) {
                s = std::to_string(val.as_uint64());
            } else if (!val.is_null()) {
                throw hc::InputError(where + ": " + key + " must be a string or an integer");
            }
            row.fields.emplace_back(key, trim(s));
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

std::vector<InputRow> readResidentFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw hc::InputError("cannot read " + path.string());
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    if (path.extension() == ".json") {
        return readJsonRows(text);
    }
    return readCsvRows(text);
}

namespace {

std::string detailOf(const health::ValidationError& e) {
    const std::string what = e.what();
    const std::string prefix = e.field() + ": " + e.rule() + ": ";
    return what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what;
}

std::optional<int> smallInt(const std::string& s) {
    if (s.empty() || s.size() > 3 || s.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    return std::stoi(s);
}

} // namespace

PreparedBatch validateBatch(const std::vector<InputRow>& rows, const ActiveCardLookup& activeCard) {
    PreparedBatch out;
    std::map<std::string, std::size_t> firstRowOf; // ID number -> row
    for (const auto& in : rows) {
        ++out.rowsRead;
        std::vector<Reject> rj;
        auto reject = [&](std::string field, std::string rule, std::string detail) {
            rj.push_back({ in.row, std::move(field), std::move(rule), std::move(detail) });
        };
        auto text = [&](const char* col) { return in.get(col).value_or(""); };

        ResidentRecord r;
        r.idNumber = text("id_number");
        r.name = text("name");
        r.birthDate = text("birth_date");
        r.phone = text("phone");
        r.address = text("address");

        // Identity number on its own.
        bool idOk = false;
        if (r.idNumber.empty()) {
            reject("id_number", "required", "empty");
        } else {
            if (r.idNumber.back() == 'x') {
                r.idNumber.back() = 'X';
            }
            try {
                health::checkCitizenId(r.idNumber, "id_number");
                idOk = true;
            } catch (const health::ValidationError& e) {
                reject("id_number", e.rule(), detailOf(e));
            }
        }
        // Sex.
        std::optional<health::Sex> sex;
        if (auto v = smallInt(text("sex"))) {
            try {
                sex = health::checkSex(*v, "sex");
                r.sex = *v;
            } catch (const health::ValidationError& e) {
                reject("sex", e.rule(), detailOf(e));
            }
        } else {
            reject("sex", "GB/T 2261.1", "'" + text("sex") + "' is not a code (0, 1, 2, 9)");
        }
        // Ethnic group.
        if (auto v = smallInt(text("ethnicity"))) {
            try {
                health::checkEthnicGroup(*v, "ethnicity");
                r.ethnicity = *v;
            } catch (const health::ValidationError& e) {
                reject("ethnicity", e.rule(), detailOf(e));
            }
        } else {
            reject(
                "ethnicity", "GB 3304", "'" + text("ethnicity") + "' is not an ethnic group code");
        }
        // Birth date: a date, and the ID's.
        bool dateOk = false;
        try {
            health::checkDate(r.birthDate, "birth_date");
            dateOk = true;
        } catch (const health::ValidationError& e) {
            reject("birth_date", e.rule(), detailOf(e));
        }
        if (idOk && dateOk) {
            if (r.idNumber.substr(6, 8) != r.birthDate) {
                reject("birth_date", "birth date mismatch",
                    "differs from the birth date in the ID number");
            } else if (sex) {
                try {
                    health::checkCitizenIdAgainstHolder(r.idNumber, r.birthDate, sex, "id_number");
                } catch (const health::ValidationError& e) {
                    reject("sex", e.rule(), detailOf(e));
                }
            }
        }
        // Text fields: GBK and the card's lengths.
        if (r.name.empty()) {
            reject("name", "required", "empty");
        }
        const std::pair<const char*, std::size_t> texts[]
            = { { "name", 30 }, { "phone", 20 }, { "address", 100 } };
        for (const auto& [col, len] : texts) {
            const std::string v = text(col);
            if (v.empty()) {
                continue;
            }
            try {
                health::encodeAn(v, len, col);
            } catch (const health::ValidationError& e) {
                reject(col, e.rule() == "AN length" ? "field too long" : "not encodable in GBK",
                    detailOf(e));
            }
        }
        // The same person twice in the batch; a person holding an active card.
        if (idOk) {
            const auto [it, fresh] = firstRowOf.emplace(r.idNumber, in.row);
            if (!fresh) {
                reject("id_number", "duplicate in batch",
                    "same person as row " + std::to_string(it->second));
            } else if (activeCard) {
                if (auto held = activeCard(r.idNumber)) {
                    reject("id_number", "already holds an active card", *held);
                }
            }
        }

        if (rj.empty()) {
            out.accepted.push_back({ in.row, std::move(r) });
        } else {
            ++out.rowsRejected;
            for (auto& x : rj) {
                out.rejects.push_back(std::move(x));
            }
        }
    }
    return out;
}

void writeRejectFile(const std::filesystem::path& path, const std::vector<Reject>& rejects) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) {
        throw hc::InputError("cannot write the reject file " + path.string());
    }
    out << "row,field,rule,detail\n";
    for (const auto& r : rejects) {
        out << r.row << ',' << csvQuote(r.field) << ',' << csvQuote(r.rule) << ','
            << csvQuote(r.detail) << '\n';
    }
    if (!out.flush()) {
        throw hc::InputError("cannot write the reject file " + path.string());
    }
}

} // namespace hc::issuance
