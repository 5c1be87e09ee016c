#include "hc/settle/detail_match.hpp"

#include "hc/settle/error.hpp"

#include <algorithm>
#include <cstring>

namespace hc::settle {

namespace {

void copyId(std::array<char, 31>& to, std::string_view id, const char* field, bool required) {
    if (id.size() > 30 || (required && id.empty())) {
        throw InputError(field, "1 to 30 bytes");
    }
    std::memcpy(to.data(), id.data(), id.size());
    to[id.size()] = '\0';
}

bool lessByMsgid(const DetailRow& a, const DetailRow& b) noexcept {
    return std::strcmp(a.msgid.data(), b.msgid.data()) < 0;
}

} // namespace

DetailRow makeDetailRow(std::string_view msgid, std::string_view setlId, DetailStatus status,
    Fen medfee, Fen fund, Fen acct) {
    DetailRow r;
    copyId(r.msgid, msgid, "msgid", true);
    copyId(r.setlId, setlId, "setl_id", false);
    r.status = status;
    r.medfee = medfee;
    r.fund = fund;
    r.acct = acct;
    return r;
}

DetailRow parseCenterDetailLine(std::string_view line, std::size_t lineNo) {
    std::array<std::string_view, 6> f;
    std::size_t n = 0;
    while (n < f.size()) {
        const auto tab = line.find('\t');
        f[n++] = line.substr(0, tab);
        if (tab == std::string_view::npos) {
            break;
        }
        line.remove_prefix(tab + 1);
    }
    const auto where = "detail line " + std::to_string(lineNo);
    if (n != f.size() || line.find('\t') != std::string_view::npos) {
        throw InputError(where, "expected 6 TAB-separated columns");
    }
    DetailStatus st = DetailStatus::Settled;
    if (f[5] == "CANCELLED") {
        st = DetailStatus::Cancelled;
    } else if (f[5] == "REVERSED") {
        st = DetailStatus::Reversed;
    } else if (f[5] != "OK") {
        throw InputError(where + ".status", "expected OK, CANCELLED or REVERSED");
    }
    Fen amounts[3] = {};
    for (std::size_t i = 0; i < 3; ++i) {
        try {
            amounts[i] = parseYuan(f[2 + i]);
        } catch (const std::exception& e) {
            throw InputError(where + (i == 0 ? ".medfee" : i == 1 ? ".fund" : ".acct"), e.what());
        }
    }
    try {
        return makeDetailRow(f[0], f[1], st, amounts[0], amounts[1], amounts[2]);
    } catch (const InputError& e) {
        throw InputError(where + "." + e.field(), "1 to 30 bytes");
    }
}

void DetailMatcher::reserve(std::size_t local, std::size_t center) {
    m_local.reserve(local);
    m_center.reserve(center);
}

std::size_t DetailMatcher::readCenterList(std::istream& in) {
    std::string line;
    std::size_t lineNo = 0, rows = 0;
    while (std::getline(in, line)) {
        ++lineNo;
        if (line.empty()) {
            continue;
        }
        addCenter(parseCenterDetailLine(line, lineNo));
        ++rows;
    }
    return rows;
}

std::size_t DetailMatcher::readLocalDay(StoreTransaction& tx, const std::string& date) {
    std::size_t rows = 0;
    tx.forEachSettlementOfDay(date, [&](const SettlementRecord& r) {
        DetailStatus st;
        switch (r.status) {
        case SettlementStatus::Settled:
            st = DetailStatus::Settled;
            break;
        case SettlementStatus::Cancelled:
            st = DetailStatus::Cancelled;
            break;
        case SettlementStatus::Reversed:
            st = DetailStatus::Reversed;
            break;
        default:
            return; // pending, provisional, self-pay, failed: not claimed from the center
        }
        addLocal(makeDetailRow(r.msgid, r.setlId, st, r.medfee, r.fund, r.acct));
        ++rows;
    });
    return rows;
}

MatchSummary DetailMatcher::match(
    const std::function<void(ReconClass, const DetailRow*, const DetailRow*)>& onDiff) {
    std::sort(m_local.begin(), m_local.end(), lessByMsgid);
    std::sort(m_center.begin(), m_center.end(), lessByMsgid);
    const auto checkUnique = [](const std::vector<DetailRow>& v, const char* side) {
        const auto dup = std::adjacent_find(v.begin(), v.end(),
            [](const DetailRow& a, const DetailRow& b) { return a.msgidView() == b.msgidView(); });
        if (dup != v.end()) {
            throw InputError(side, "msgid " + std::string(dup->msgidView()) + " listed twice");
        }
    };
    checkUnique(m_local, "local details");
    checkUnique(m_center, "center details");
    MatchSummary s;
    s.local = static_cast<std::int64_t>(m_local.size());
    s.center = static_cast<std::int64_t>(m_center.size());
    std::size_t i = 0, j = 0;
    const auto emit = [&](ReconClass c, const DetailRow* l, const DetailRow* r) {
        ++s.counts[c];
        if (c != ReconClass::Balanced && onDiff) {
            onDiff(c, l, r);
        }
    };
    while (i < m_local.size() || j < m_center.size()) {
        const int cmp = i == m_local.size() ? 1
            : j == m_center.size()          ? -1
                                   : std::strcmp(m_local[i].msgid.data(), m_center[j].msgid.data());
        if (cmp < 0) {
            const auto& l = m_local[i++];
            // A row we hold as cancelled/reversed that the center does not list is consistent.
            emit(l.status == DetailStatus::Settled ? ReconClass::LocalOnly : ReconClass::Balanced,
                &l, nullptr);
        } else if (cmp > 0) {
            const auto& c = m_center[j++];
            emit(c.status == DetailStatus::Settled ? ReconClass::CenterOnly : ReconClass::Balanced,
                nullptr, &c);
        } else {
            const auto& l = m_local[i++];
            const auto& c = m_center[j++];
            if (l.status != c.status) {
                emit(ReconClass::StatusMismatch, &l, &c);
            } else if (l.medfee != c.medfee || l.fund != c.fund || l.acct != c.acct) {
                emit(ReconClass::AmountMismatch, &l, &c);
            } else {
                emit(ReconClass::Balanced, &l, &c);
            }
        }
    }
    return s;
}

} // namespace hc::settle
