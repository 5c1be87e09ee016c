#include "hc/settle/reconcile.hpp"

#include "hc/settle/detail_match.hpp"
#include "hc/settle/json_in.hpp"
#include "hc/settle/wire_json.hpp"
#include "hc/settle/zip_file.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace hc::settle {

namespace json = boost::json;

const char* reconClassName(ReconClass c) noexcept {
    switch (c) {
    case ReconClass::Balanced:
        return "balanced";
    case ReconClass::CenterOnly:
        return "center_only";
    case ReconClass::LocalOnly:
        return "local_only";
    case ReconClass::AmountMismatch:
        return "amount_mismatch";
    case ReconClass::StatusMismatch:
        return "status_mismatch";
    case ReconClass::Held:
        return "held";
    }
    return "?";
}

int parseStmtResult(std::string_view code) {
    if (code == "0" || code == "000000") {
        return 0;
    }
    if (code == "1" || code == "000101") {
        return 1;
    }
    if (code == "2" || code == "000102") {
        return 2;
    }
    if (code == "3" || code == "000103") {
        return 3;
    }
    throw InputError("stmt_rslt", "unknown result code '" + std::string(code) + "'");
}

namespace {

struct Group {
    Fen medfee = 0, fund = 0, acct = 0;
    std::int64_t count = 0;
};

std::map<std::pair<std::string, std::string>, Group> settledTotals(
    const std::vector<SettlementRecord>& rows) {
    std::map<std::pair<std::string, std::string>, Group> g;
    for (const auto& r : rows) {
        if (r.status == SettlementStatus::Settled) {
            auto& x = g[{ r.insutype, r.clrType }];
            x.medfee += r.medfee;
            x.fund += r.fund;
            x.acct += r.acct;
            ++x.count;
        }
    }
    if (g.empty()) {
        g[{ "390", "11" }] = Group {};
    }
    return g;
}

bool totalsBalanced(
    CenterGateway& gw, const std::vector<SettlementRecord>& rows, const std::string& date) {
    bool all = true;
    for (const auto& [key, t] : settledTotals(rows)) {
        json::object data { { "insutype", key.first }, { "clr_type", key.second },
            { "setl_optins", gw.context().mdtrtareaAdmvs }, { "stmt_begndate", date },
            { "stmt_enddate", date }, { "medfee_sumamt", wireAmount(t.medfee) },
            { "fund_pay_sumamt", wireAmount(t.fund) }, { "acct_pay", wireAmount(t.acct) },
            { "fixmedins_setl_cnt", t.count }, { "refd_setl_flag", "0" } };
        const auto out = gw.call("3201", json::object { { "data", std::move(data) } });
        const JsonIn info(out.at("stmtinfo"), "output.stmtinfo");
        all = all && parseStmtResult(info.str("stmt_rslt", 8)) == 0;
    }
    return all;
}

void storeReport(LedgerStore& store, const ReconReport& report) {
    auto tx = store.begin();
    auto j = reportToJson(report);
    j["run_ms"] = nowMs();
    tx->putDoc("recon_report", report.date, json::serialize(j));
    tx->commit();
}

std::vector<std::string> splitTabs(const std::string& line) {
    std::vector<std::string> f;
    std::string cell;
    std::istringstream ss(line);
    while (std::getline(ss, cell, '\t')) {
        f.push_back(cell);
    }
    if (!line.empty() && line.back() == '\t') {
        f.emplace_back();
    }
    return f;
}

} // namespace

