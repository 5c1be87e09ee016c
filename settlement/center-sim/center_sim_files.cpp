// center-sim: reconciliation (3201, 3202), files (9101, 9102), fault switches and its data.
#include "center_sim.hpp"
#include "hc/settle/envelope.hpp"
#include "hc/settle/error.hpp"
#include "hc/settle/json_in.hpp"
#include "hc/settle/wire_json.hpp"
#include "hc/settle/zip_file.hpp"

#include <fstream>
#include <set>
#include <sstream>

namespace hc::settle {

namespace json = boost::json;

FaultConfig FaultConfig::fromJson(const json::value& value) {
    const JsonIn in(value, "faults");
    FaultConfig f;
    f.dropRequestPct = static_cast<int>(in.integerOr("drop_request_pct", 0, 0, 100));
    f.dropResponsePct = static_cast<int>(in.integerOr("drop_response_pct", 0, 0, 100));
    f.dropEveryNthCommitted
        = static_cast<int>(in.integerOr("drop_every_nth_committed", 0, 0, 1'000'000));
    f.delayMs = static_cast<int>(in.integerOr("delay_ms", 0, 0, 60'000));
    f.replyDelayMs = static_cast<int>(in.integerOr("reply_delay_ms", 0, 0, 60'000));
    f.http5xxPct = static_cast<int>(in.integerOr("http_5xx_pct", 0, 0, 100));
    f.duplicateResponsePct = static_cast<int>(in.integerOr("duplicate_response_pct", 0, 0, 100));
    f.down = in.booleanOr("down", false);
    const auto downFor = in.integerOr("down_for_ms", 0, 0, 3'600'000);
    if (downFor > 0) {
        f.down = true;
        f.downUntilMs = nowMs() + downFor;
    }
    f.ruleVersion = in.strOr("rule_version", "", 32);
    f.sixDigitResults = in.strOr("result_codes", "0-3", 8) == "6digit";
    f.misreportAmounts = in.booleanOr("misreport_amounts", false);
    return f;
}

json::object FaultConfig::toJson() const {
    json::object o;
    o["drop_request_pct"] = dropRequestPct;
    o["drop_response_pct"] = dropResponsePct;
    o["drop_every_nth_committed"] = dropEveryNthCommitted;
    o["delay_ms"] = delayMs;
    o["reply_delay_ms"] = replyDelayMs;
    o["http_5xx_pct"] = http5xxPct;
    o["duplicate_response_pct"] = duplicateResponsePct;
    o["down"] = down;
    o["down_until_ms"] = downUntilMs;
    o["rule_version"] = ruleVersion;
    o["result_codes"] = sixDigitResults ? "6digit" : "0-3";
    o["misreport_amounts"] = misreportAmounts;
    return o;
}

namespace {

json::value readJsonFile(const std::filesystem::path& file) {
    std::ifstream f(file, std::ios::binary);
    if (!f) {
        throw InputError(file.string(), "cannot open");
    }
    std::stringstream ss;
    ss << f.rdbuf();
    return parseWireJson(ss.str(), file.string());
}

std::vector<std::string> splitTabs(const std::string& line) {
    std::vector<std::string> f;
    std::size_t start = 0;
    for (;;) {
        const auto tab = line.find('\t', start);
        f.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
        if (tab == std::string::npos) {
            return f;
        }
        start = tab + 1;
    }
}

} // namespace

CenterData CenterData::load(const std::filesystem::path& dir) {
    CenterData d;
    try {
        const auto inst = readJsonFile(dir / "institutions.json");
        for (const auto& i : JsonIn(inst, "institutions.json").objects("institutions", 100000)) {
            d.institutions[i.str("fixmedins_code", 30)] = i.str("hosp_lv", 32);
        }
        const auto cat = readJsonFile(dir / "catalog.json");
        for (const auto& i : JsonIn(cat, "catalog.json").objects("items", 1'000'000)) {
            Item item;
            item.chrgitmLv = i.str("chrgitm_lv", 3);
            if (!parseItemClass(item.chrgitmLv)) {
                throw InputError(i.at("chrgitm_lv"), "expected 01, 02 or 03");
            }
            item.selfpayProp = i.has("selfpay_prop") ? i.ratio("selfpay_prop") : 0;
            item.pricUplmt = i.yuanOr("pric_uplmt_amt", 0);
            d.catalog[i.str("med_list_codg", 50)] = item;
        }
        if (std::filesystem::exists(dir / "persons.json")) {
            const auto p = readJsonFile(dir / "persons.json");
            for (const auto& i : JsonIn(p, "persons.json").objects("persons", 10'000'000)) {
                d.persons[i.str("psn_no", 30)] = i.str("psn_type", 32);
            }
        }
        if (std::filesystem::exists(dir / "code-table.json")) {
            d.codes = CodeTable::load(dir / "code-table.json");
        }
    } catch (const InputError& e) {
        throw InputError(dir.string() + "/" + e.field(), e.what());
    }
    return d;
}

Error CenterSim::refusedFile(const std::string& fileQuryNo) {
    return Error("center.refused", "no file with file_qury_no " + fileQuryNo, NextStep::FixInput);
}

json::object CenterSim::reconcileTotals(Ctx& c) {
    const auto in = JsonIn(*c.input, "input").object("data");
    const auto insutype = in.str("insutype", 6);
    const auto clrType = in.str("clr_type", 6);
    (void)in.str("setl_optins", 6);
    const auto begin = in.str("stmt_begndate", 10);
    const auto end = in.str("stmt_enddate", 10);
    Fen medfee = 0, fund = 0, acct = 0;
    std::int64_t cnt = 0;
    for (const auto& [id, s] : m_setls) {
        if (s.status == "OK" && s.fixmedinsCode == c.fixmedinsCode && s.insutype == insutype
            && s.clrType == clrType && s.date >= begin && s.date <= end) {
            medfee += s.split.medfeeSumamt;
            fund += s.split.fundPaySumamt;
            acct += s.split.acctPay;
            ++cnt;
        }
    }
    const bool balanced = medfee == in.yuanNumber("medfee_sumamt")
        && fund == in.yuanNumber("fund_pay_sumamt", -kMaxFen)
        && acct == in.yuanNumber("acct_pay", -kMaxFen)
        && cnt == in.integer("fixmedins_setl_cnt", 0, 1'000'000'000);
    json::object info;
    info["setl_optins"] = in.str("setl_optins", 6);
    info["stmt_rslt"] = balanced ? "0" : "1";
    info["stmt_rslt_dscr"] = balanced ? "balanced"
                                      : "center: count " + std::to_string(cnt) + " medfee "
            + formatYuan(medfee) + " fund " + formatYuan(fund);
    return json::object { { "stmtinfo", info } };
}

json::object CenterSim::uploadFile(Ctx& c) {
    const auto up = JsonIn(*c.input, "input").object("fsUploadIn");
    const auto filename = up.str("filename", 200);
    if (up.str("fixmedins_code", 30) != c.fixmedinsCode) {
        throw InputError("input.fsUploadIn.fixmedins_code", "is not the sender's");
    }
    const auto* bytes = up.raw().at("in").if_array();
    if (bytes == nullptr) {
        throw InputError("input.fsUploadIn.in", "expected the file's bytes as an array of numbers");
    }
    std::string file;
    file.reserve(bytes->size());
    for (std::size_t i = 0; i < bytes->size(); ++i) {
        const auto& b = (*bytes)[i];
        if (!b.is_int64() || b.get_int64() < -128 || b.get_int64() > 255) {
            throw InputError("input.fsUploadIn.in[" + std::to_string(i) + "]",
                "expected a byte value (0..255, or -128..127 as Java sends it)");
        }
        file.push_back(static_cast<char>(static_cast<unsigned char>(b.get_int64() & 0xff)));
    }
    (void)readSingleTextZip(file, "input.fsUploadIn.in");
    const auto no = nextId("FQ");
    m_files[no] = std::move(file);
    c.committed = true;
    return json::object { { "file_qury_no", no }, { "filename", filename },
        { "dld_endtime", isoTime(std::chrono::system_clock::now() + std::chrono::hours(24)) } };
}

json::object CenterSim::reconcileDetails(Ctx& c) {
    const auto in = JsonIn(*c.input, "input").object("data");
    (void)in.str("setl_optins", 6);
    const auto no = in.str("file_qury_no", 30);
    const auto begin = in.str("stmt_begndate", 10);
    const auto end = in.str("stmt_enddate", 10);
    for (const auto& d : { begin, end }) {
        if (d.size() != 10 || d[4] != '-' || d[7] != '-') {
            throw InputError("input.data.stmt_begndate", "expected yyyy-MM-dd");
        }
    }
    (void)in.yuanNumber("medfee_sumamt");
    (void)in.yuanNumber("fund_pay_sumamt", -kMaxFen);
    (void)in.yuanNumber("cash_payamt", -kMaxFen);
    (void)in.integer("fixmedins_setl_cnt", 0, 1'000'000'000);
    (void)in.str("clr_type", 6);
    const auto fit = m_files.find(no);
    if (fit == m_files.end()) {
        throw refusedFile(no);
    }
    const auto uploaded = readSingleTextZip(fit->second, "file " + no);
    const bool six = m_faults.sixDigitResults;
    const char* kBalanced = six ? "000000" : "0";
    const char* kCenterOnly = six ? "000101" : "1";
    const char* kLocalOnly = six ? "000102" : "2";
    const char* kMismatch = six ? "000103" : "3";
    std::ostringstream result;
    std::set<std::string> seen;
    std::istringstream lines(uploaded.content);
    std::string line;
    // Rows: setl_id, mdtrt_id, psn_no, medfee_sumamt, fund_pay_sumamt, acct_pay, refd_setl_flag.
    while (std::getline(lines, line)) {
        if (line.empty()) {
            continue;
        }
        const auto f = splitTabs(line);
        if (f.size() != 7) {
            throw InputError("file " + no, "a row must have 7 TAB-separated columns");
        }
        const auto it = m_setls.find(f[0]);
        const char* rslt = kBalanced;
        std::string memo, msgid;
        Fen medfee = 0, fund = 0, acct = 0;
        if (it == m_setls.end() || it->second.fixmedinsCode != c.fixmedinsCode) {
            rslt = kLocalOnly;
            memo = "center has no record";
        } else if (it->second.status != "OK") {
            rslt = kMismatch;
            memo = "status " + it->second.status;
            msgid = it->second.msgid;
            seen.insert(f[0]);
        } else {
            const auto& s = it->second.split;
            medfee = s.medfeeSumamt;
            fund = s.fundPaySumamt;
            acct = s.acctPay;
            msgid = it->second.msgid;
            seen.insert(f[0]);
            try {
                if (parseYuan(f[3]) != medfee || parseYuan(f[4]) != fund
                    || parseYuan(f[5]) != acct) {
                    rslt = m_faults.misreportAmounts ? kBalanced : kMismatch;
                    memo = m_faults.misreportAmounts ? "" : "amounts differ";
                }
            } catch (const std::exception&) {
                rslt = kMismatch;
                memo = "bad amount";
            }
        }
        result << f[2] << '\t' << f[1] << '\t' << f[0] << '\t' << msgid << '\t' << rslt << '\t'
               << f[6] << '\t' << memo << '\t' << formatYuan(medfee) << '\t' << formatYuan(fund)
               << '\t' << formatYuan(acct) << '\n';
    }
    for (const auto& [id, s] : m_setls) {
        if (s.status == "OK" && s.fixmedinsCode == c.fixmedinsCode && seen.count(id) == 0
            && s.date >= begin && s.date <= end) {
            result << s.psnNo << '\t' << s.mdtrtId << '\t' << id << '\t' << s.msgid << '\t'
                   << kCenterOnly << '\t' << "0" << '\t' << "hospital has no record" << '\t'
                   << formatYuan(s.split.medfeeSumamt) << '\t' << formatYuan(s.split.fundPaySumamt)
                   << '\t' << formatYuan(s.split.acctPay) << '\n';
        }
    }
    const auto outNo = nextId("FQ");
    const auto filename = outNo + ".zip";
    m_files[outNo] = makeZip(outNo + ".txt", result.str());
    c.committed = true;
    json::object info;
    info["file_qury_no"] = outNo;
    info["filename"] = filename;
    info["dld_endtime"] = isoTime(std::chrono::system_clock::now() + std::chrono::hours(24));
    return json::object { { "fileinfo", info } };
}

std::string CenterSim::downloadFile(Ctx& c) {
    const auto in = JsonIn(*c.input, "input").object("fsDownloadIn");
    const auto no = in.str("file_qury_no", 30);
    (void)in.str("filename", 200);
    if (in.str("fixmedins_code", 30) != c.fixmedinsCode) {
        throw InputError("input.fsDownloadIn.fixmedins_code", "is not the sender's");
    }
    const auto it = m_files.find(no);
    if (it == m_files.end()) {
        throw refusedFile(no);
    }
    return it->second;
}

} // namespace hc::settle
