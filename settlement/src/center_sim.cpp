#include "hc/settle/center_sim.hpp"

#include "hc/settle/envelope.hpp"
#include "hc/settle/error.hpp"
#include "hc/settle/json_in.hpp"

#include <boost/json/serialize.hpp>
#include <set>
#include <sstream>

namespace hc::settle {

namespace json = boost::json;

FaultConfig FaultConfig::fromJson(const json::value& value) {
    const JsonIn in(value, "faults");
    FaultConfig f;
    f.dropRequestPct = static_cast<int>(in.integerOr("drop_request_pct", 0, 0, 100));
    f.dropResponsePct = static_cast<int>(in.integerOr("drop_response_pct", 0, 0, 100));
    f.delayMs = static_cast<int>(in.integerOr("delay_ms", 0, 0, 60'000));
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
    o["delay_ms"] = delayMs;
    o["http_5xx_pct"] = http5xxPct;
    o["duplicate_response_pct"] = duplicateResponsePct;
    o["down"] = down;
    o["down_until_ms"] = downUntilMs;
    o["rule_version"] = ruleVersion;
    o["result_codes"] = sixDigitResults ? "6digit" : "0-3";
    o["misreport_amounts"] = misreportAmounts;
    return o;
}

CenterSim::CenterSim(PolicyLibrary policies, std::string admdvs)
    : m_policies(std::move(policies))
    , m_admdvs(std::move(admdvs)) {
}

void CenterSim::setFaults(FaultConfig faults) {
    std::lock_guard lock(m_mutex);
    m_faults = std::move(faults);
}

FaultConfig CenterSim::faults() const {
    std::lock_guard lock(m_mutex);
    return m_faults;
}

std::size_t CenterSim::activeSettlements() const {
    std::lock_guard lock(m_mutex);
    std::size_t n = 0;
    for (const auto& [id, s] : m_setls) {
        if (s.status == "OK") {
            ++n;
        }
    }
    return n;
}

std::size_t CenterSim::duplicateMsgids() const {
    std::lock_guard lock(m_mutex);
    return m_duplicates;
}

json::object CenterSim::handle(const json::value& request) {
    std::lock_guard lock(m_mutex);
    const auto refmsgid = m_admdvs + compactTime(std::chrono::system_clock::now())
        + std::to_string(10'000'000'000 + ++m_counter).substr(1);
    std::string msgid;
    try {
        const JsonIn env(request, "envelope");
        const auto infno = env.str("infno", 8);
        msgid = env.str("msgid", 30);
        if (msgid.size() != 30) {
            throw InputError("envelope.msgid", "must be 30 characters");
        }
        (void)env.object("input");
        const auto cached = m_replies.find(msgid);
        if (cached != m_replies.end()) {
            ++m_duplicates;
            return cached->second;
        }
        auto output = dispatch(infno, msgid, request);
        auto reply = makeReply(0, refmsgid, msgid, "", std::move(output));
        // Queries and pre-settle have no effect; everything else is remembered by msgid.
        if (infno != "5203" && infno != "5206" && infno != "2206" && infno != "9102"
            && infno != "9001") {
            m_replies[msgid] = reply;
        }
        return reply;
    } catch (const Error& e) {
        auto reply = makeReply(-1, refmsgid, msgid, e.what(), nullptr);
        return reply;
    }
}

namespace {
std::string totalsKey(const std::string& psn, int year, const std::string& insutype) {
    return psn + "|" + std::to_string(year) + "|" + insutype;
}
} // namespace

CenterSim::Visit& CenterSim::visitFor(const json::object& input) {
    const JsonIn in(input, "input");
    std::string mdtrtId;
    if (in.has("mdtrt_id")) {
        mdtrtId = in.str("mdtrt_id", 30);
    } else {
        const auto otp = in.str("ipt_otp_no", 30);
        const auto it = m_visitByOtp.find(otp);
        if (it == m_visitByOtp.end()) {
            throw Error("center.no_visit", "no visit for ipt_otp_no " + otp, NextStep::FixInput);
        }
        mdtrtId = it->second;
    }
    const auto it = m_visits.find(mdtrtId);
    if (it == m_visits.end()) {
        throw Error("center.no_visit", "no visit " + mdtrtId, NextStep::FixInput);
    }
    return it->second;
}

void CenterSim::undoTotals(const Setl& s) {
    auto& t = m_totals[totalsKey(s.psnNo, s.year, s.insutype)];
    const auto& a = s.split.totalsAfter;
    t.dedcPaid -= a.dedcPaid - s.before.dedcPaid;
    t.hifpPaid -= a.hifpPaid - s.before.hifpPaid;
    t.seriousBase -= a.seriousBase - s.before.seriousBase;
    t.hifmiPaid -= a.hifmiPaid - s.before.hifmiPaid;
    t.mafPaid -= a.mafPaid - s.before.mafPaid;
}

json::object CenterSim::setlinfo(const Setl& s) const {
    auto info = splitToJson(s.split).as_object();
    info["setl_id"] = s.setlId;
    info["mdtrt_id"] = s.mdtrtId;
    info["psn_no"] = s.psnNo;
    info["insutype"] = s.insutype;
    info["clr_type"] = s.clrType;
    info["setl_time"] = s.setlTime;
    info["medins_setl_id"] = s.msgid;
    info["chrg_bchno"] = s.chrgBchno;
    info["setl_status"] = s.status;
    return info;
}

json::object CenterSim::settle(const std::string& msgid, const json::value& env, bool store) {
    const auto& input = env.as_object().at("input").as_object();
    const JsonIn in(input, "input");
    Visit& v = visitFor(input);
    if (v.cancelled) {
        throw Error("center.visit_cancelled", "visit cancelled", NextStep::FixInput);
    }
    const auto bch = in.str("chrg_bchno", 30);
    const auto bit = v.batches.find(bch);
    if (bit == v.batches.end()) {
        throw Error(
            "center.no_fees", "no fee details uploaded for chrg_bchno " + bch, NextStep::FixInput);
    }
    if (store && v.settledBatches[bch]) {
        throw Error("center.already_settled", "chrg_bchno " + bch + " already settled",
            NextStep::CallStaff);
    }
    ClaimInput claim;
    claim.key = PolicyKey { v.region, v.year, v.insutype, v.psnType, v.hospLv, v.medType };
    claim.items = bit->second;
    const Fen medfee = in.yuan("medfee_sumamt");
    const auto& table = m_policies.find(claim.key, m_faults.ruleVersion);
    const auto tkey = totalsKey(v.psnNo, v.year, v.insutype);
    const RunningTotals before = m_totals[tkey];
    auto split = computeSettlement(table, claim, before);
    if (split.medfeeSumamt != medfee) {
        throw InputError("input.medfee_sumamt",
            "does not match the uploaded fee details (" + formatYuan(split.medfeeSumamt) + ")");
    }
    Setl s;
    s.setlId = "S" + std::to_string(100'000'000 + m_counter);
    s.msgid = msgid;
    s.mdtrtId = v.mdtrtId;
    s.chrgBchno = bch;
    s.psnNo = v.psnNo;
    s.insutype = v.insutype;
    s.clrType = in.strOr("clr_type", "11", 8);
    s.setlTime = isoTime(std::chrono::system_clock::now());
    s.date = s.setlTime.substr(0, 10);
    s.year = v.year;
    s.split = split;
    s.before = before;
    json::object out;
    out["setlinfo"] = setlinfo(s);
    if (store) {
        m_totals[tkey] = split.totalsAfter;
        v.settledBatches[bch] = true;
        m_setlByMsgid[msgid] = s.setlId;
        m_setls[s.setlId] = std::move(s);
    }
    return out;
}

json::object CenterSim::dispatch(
    const std::string& infno, const std::string& msgid, const json::value& env) {
    const auto& input = env.as_object().at("input").as_object();
    const JsonIn in(input, "input");
    json::object out;
    if (infno == "9001") {
        json::object signin;
        signin["sign_no"] = "SIGN" + std::to_string(m_counter);
        signin["sign_time"] = isoTime(std::chrono::system_clock::now());
        out["signinoutb"] = signin;
    } else if (infno == "2201") {
        Visit v;
        v.iptOtpNo = in.str("ipt_otp_no", 30);
        if (m_visitByOtp.count(v.iptOtpNo) != 0) {
            throw Error(
                "center.duplicate_visit", "ipt_otp_no already registered", NextStep::FixInput);
        }
        v.mdtrtId = "MD" + v.iptOtpNo;
        v.psnNo = in.str("psn_no", 30);
        v.insutype = in.str("insutype", 8);
        v.psnType = in.strOr("psn_type", "general", 32);
        v.hospLv = in.str("hosp_lv", 32);
        v.medType = in.str("med_type", 32);
        v.region = env.as_object().at("mdtrtarea_admvs").is_string()
            ? std::string(env.as_object().at("mdtrtarea_admvs").as_string())
            : m_admdvs;
        v.year = static_cast<int>(in.integer("year", 1990, 2100));
        (void)m_policies.find(
            PolicyKey { v.region, v.year, v.insutype, v.psnType, v.hospLv, v.medType });
        out["data"] = json::object { { "mdtrt_id", v.mdtrtId }, { "psn_no", v.psnNo } };
        m_visitByOtp[v.iptOtpNo] = v.mdtrtId;
        m_visits[v.mdtrtId] = std::move(v);
    } else if (infno == "2202") {
        Visit& v = visitFor(input);
        for (const auto& [b, settled] : v.settledBatches) {
            if (settled) {
                throw Error(
                    "center.settled", "cancel the settlement (2208) first", NextStep::FixInput);
            }
        }
        v.cancelled = true;
    } else if (infno == "2203") {
        (void)visitFor(input);
    } else if (infno == "2204") {
        Visit& v = visitFor(input);
        const auto bch = in.str("chrg_bchno", 30);
        if (v.batches.count(bch) != 0) {
            throw Error(
                "center.duplicate_batch", "chrg_bchno already uploaded", NextStep::FixInput);
        }
        std::vector<FeeItem> items;
        json::array result;
        for (const auto& d : in.objects("feedetail", 2000)) {
            FeeItem f;
            f.code = d.str("hilist_code", 50);
            const auto cls = parseItemClass(d.str("chrgitm_lv", 8));
            if (!cls) {
                throw InputError(d.at("chrgitm_lv"), "expected 01/02/03");
            }
            f.cls = *cls;
            f.amount = d.yuan("det_item_fee_sumamt");
            f.qtyMilli = d.integerOr("cnt_milli", 1000, 1, 10'000'000);
            f.priceCap = d.yuanOr("pric_uplmt_amt", 0);
            if (d.has("selfpay_prop_pct")) {
                f.selfpayRatio = d.percent("selfpay_prop_pct");
            }
            items.push_back(f);
            result.push_back(json::object {
                { "hilist_code", f.code }, { "det_item_fee_sumamt", formatYuan(f.amount) } });
        }
        v.batches[bch] = std::move(items);
        out["result"] = std::move(result);
    } else if (infno == "2205") {
        Visit& v = visitFor(input);
        const auto bch = in.str("chrg_bchno", 30);
        if (v.settledBatches[bch]) {
            throw Error("center.settled", "settled lines need 2208 first", NextStep::FixInput);
        }
        v.batches.erase(bch);
    } else if (infno == "2206") {
        return settle(msgid, env, false);
    } else if (infno == "2207") {
        return settle(msgid, env, true);
    } else if (infno == "2208") {
        const auto setlId = in.str("setl_id", 30);
        auto it = m_setls.find(setlId);
        if (it == m_setls.end() || it->second.status != "OK") {
            throw Error(
                "center.no_settlement", "no active settlement " + setlId, NextStep::FixInput);
        }
        auto& s = it->second;
        undoTotals(s);
        s.status = "CANCELLED";
        m_visits[s.mdtrtId].settledBatches[s.chrgBchno] = false;
        out["setlinfo"] = setlinfo(s);
    } else if (infno == "2601") {
        const auto omsgid = in.str("omsgid", 30);
        const auto oinfno = in.str("oinfno", 8);
        if (oinfno != "2207" && oinfno != "2201" && oinfno != "2204") {
            throw Error(
                "center.not_reversible", "2601 not allowed for " + oinfno, NextStep::FixInput);
        }
        if (m_reversals.count(omsgid) != 0) {
            throw Error("center.already_reversed", "omsgid already reversed", NextStep::CallStaff);
        }
        const auto sit = m_setlByMsgid.find(omsgid);
        if (oinfno == "2207") {
            if (sit == m_setlByMsgid.end()) {
                throw Error("center.no_original", "no settlement for omsgid", NextStep::FixInput);
            }
            auto& s = m_setls[sit->second];
            undoTotals(s);
            s.status = "REVERSED";
            m_visits[s.mdtrtId].settledBatches[s.chrgBchno] = false;
        }
        m_reversals[omsgid] = msgid;
    } else if (infno == "5203") {
        std::string setlId = in.strOr("setl_id", "", 30);
        if (setlId.empty()) {
            const auto it = m_setlByMsgid.find(in.str("medins_setl_id", 30));
            if (it != m_setlByMsgid.end()) {
                setlId = it->second;
            }
        }
        const auto it = m_setls.find(setlId);
        out["found"] = it != m_setls.end();
        if (it != m_setls.end()) {
            out["setlinfo"] = setlinfo(it->second);
        } else if (in.has("medins_setl_id")) {
            // Non-settlement messages (2201/2204/2601) are found by msgid in the reply cache.
            const auto mid = in.str("medins_setl_id", 30);
            out["found"] = m_replies.count(mid) != 0;
        }
    } else if (infno == "5206") {
        const auto key = totalsKey(in.str("psn_no", 30),
            static_cast<int>(in.integer("year", 1990, 2100)), in.str("insutype", 8));
        const auto& t = m_totals[key];
        out["cum"] = json::object { { "dedc_paid", formatYuan(t.dedcPaid) },
            { "hifp_paid", formatYuan(t.hifpPaid) }, { "serious_base", formatYuan(t.seriousBase) },
            { "hifmi_paid", formatYuan(t.hifmiPaid) }, { "maf_paid", formatYuan(t.mafPaid) } };
    } else if (infno == "3201") {
        return reconcileTotals(env);
    } else if (infno == "9101") {
        const auto no = "F" + std::to_string(m_counter);
        m_files[no] = in.str("file_content", 256 * 1024 * 1024);
        out["file_qury_no"] = no;
    } else if (infno == "3202") {
        return reconcileDetails(env);
    } else if (infno == "9102") {
        const auto no = in.str("file_qury_no", 30);
        const auto it = m_files.find(no);
        if (it == m_files.end()) {
            throw InputError("input.file_qury_no", "no such file");
        }
        out["file_content"] = it->second;
    } else {
        throw InputError("envelope.infno", "transaction " + infno + " not supported by center-sim");
    }
    return out;
}

json::object CenterSim::reconcileTotals(const json::value& env) {
    const JsonIn in(env.as_object().at("input"), "input");
    const auto insutype = in.str("insutype", 8);
    const auto clrType = in.str("clr_type", 8);
    const auto begin = in.str("stmt_begndate", 10);
    const auto end = in.str("stmt_enddate", 10);
    Fen medfee = 0, fund = 0, acct = 0;
    std::int64_t cnt = 0;
    for (const auto& [id, s] : m_setls) {
        if (s.status == "OK" && s.insutype == insutype && s.clrType == clrType && s.date >= begin
            && s.date <= end) {
            medfee += s.split.medfeeSumamt;
            fund += s.split.fundPaySumamt;
            acct += s.split.acctPay;
            ++cnt;
        }
    }
    const bool balanced = medfee == in.yuan("medfee_sumamt") && fund == in.yuan("fund_pay_sumamt")
        && acct == in.yuan("acct_pay") && cnt == in.integer("fixmedins_setl_cnt", 0, 1'000'000'000);
    json::object info;
    info["setl_optins"] = in.strOr("setl_optins", m_admdvs, 12);
    info["stmt_rslt"] = balanced ? "0" : "1";
    info["stmt_rslt_dscr"] = balanced ? "balanced"
                                      : "center: count " + std::to_string(cnt) + " medfee "
            + formatYuan(medfee) + " fund " + formatYuan(fund);
    return json::object { { "stmtinfo", info } };
}

json::object CenterSim::reconcileDetails(const json::value& env) {
    const JsonIn in(env.as_object().at("input"), "input");
    const auto no = in.str("file_qury_no", 30);
    const auto begin = in.str("stmt_begndate", 10);
    const auto end = in.str("stmt_enddate", 10);
    const auto insutype = in.strOr("insutype", "", 8);
    const auto fit = m_files.find(no);
    if (fit == m_files.end()) {
        throw InputError("input.file_qury_no", "no such file");
    }
    const bool six = m_faults.sixDigitResults;
    const char* kBalanced = six ? "000000" : "0";
    const char* kCenterOnly = six ? "000101" : "1";
    const char* kLocalOnly = six ? "000102" : "2";
    const char* kMismatch = six ? "000103" : "3";
    std::ostringstream result;
    std::set<std::string> seen;
    std::istringstream lines(fit->second);
    std::string line;
    // Rows: setl_id, mdtrt_id, psn_no, medfee, fund, acct, refd_setl_flag, msgid (TAB).
    while (std::getline(lines, line)) {
        if (line.empty()) {
            continue;
        }
        std::vector<std::string> f;
        std::string cell;
        std::istringstream cells(line);
        while (std::getline(cells, cell, '\t')) {
            f.push_back(cell);
        }
        if (f.size() != 8) {
            continue;
        }
        std::string setlId = f[0];
        if (setlId.empty()) {
            const auto m = m_setlByMsgid.find(f[7]);
            if (m != m_setlByMsgid.end()) {
                setlId = m->second;
            }
        }
        const auto it = m_setls.find(setlId);
        const char* rslt = kBalanced;
        std::string memo;
        Fen medfee = 0, fund = 0, acct = 0;
        if (it == m_setls.end() || it->second.status != "OK") {
            rslt = it == m_setls.end() ? kLocalOnly : kMismatch;
            memo = it == m_setls.end() ? "center has no record" : "status " + it->second.status;
        } else {
            const auto& s = it->second.split;
            medfee = s.medfeeSumamt;
            fund = s.fundPaySumamt;
            acct = s.acctPay;
            seen.insert(setlId);
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
        result << f[2] << '\t' << f[1] << '\t' << setlId << '\t' << f[7] << '\t' << rslt << '\t'
               << f[6] << '\t' << memo << '\t' << formatYuan(medfee) << '\t' << formatYuan(fund)
               << '\t' << formatYuan(acct) << '\n';
    }
    for (const auto& [id, s] : m_setls) {
        if (s.status == "OK" && seen.count(id) == 0 && s.date >= begin && s.date <= end
            && (insutype.empty() || s.insutype == insutype)) {
            result << s.psnNo << '\t' << s.mdtrtId << '\t' << id << '\t' << s.msgid << '\t'
                   << kCenterOnly << '\t' << "0" << '\t' << "hospital has no record" << '\t'
                   << formatYuan(s.split.medfeeSumamt) << '\t' << formatYuan(s.split.fundPaySumamt)
                   << '\t' << formatYuan(s.split.acctPay) << '\n';
        }
    }
    const auto outNo = "F" + std::to_string(++m_counter);
    m_files[outNo] = result.str();
    json::object info;
    info["file_qury_no"] = outNo;
    info["filename"] = outNo + ".txt";
    info["dld_endtime"] = isoTime(std::chrono::system_clock::now() + std::chrono::hours(24));
    return json::object { { "fileinfo", info } };
}

} // namespace hc::settle