namespace {

// UTC midnight at the start of yyyy-mm-dd, in ms since the epoch; throws InputError.
std::int64_t dayStartMs(const std::string& date) {
    int y = 0;
    unsigned m = 0, d = 0;
    if (date.size() != 10 || std::sscanf(date.c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3) {
        throw InputError("date", "expected yyyy-mm-dd");
    }
    const std::chrono::year_month_day ymd { std::chrono::year { y }, std::chrono::month { m },
        std::chrono::day { d } };
    if (!ymd.ok()) {
        throw InputError("date", "not a calendar date");
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::sys_days { ymd }.time_since_epoch())
        .count();
}

// The UTC time inside a msgid (code(12) + yyyyMMddHHmmss + seq(4)), or nullopt.
std::optional<std::int64_t> msgidTimeMs(const std::string& msgid) {
    if (msgid.size() != 30) {
        return std::nullopt;
    }
    const auto t = msgid.substr(12, 14);
    if (t.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    try {
        const auto day = dayStartMs(t.substr(0, 4) + "-" + t.substr(4, 2) + "-" + t.substr(6, 2));
        return day
            + ((std::stoll(t.substr(8, 2)) * 60 + std::stoll(t.substr(10, 2))) * 60
                  + std::stoll(t.substr(12, 2)))
            * 1000;
    } catch (const Error&) {
        return std::nullopt;
    }
}

// Holding pool: returns true if the row is held now (first time seen near the cut-off).
bool holdNearCutoff(StoreTransaction& tx, const ReconOptions& options, const std::string& date,
    const std::string& msgid, std::optional<std::int64_t> whenMs, ReconClass cls,
    std::int64_t now) {
    if (options.holdWindow.count() <= 0 || !whenMs) {
        return false;
    }
    const auto window
        = std::chrono::duration_cast<std::chrono::milliseconds>(options.holdWindow).count();
    const auto start = dayStartMs(date);
    const auto end = start + 24LL * 3600 * 1000;
    const bool near = std::llabs(*whenMs - start) <= window || std::llabs(*whenMs - end) <= window;
    if (!near) {
        return false;
    }
    json::object hold { { "date", date }, { "class", reconClassName(cls) }, { "held_ms", now } };
    return tx.insertDoc("recon_hold", msgid, json::serialize(hold)); // false: held once already
}

} // namespace

std::vector<CenterResultLine> parseCenterResultFile(const std::string& content) {
    std::vector<CenterResultLine> out;
    std::istringstream lines(content);
    std::string line;
    std::size_t lineNo = 0;
    while (std::getline(lines, line)) {
        ++lineNo;
        if (line.empty()) {
            continue;
        }
        const auto f = splitTabs(line);
        if (f.size() != 10) {
            throw InputError("3202 result line " + std::to_string(lineNo), "expected 10 columns");
        }
        CenterResultLine r;
        r.setlId = f[2];
        r.msgid = f[3];
        r.rslt = parseStmtResult(f[4]);
        r.memo = f[6];
        try {
            r.medfee = parseYuan(f[7]);
            r.fund = parseYuan(f[8]);
            r.acct = f[9].empty() ? 0 : parseYuan(f[9]);
        } catch (const std::exception& e) {
            throw InputError("3202 result line " + std::to_string(lineNo), e.what());
        }
        out.push_back(std::move(r));
    }
    return out;
}

// Match our settled rows against the center's own numbers in its result lines. A line the
// center marked balanced that differs locally gets the local class as its result (3 for an
// amount or status difference, 1 or 2 for a missing side); a settled row of ours the center
// did not list at all becomes a local-only line. The center's non-zero codes are kept as they
// are (it may know of a status we do not). Returns how many lines were found locally.
std::int64_t matchResultLocally(
    const std::vector<SettlementRecord>& rows, std::vector<CenterResultLine>& lines) {
    DetailMatcher matcher;
    std::map<std::string, std::size_t> lineOf;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto& l = lines[i];
        if (l.msgid.empty() || l.msgid.size() > 30 || !lineOf.emplace(l.msgid, i).second) {
            continue; // not a row of ours (or listed twice): the center's code stands
        }
        if (l.rslt == 2) {
            continue; // the center has no record: no center row
        }
        DetailStatus st = DetailStatus::Settled;
        if (l.memo.rfind("status", 0) == 0) {
            st = l.memo.find("REVERSED") != std::string::npos ? DetailStatus::Reversed
                                                              : DetailStatus::Cancelled;
        }
        matcher.addCenter(makeDetailRow(l.msgid, l.setlId.empty() ? "-" : l.setlId.substr(0, 30),
            st, l.medfee, l.fund, l.acct));
    }
    for (const auto& r : rows) {
        if (r.status == SettlementStatus::Settled && !r.msgid.empty() && r.msgid.size() <= 30) {
            matcher.addLocal(makeDetailRow(r.msgid, r.setlId.empty() ? "-" : r.setlId.substr(0, 30),
                DetailStatus::Settled, r.medfee, r.fund, r.acct));
        }
    }
    std::int64_t found = 0;
    (void)matcher.match([&](ReconClass cls, const DetailRow* local, const DetailRow* center) {
        const auto msgid = std::string(local ? local->msgidView() : center->msgidView());
        const auto it = lineOf.find(msgid);
        if (it == lineOf.end()) {
            if (cls == ReconClass::LocalOnly && local) { // not in the center's result at all
                CenterResultLine l;
                l.msgid = msgid;
                l.rslt = 2;
                l.memo = "not in the center's result (found locally)";
                l.foundLocally = true;
                l.omitted = true;
                lines.push_back(std::move(l));
                ++found;
            }
            return;
        }
        auto& l = lines[it->second];
        if (l.rslt != 0) {
            return; // the center saw a difference too: its code stands
        }
        l.foundLocally = true;
        ++found;
        switch (cls) {
        case ReconClass::AmountMismatch:
            l.rslt = 3;
            l.memo = "amounts differ (found locally; the center reported balanced)";
            break;
        case ReconClass::StatusMismatch:
            l.rslt = 3;
            l.memo = std::string("status ")
                + (center && center->status == DetailStatus::Reversed ? "REVERSED" : "CANCELLED")
                + " (found locally; the center reported balanced)";
            break;
        case ReconClass::CenterOnly:
            l.rslt = 1;
            l.memo = "hospital has no settled record (found locally; the center reported "
                     "balanced)";
            break;
        default:
            l.foundLocally = false;
            --found;
            break;
        }
    });
    return found;
}

namespace {

// 9101: the file's bytes as a JSON array of byte values. The body is written as text directly
// (a json::array of millions of values would cost far more memory than the file).
std::string uploadFile(
    CenterGateway& gateway, const std::string& filename, const std::string& zip) {
    std::string bytes;
    bytes.reserve(zip.size() * 4 + 2);
    bytes += '[';
    for (std::size_t i = 0; i < zip.size(); ++i) {
        if (i != 0) {
            bytes += ',';
        }
        bytes += std::to_string(static_cast<unsigned char>(zip[i]));
    }
    bytes += ']';
    // The array goes in as a wire decimal: serializeWire writes its text as it is.
    const auto out = gateway.call("9101",
        json::object { { "fsUploadIn",
            json::object { { "in", wireDecimal(bytes) }, { "filename", filename },
                { "fixmedins_code", gateway.context().fixmedinsCode } } } });
    return JsonIn(out, "output").str("file_qury_no", 30);
}

// Reconciliation decides the settlements whose 2207 stayed UNRESOLVED (its 2601 refused or
// lost): a center-only line under its msgid is adopted through 5203 with the setl_id the
// center listed; one the center does not list at all holds nothing there and is renewed under a
// new msgid (the dispatcher sends it). The adopted lines leave the result (they balance now).
void resolveUnresolved(LedgerStore& store, CenterGateway& gateway,
    const std::vector<std::string>& unresolved, std::vector<CenterResultLine>& lines,
    ReconReport& report) {
    for (const auto& msgid : unresolved) {
        const auto line = std::find_if(lines.begin(), lines.end(),
            [&](const CenterResultLine& l) { return l.msgid == msgid && l.rslt == 1; });
        std::optional<json::object> out;
        std::string psnNo;
        {
            auto tx = store.begin();
            const auto rec = tx->settlementByMsgid(msgid);
            psnNo = rec ? rec->psnNo : "";
            tx->commit();
        }
        if (line != lines.end()) {
            out = gateway.call("5203",
                json::object { { "data",
                    json::object { { "psn_no", psnNo }, { "setl_id", line->setlId } } } });
            lines.erase(line);
        }
        auto tx = store.begin();
        if (gateway.resolveUnresolved(*tx, msgid, out ? &*out : nullptr)) {
            ReconItem item;
            item.cls = out ? ReconClass::CenterOnly : ReconClass::LocalOnly;
            item.msgid = msgid;
            item.repair = out ? "unresolved 2207 adopted from the center (5203)"
                              : "unresolved 2207: the center holds nothing; settled again under a "
                                "new msgid";
            tx->audit(nowMs(), "reconcile", "recon.unresolved", msgid, item.repair);
            ++report.counts[out ? "unresolved_adopted" : "unresolved_renewed"];
            report.items.push_back(std::move(item));
        }
        tx->commit();
    }
}

} // namespace

ReconReport reconcileDay(LedgerStore& store, CenterGateway& gateway, const std::string& date,
    const ReconOptions& options) {
    (void)dayStartMs(date); // refuse a bad date before talking to the center
    ReconReport report;
    report.date = date;
    std::vector<SettlementRecord> rows;
    {
        auto tx = store.begin();
        rows = tx->settlementsOfDay(date);
        tx->commit();
    }
    for (const auto& r : rows) {
        if (r.status == SettlementStatus::Settled) {
            ++report.localCount;
            report.localMedfee += r.medfee;
            report.localFund += r.fund;
        } else if (r.status == SettlementStatus::Pending
            || r.status == SettlementStatus::Provisional || r.status == SettlementStatus::SelfPay) {
            ReconItem held;
            held.cls = ReconClass::Held;
            held.msgid = r.msgid;
            held.localMedfee = r.medfee;
            held.localFund = r.fund;
            held.repair = "in the outbox; reconsidered next cycle";
            report.items.push_back(held);
        }
    }
    std::vector<std::string> unresolved; // msgids of settlements whose 2207 is UNRESOLVED
    {
        auto tx = store.begin();
        for (const auto& r : rows) {
            if (r.status == SettlementStatus::Pending || r.status == SettlementStatus::Provisional
                || r.status == SettlementStatus::SelfPay) {
                const auto e = tx->outboxByMsgid(r.msgid);
                if (e && e->state == OutboxState::Unresolved) {
                    unresolved.push_back(r.msgid);
                }
            }
        }
        tx->commit();
    }
    report.totalsBalanced = totalsBalanced(gateway, rows, date);
    if (report.totalsBalanced && unresolved.empty()) {
        report.balancedAfterRepair = true;
        report.counts["balanced"] = report.localCount;
        report.counts["held"] = static_cast<std::int64_t>(report.items.size());
        storeReport(store, report);
        return report;
    }

    // Details: upload our settled rows (9101, a ZIP holding one TAB-separated .txt), ask for
    // the comparison (3202), download the result ZIP (9102).
    std::string file;
    for (const auto& r : rows) {
        if (r.status == SettlementStatus::Settled) {
            file += r.setlId + '\t' + r.visitId + '\t' + r.psnNo + '\t' + formatYuan(r.medfee)
                + '\t' + formatYuan(r.fund) + '\t' + formatYuan(r.acct) + "\t0\n";
        }
    }
    const auto fileQuryNo
        = uploadFile(gateway, "stmt-" + date + ".zip", makeZip("stmt-" + date + ".txt", file));
    Fen acct = 0;
    for (const auto& r : rows) {
        acct += r.status == SettlementStatus::Settled ? r.acct : 0;
    }
    json::object data { { "setl_optins", gateway.context().mdtrtareaAdmvs },
        { "file_qury_no", fileQuryNo }, { "stmt_begndate", date }, { "stmt_enddate", date },
        { "medfee_sumamt", wireAmount(report.localMedfee) },
        { "fund_pay_sumamt", wireAmount(report.localFund) },
        { "cash_payamt", wireAmount(report.localMedfee - report.localFund - acct) },
        { "fixmedins_setl_cnt", report.localCount }, { "clr_type", "11" } };
    const auto res = gateway.call("3202", json::object { { "data", std::move(data) } });
    const JsonIn fileinfo(res.at("fileinfo"), "output.fileinfo");
    const auto zip = gateway.download("9102",
        json::object { { "fsDownloadIn",
            json::object { { "file_qury_no", fileinfo.str("file_qury_no", 30) },
                { "filename", fileinfo.str("filename", 200) },
                { "fixmedins_code", gateway.context().fixmedinsCode } } } });
    const auto content = readSingleTextZip(zip, "9102 result file", 1024 * 1024 * 1024).content;

    // The center's comparison result, one line per detail: its result code is input, not the
    // verdict. Each line also carries the center's own numbers, so our rows are matched against
    // them locally (DetailMatcher) and a difference the center reported as balanced is found.
    std::vector<CenterResultLine> lines = parseCenterResultFile(content);
    // A line of a row the center does not hold carries no msgid (our upload has none): it is
    // ours by its setl_id.
    std::map<std::string, std::string> msgidOfSetl;
    for (const auto& r : rows) {
        if (!r.setlId.empty()) {
            msgidOfSetl[r.setlId] = r.msgid;
        }
    }
    for (auto& l : lines) {
        if (l.msgid.empty()) {
            const auto it = msgidOfSetl.find(l.setlId);
            if (it != msgidOfSetl.end()) {
                l.msgid = it->second;
            }
        }
    }
    resolveUnresolved(store, gateway, unresolved, lines, report);
    const auto found = matchResultLocally(rows, lines);
    report.counts["found_locally"] = found;

    auto tx = store.begin();
    const auto now = nowMs();
    for (const auto& line : lines) {
        const int rslt = line.rslt;
        if (rslt == 0) {
            ++report.counts["balanced"];
            continue;
        }
        ReconItem item;
        item.setlId = line.setlId;
        item.msgid = line.msgid;
        item.memo = line.memo;
        item.centerMedfee = line.medfee;
        item.centerFund = line.fund;
        if (line.foundLocally) {
            tx->audit(now, "reconcile", "recon.center_misreported", item.msgid, item.memo);
        }
        auto local = tx->settlementByMsgid(item.msgid);
        if (local) {
            item.localMedfee = local->medfee;
            item.localFund = local->fund;
        }
        const auto when
            = local ? std::optional<std::int64_t>(local->createdMs) : msgidTimeMs(item.msgid);
        if ((rslt == 1 && !(local && local->status != SettlementStatus::Settled)) || rslt == 2) {
            const auto cls = rslt == 1 ? ReconClass::CenterOnly : ReconClass::LocalOnly;
            if (holdNearCutoff(*tx, options, date, item.msgid, when, cls, now)) {
                item.cls = ReconClass::Held;
                item.repair = std::string(reconClassName(cls))
                    + " near the cut-off: held one cycle (the center may book it on the other "
                      "day); repaired by the next run if still unbalanced";
                tx->audit(now, "reconcile", "recon.held", item.msgid, item.repair);
                ++report.counts[reconClassName(item.cls)];
                report.items.push_back(std::move(item));
                continue;
            }
        }
        if (rslt == 1) {
            item.cls = ReconClass::CenterOnly;
            if (local && local->status != SettlementStatus::Settled) {
                item.cls = ReconClass::Held;
                item.repair = "known msgid, outbox adopts the center record via 5203";
            } else {
                item.repair = "unknown msgid: manual review (5203, then adopt or reverse)";
            }
            tx->audit(now, "reconcile", "recon.center_only", item.msgid, item.repair);
        } else if (rslt == 2) {
            item.cls = ReconClass::LocalOnly;
            if (line.omitted) {
                // We uploaded it and the center's result does not mention it: its file is
                // incomplete, which is no ground to void a settlement.
                item.repair = "not in the center's result: manual review (5203, then keep or void)";
            } else if (local) {
                local->status = SettlementStatus::Failed;
                tx->updateSettlement(*local);
                if (local->fund != 0) {
                    Adjustment a;
                    a.msgid = local->msgid;
                    a.terminal = local->terminal;
                    a.amount = local->fund;
                    a.reason = "recon_local_only";
                    a.createdMs = now;
                    tx->insertAdjustment(a);
                }
                item.repair = "voided locally; collect the fund share from the patient";
            } else {
                item.repair = "no local row; manual review";
            }
            tx->audit(now, "reconcile", "recon.local_only", item.msgid, item.repair);
        } else {
            const bool amounts = !local || item.centerMedfee != local->medfee
                || item.centerFund != local->fund || item.memo.rfind("status", 0) != 0;
            if (local && item.memo.rfind("status", 0) == 0) {
                item.cls = ReconClass::StatusMismatch;
                local->status = item.memo.find("REVERSED") != std::string::npos
                    ? SettlementStatus::Reversed
                    : SettlementStatus::Cancelled;
                tx->updateSettlement(*local);
                item.repair = "adopted the center's status (" + item.memo + ")";
                tx->audit(now, "reconcile", "recon.status_mismatch", item.msgid, item.repair);
            } else if (local && amounts) {
                item.cls = ReconClass::AmountMismatch;
                const Fen oldCash = local->cash;
                local->medfee = item.centerMedfee;
                local->fund = item.centerFund;
                local->cash = local->medfee - local->fund - local->acct - local->hosp;
                tx->updateSettlement(*local);
                Adjustment a;
                a.msgid = local->msgid;
                a.terminal = local->terminal;
                a.amount = local->cash - oldCash;
                a.reason = "recon_amount_mismatch";
                a.createdMs = now;
                tx->insertAdjustment(a);
                item.repair = "took the center's numbers; adjustment " + formatYuan(a.amount)
                    + "; alert: rule-table drift";
                tx->audit(now, "reconcile", "recon.amount_mismatch", item.msgid, item.repair);
            }
        }
        ++report.counts[reconClassName(item.cls)];
        report.items.push_back(std::move(item));
    }
    tx->commit();
    {
        auto tx2 = store.begin();
        rows = tx2->settlementsOfDay(date);
        tx2->commit();
    }
    report.balancedAfterRepair = totalsBalanced(gateway, rows, date);
    storeReport(store, report);
    return report;
}

json::object reportToJson(const ReconReport& r) {
    json::object o;
    o["date"] = r.date;
    o["totals_balanced"] = r.totalsBalanced;
    o["balanced_after_repair"] = r.balancedAfterRepair;
    o["local_count"] = r.localCount;
    o["local_medfee_fen"] = r.localMedfee;
    o["local_fund_fen"] = r.localFund;
    json::object counts;
    for (const auto& [k, v] : r.counts) {
        counts[k] = v;
    }
    o["counts"] = counts;
    json::array items;
    for (const auto& i : r.items) {
        items.push_back(json::object { { "class", reconClassName(i.cls) }, { "msgid", i.msgid },
            { "setl_id", i.setlId }, { "local_medfee_fen", i.localMedfee },
            { "local_fund_fen", i.localFund }, { "center_medfee_fen", i.centerMedfee },
            { "center_fund_fen", i.centerFund }, { "memo", i.memo }, { "repair", i.repair } });
    }
    o["items"] = items;
    return o;
}

ReconReport reportFromJson(const json::value& v) {
    const JsonIn in(v, "report");
    ReconReport r;
    r.date = in.str("date", 10);
    r.totalsBalanced = in.boolean("totals_balanced");
    r.balancedAfterRepair = in.boolean("balanced_after_repair");
    r.localCount = in.integer("local_count", 0, 1'000'000'000);
    r.localMedfee = in.fen("local_medfee_fen");
    r.localFund = in.fen("local_fund_fen", -kMaxFen);
    for (const auto& [k, c] : in.object("counts").raw()) {
        if (!c.is_int64()) {
            throw InputError("report.counts." + std::string(k), "expected an integer");
        }
        r.counts[std::string(k)] = c.as_int64();
    }
    for (const auto& i : in.objects("items", 10'000'000)) {
        ReconItem item;
        const auto cls = i.str("class", 32);
        bool known = false;
        for (auto c : { ReconClass::Balanced, ReconClass::CenterOnly, ReconClass::LocalOnly,
                 ReconClass::AmountMismatch, ReconClass::StatusMismatch, ReconClass::Held }) {
            if (cls == reconClassName(c)) {
                item.cls = c;
                known = true;
            }
        }
        if (!known) {
            throw InputError(i.at("class"), "unknown class '" + cls + "'");
        }
        item.msgid = i.strOr("msgid", "", 64);
        item.setlId = i.strOr("setl_id", "", 64);
        item.localMedfee = i.fen("local_medfee_fen", -kMaxFen);
        item.localFund = i.fen("local_fund_fen", -kMaxFen);
        item.centerMedfee = i.fen("center_medfee_fen", -kMaxFen);
        item.centerFund = i.fen("center_fund_fen", -kMaxFen);
        item.memo = i.strOr("memo", "", 1024);
        item.repair = i.strOr("repair", "", 1024);
        r.items.push_back(std::move(item));
    }
    return r;
}

std::optional<ReconReport> storedReport(StoreTransaction& tx, const std::string& date) {
    const auto doc = tx.getDoc("recon_report", date);
    if (!doc) {
        return std::nullopt;
    }
    return reportFromJson(parseJsonText(*doc, "stored report", 512 * 1024 * 1024));
}

std::string reportToCsv(const ReconReport& r) {
    std::ostringstream out;
    out << "date,class,msgid,setl_id,local_medfee,local_fund,center_medfee,center_fund,memo,"
           "repair\n";
    const auto quote = [](const std::string& s) {
        std::string q = "\"";
        for (char c : s) {
            q += c == '"' ? std::string("\"\"") : std::string(1, c);
        }
        return q + "\"";
    };
    for (const auto& i : r.items) {
        out << r.date << ',' << reconClassName(i.cls) << ',' << i.msgid << ',' << i.setlId << ','
            << formatYuan(i.localMedfee) << ',' << formatYuan(i.localFund) << ','
            << formatYuan(i.centerMedfee) << ',' << formatYuan(i.centerFund) << ',' << quote(i.memo)
            << ',' << quote(i.repair) << '\n';
    }
    return out.str();
}

std::string reportToText(const ReconReport& r) {
    std::ostringstream out;
    out << "Reconciliation " << r.date << "\n"
        << "  settled locally: " << r.localCount << " claims, medfee " << formatYuan(r.localMedfee)
        << ", fund " << formatYuan(r.localFund) << "\n"
        << "  totals (3201): " << (r.totalsBalanced ? "balanced" : "NOT balanced") << "\n";
    for (const auto& [k, v] : r.counts) {
        out << "  " << k << ": " << v << "\n";
    }
    for (const auto& i : r.items) {
        out << "  - " << reconClassName(i.cls) << " " << i.msgid << " " << i.repair << "\n";
    }
    out << "  after repair: " << (r.balancedAfterRepair ? "BALANCED" : "NOT BALANCED") << "\n";
    return out.str();
}

} // namespace hc::settle
