#include "hc/base/sql/dialect.hpp"

namespace hc::sql {

std::string placeholders(std::string_view sql, Dialect dialect) {
    if (dialect == Dialect::Sqlite) {
        return std::string(sql);
    }
    std::string out;
    out.reserve(sql.size() + 16);
    int next = 0;
    char quote = 0;
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (quote != 0) {
            quote = c == quote ? 0 : quote;
            out.push_back(c);
        } else if (c == '\'' || c == '"') {
            quote = c;
            out.push_back(c);
        } else if (c == '?') {
            std::size_t j = i + 1;
            while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') {
                ++j;
            }
            out.push_back('$');
            if (j > i + 1) {
                out.append(sql.substr(i + 1, j - i - 1)); // ?N: numbered
                i = j - 1;
            } else {
                out += std::to_string(++next);
            }
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string returning(Dialect dialect, std::string_view column) {
    return dialect == Dialect::Sqlite ? std::string() : " RETURNING " + std::string(column);
}

const char* autoKey(Dialect dialect) noexcept {
    return dialect == Dialect::Sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT"
                                      : "BIGSERIAL PRIMARY KEY";
}

const char* integerType(Dialect dialect) noexcept {
    return dialect == Dialect::Sqlite ? "INTEGER" : "BIGINT";
}

const char* blobType(Dialect dialect) noexcept {
    return dialect == Dialect::Sqlite ? "BLOB" : "BYTEA";
}

const char* beginWrite(Dialect dialect) noexcept {
    return dialect == Dialect::Sqlite ? "BEGIN IMMEDIATE" : "BEGIN ISOLATION LEVEL READ COMMITTED";
}

std::string lockRows(Dialect dialect, std::string_view of) {
    if (dialect == Dialect::Sqlite) {
        return {};
    }
    return of.empty() ? std::string(" FOR UPDATE SKIP LOCKED")
                      : " FOR UPDATE OF " + std::string(of) + " SKIP LOCKED";
}

const char* lockRow(Dialect dialect) noexcept {
    return dialect == Dialect::Sqlite ? "" : " FOR UPDATE";
}

std::string indexedBy(Dialect dialect, std::string_view index) {
    return dialect == Dialect::Sqlite ? " INDEXED BY " + std::string(index) : std::string();
}

} // namespace hc::sql
