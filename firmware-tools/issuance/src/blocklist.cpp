// The blocklist: text and JSON forms sharing one SM3 digest over the text body.
#include "hc/issuance/blocklist.hpp"

#include "hc/base/bytes.hpp"
#include "hc/base/crypto/digest.hpp"
#include "hc/base/error.hpp"
#include "hc/base/json_in.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <ctime>
#include <limits>
#include <memory>
#include <sstream>

namespace hc::issuance {

std::string sm3Hex(std::string_view data) {
    try {
        return hc::crypto::toLowerHex(hc::crypto::sm3(data));
    } catch (const hc::Error&) {
        throw hc::Error("SM3 is not available in this OpenSSL", hc::NextStep::CheckConfiguration);
    }
}

namespace {
const char* kFormat = "hc-blocklist/1";

std::string body(const Blocklist& b) {
    std::string s = std::string(kFormat) + "\nversion " + std::to_string(b.version) + "\ndate "
        + b.date + "\ncount " + std::to_string(b.entries.size()) + "\n";
    for (const auto& e : b.entries) {
        s += e.cardNo + " " + e.status + "\n";
    }
    return s;
}

bool validStatus(std::string_view s) {
    return s == "lost" || s == "blocked" || s == "replaced";
}

void checkEntry(const BlocklistEntry& e, std::size_t where) {
    if (e.cardNo.size() != 18 || e.cardNo.find_first_not_of("0123456789") != std::string::npos
        || !validStatus(e.status)) {
        throw hc::InputError("blocklist entry " + std::to_string(where)
            + ": an 18-digit card number and lost|blocked|replaced expected");
    }
}

void checkSorted(const Blocklist& b) {
    for (std::size_t i = 1; i < b.entries.size(); ++i) {
        if (!(b.entries[i - 1].cardNo < b.entries[i].cardNo)) {
            throw hc::InputError("blocklist: entries not sorted by card number (or repeated)");
        }
    }
}

/** Reads the JSON form into `b`; returns the digest it claims. Field errors name the field. */
std::string fromJson(std::string_view text, Blocklist& b) {
    // A blocklist is read whole; the limit only stops a runaway file (ten million entries are
    // about 450 MB). The entries need no count limit of their own: the text limit comes first.
    const auto root = hc::parseJson(text, "(root)", { 1024 * 1024 * 1024, 32 });
    const hc::JsonIn o(root, "");
    if (o.text("format") != kFormat) {
        throw hc::InputError("blocklist: unknown format");
    }
    // A uint64 as the text form has it (JsonIn::integer stops at INT64_MAX).
    boost::system::error_code ec;
    b.version = o.need("version").to_number<std::uint64_t>(ec);
    if (ec) {
        throw hc::JsonFieldError(o.at("version"), "expected a whole number");
    }
    b.date = o.text("date", 256);
    std::size_t k = 0;
    for (const auto& item : o.objects("entries", std::numeric_limits<std::size_t>::max())) {
        BlocklistEntry e { item.text("card_no"), item.text("status") };
        checkEntry(e, ++k);
        b.entries.push_back(std::move(e));
    }
    return o.text("sm3", 128);
}

std::uint64_t parseVersion(const std::string& s) {
    if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos) {
        throw hc::InputError("blocklist: version is not a number");
    }
    return std::stoull(s);
}
} // namespace

std::string Blocklist::digest() const {
    return sm3Hex(body(*this));
}

std::string Blocklist::toText() const {
    return body(*this) + "sm3 " + digest() + "\n";
}

std::string Blocklist::toJson() const {
    boost::json::object o;
    o["format"] = kFormat;
    o["version"] = version;
    o["date"] = date;
    boost::json::array a;
    for (const auto& e : entries) {
        a.push_back(boost::json::object { { "card_no", e.cardNo }, { "status", e.status } });
    }
    o["entries"] = std::move(a);
    o["sm3"] = digest();
    return boost::json::serialize(o) + "\n";
}

bool Blocklist::isBlocked(std::string_view cardNo) const {
    auto it = std::lower_bound(entries.begin(), entries.end(), cardNo,
        [](const BlocklistEntry& e, std::string_view k) { return e.cardNo < k; });
    return it != entries.end() && it->cardNo == cardNo;
}

Blocklist Blocklist::parse(std::string_view text) {
    Blocklist b;
    std::string claimed;
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && text[first] == '{') {
        try {
            claimed = fromJson(text, b);
        } catch (const hc::JsonFieldError& e) {
            throw hc::InputError(std::string("blocklist JSON: ") + e.what());
        }
    } else {
        std::vector<std::string> lines;
        std::string cur;
        for (char c : text) {
            if (c == '\n') {
                lines.push_back(cur);
                cur.clear();
            } else {
                cur.push_back(c);
            }
        }
        if (!cur.empty()) {
            lines.push_back(cur);
        }
        if (lines.size() < 5 || lines[0] != kFormat) {
            throw hc::InputError("blocklist: not an hc-blocklist/1 text file");
        }
        auto value = [&](std::size_t i, const std::string& key) {
            if (lines[i].rfind(key + " ", 0) != 0) {
                throw hc::InputError(
                    "blocklist line " + std::to_string(i + 1) + ": '" + key + "' expected");
            }
            return lines[i].substr(key.size() + 1);
        };
        b.version = parseVersion(value(1, "version"));
        b.date = value(2, "date");
        const std::uint64_t count = parseVersion(value(3, "count"));
        if (count != lines.size() - 5) {
            throw hc::InputError("blocklist: count says " + std::to_string(count)
                + ", the file has " + std::to_string(lines.size() - 5) + " entries");
        }
        for (std::size_t i = 4; i + 1 < lines.size(); ++i) {
            const auto sp = lines[i].find(' ');
            if (sp == std::string::npos) {
                throw hc::InputError(
                    "blocklist line " + std::to_string(i + 1) + ": '<card no> <status>' expected");
            }
            BlocklistEntry e { lines[i].substr(0, sp), lines[i].substr(sp + 1) };
            checkEntry(e, i - 3);
            b.entries.push_back(std::move(e));
        }
        claimed = value(lines.size() - 1, "sm3");
    }
    checkSorted(b);
    if (claimed != b.digest()) {
        throw hc::InputError("blocklist: the SM3 digest does not match (damaged or altered file)");
    }
    return b;
}

Blocklist exportBlocklist(IssuanceRegister& reg) {
    Blocklist b;
    b.version = reg.lastEventId();
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm {};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    b.date = buf;
    for (const auto& e : reg.blocklisted()) {
        b.entries.push_back({ e.cardNo, std::string(describe(e.status)) });
    }
    std::sort(b.entries.begin(), b.entries.end(),
        [](const BlocklistEntry& x, const BlocklistEntry& y) { return x.cardNo < y.cardNo; });
    return b;
}

} // namespace hc::issuance
