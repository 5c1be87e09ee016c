#include "center_sim.hpp"

#include "hc/settle/envelope.hpp"
#include "hc/settle/error.hpp"
#include "hc/settle/json_in.hpp"
#include "hc/settle/wire_json.hpp"

#include <chrono>

namespace hc::settle {

namespace json = boost::json;

namespace {

// A refusal of the center: infcode -1 with this text.
Error refused(const std::string& message) {
    return Error("center.refused", message, NextStep::FixInput);
}

std::string totalsKey(const std::string& psn, int year, const std::string& insutype) {
    return psn + "|" + std::to_string(year) + "|" + insutype;
}

// yyyy-MM-dd HH:mm:ss, as the interface's 日期时间型.
void checkDateTime(const JsonIn& in, const char* name) {
    const auto t = in.str(name, 19);
    if (t.size() != 19 || t[4] != '-' || t[7] != '-' || t[10] != ' ' || t[13] != ':'
        || t[16] != ':') {
        throw InputError(in.at(name), "expected yyyy-MM-dd HH:mm:ss");
    }
}

void checkFlag(const JsonIn& in, const char* name) {
    const auto f = in.str(name, 1);
    if (f != "0" && f != "1") {
        throw InputError(in.at(name), "expected \"0\" or \"1\"");
    }
}

} // namespace

CenterSim::CenterSim(PolicyLibrary policies, CenterData data, std::string admdvs)
    : m_policies(std::move(policies))
    , m_data(std::move(data))
    , m_admdvs(std::move(admdvs)) {
    const auto now = std::chrono::system_clock::now();
    m_policyYear = std::stoi(isoDate(now).substr(0, 4));
}

void CenterSim::setPolicyYear(int year) {
    std::lock_guard lock(m_mutex);
    m_policyYear = year;
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
        n += s.status == "OK" ? 1U : 0U;
    }
    return n;
}

std::size_t CenterSim::duplicateMsgids() const {
    std::lock_guard lock(m_mutex);
    return m_duplicates;
}

bool CenterSim::dropCommittedReply() {
    std::lock_guard lock(m_mutex);
    ++m_committed;
    return m_faults.dropEveryNthCommitted > 0 && m_committed % m_faults.dropEveryNthCommitted == 0;
}

json::array CenterSim::settlements() const {
    std::lock_guard lock(m_mutex);
    json::array out;
    for (const auto& [id, s] : m_setls) {
        const auto v = m_visits.find(s.mdtrtId);
        out.push_back(
            json::object { { "setl_id", id }, { "msgid", s.msgid }, { "mdtrt_id", s.mdtrtId },
                { "ipt_otp_no", v == m_visits.end() ? std::string() : v->second.iptOtpNo },
                { "chrg_bchno", s.chrgBchno }, { "psn_no", s.psnNo }, { "status", s.status },
                { "setl_date", s.date }, { "medfee_fen", s.split.medfeeSumamt },
                { "fund_fen", s.split.fundPaySumamt }, { "acct_fen", s.split.acctPay },
                { "cash_fen", s.split.psnCashPay } });
    }
    return out;
}

std::string CenterSim::nextId(const char* prefix) {
    return prefix + m_admdvs + std::to_string(1'000'000'000'000LL + ++m_counter).substr(1);
}

CenterAnswer CenterSim::handle(std::string_view body) {
    std::lock_guard lock(m_mutex);
    Ctx c;
    c.refmsgid = m_admdvs + compactTime(std::chrono::system_clock::now())
        + std::to_string(10'000'000'000 + ++m_counter).substr(1);
    CenterAnswer answer;
    json::object out;
    int infcode = 0;
    std::string err;
    try {
        const auto request = parseWireJson(body, "envelope", 256 * 1024 * 1024);
        const JsonIn env(request, "");
        c.infno = env.str("infno", 6);
        c.msgid = env.str("msgid", 30);
        c.fixmedinsCode = env.str("fixmedins_code", 30);
        if (c.msgid.size() != 30 || c.msgid.compare(0, 12, c.fixmedinsCode) != 0
            || c.msgid.find_first_not_of("0123456789", 12) != std::string::npos) {
            throw InputError(
                "msgid", "must be fixmedins_code (12) + yyyyMMddHHmmss (14) + a 4-digit sequence");
        }
        if (m_data.institutions.count(c.fixmedinsCode) == 0) {
            throw refused("fixmedins_code " + c.fixmedinsCode + " is not a registered institution");
        }
        c.region = env.str("mdtrtarea_admvs", 6);
        (void)env.str("recer_sys_code", 10);
        (void)env.str("infver", 6);
        const auto opterType = env.str("opter_type", 3);
        if (opterType != "1" && opterType != "2" && opterType != "3") {
            throw InputError("opter_type", "expected 1 (staff), 2 (kiosk) or 3 (mobile)");
        }
        c.opter = env.str("opter", 30);
        (void)env.str("opter_name", 50);
        checkDateTime(env, "inf_time");
        (void)env.str("fixmedins_name", 200);
        c.input = &env.object("input").raw();
        if (m_received.count(c.msgid) != 0) {
            ++m_duplicates;
            throw refused("duplicate msgid " + c.msgid + ": a msgid is never sent twice");
        }
        if (m_reversedMsgids.count(c.msgid) != 0) {
            m_received[c.msgid] = Received { c.infno, {}, {}, false };
            throw refused("msgid " + c.msgid + " was reversed (2601) before it arrived");
        }
        m_received[c.msgid] = Received { c.infno, {}, {}, false };
        if (c.infno == "9102") {
            answer.body = downloadFile(c);
            answer.contentType = "application/octet-stream";
            return answer;
        }
        out = dispatch(c);
    } catch (const Error& e) {
        infcode = -1;
        err = e.what();
        c.committed = false;
    }
    json::object r;
    r["infcode"] = infcode;
    r["inf_refmsgid"] = c.refmsgid;
    const auto now = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
    const auto stamp = compactTime(now) + std::to_string(1000 + ms.count() % 1000).substr(1);
    r["refmsg_time"] = stamp;
    r["respond_time"] = stamp;
    r["err_msg"] = err;
    r["warn_msg"] = "";
    r["cainfo"] = "";
    r["signtype"] = "";
    if (infcode == 0) {
        r["output"] = std::move(out);
    } else {
        r["output"] = nullptr;
    }
    answer.body = serializeWire(r);
    answer.committed = c.committed;
    return answer;
}

json::object CenterSim::dispatch(Ctx& c) {
    const JsonIn in(*c.input, "input");
    if (c.infno == "9001") {
        const auto s = in.object("signIn");
        (void)s.str("opter_no", 20);
        (void)s.str("ip", 20);
        json::object signin;
        signin["sign_no"] = nextId("SN");
        signin["sign_time"] = isoTime(std::chrono::system_clock::now());
        return json::object { { "signinoutb", signin } };
    }
    if (c.infno == "2201") {
        return registerVisit(c);
    }
    if (c.infno == "2202") {
        const auto d = in.object("data");
        Visit& v = visitFor(d.str("mdtrt_id", 30), "input.data.mdtrt_id");
        if (d.str("psn_no", 30) != v.psnNo) {
            throw refused("psn_no does not match the visit");
        }
        for (const auto& [b, settled] : v.settledBatches) {
            if (settled) {
                throw refused("the visit has a settlement: cancel it (2208) first");
            }
        }
        v.cancelled = true;
        c.committed = true;
        return {};
    }
    if (c.infno == "2204") {
        return uploadFees(c);
    }
    if (c.infno == "2205") {
        return revokeFees(c);
    }
    if (c.infno == "2206") {
        return settle(c, false);
    }
    if (c.infno == "2207") {
        return settle(c, true);
    }
    if (c.infno == "2208") {
        return cancelSettlement(c);
    }
    if (c.infno == "2601") {
        return reverse(c);
    }
    if (c.infno == "5203") {
        return querySettlement(c);
    }
    if (c.infno == "5206") {
        const auto d = in.object("data");
        const auto psn = d.str("psn_no", 30);
        const int year = static_cast<int>(d.integerOr(
            "year", std::stoi(isoDate(std::chrono::system_clock::now()).substr(0, 4)), 1990, 2100));
        const auto& t = m_totals[totalsKey(psn, year, d.str("insutype", 6))];
        return json::object { { "cum",
            json::object { { "dedc_paid", wireAmount(t.dedcPaid) },
                { "hifp_paid", wireAmount(t.hifpPaid) },
                { "serious_base", wireAmount(t.seriousBase) },
                { "hifmi_paid", wireAmount(t.hifmiPaid) },
                { "maf_paid", wireAmount(t.mafPaid) } } } };
    }
    if (c.infno == "3201") {
        return reconcileTotals(c);
    }
    if (c.infno == "9101") {
        return uploadFile(c);
    }
    if (c.infno == "3202") {
        return reconcileDetails(c);
    }
    throw refused("unsupported infno " + c.infno);
}

CenterSim::Visit& CenterSim::visitFor(const std::string& mdtrtId, const std::string& field) {
    const auto it = m_visits.find(mdtrtId);
    if (it == m_visits.end() || it->second.reversed) {
        throw InputError(field, "unknown mdtrt_id " + mdtrtId);
    }
    if (it->second.cancelled) {
        throw refused("visit " + mdtrtId + " was cancelled (2202)");
    }
    return it->second;
}

PolicyKey CenterSim::keyFor(const Visit& v, const std::string& medTypeCode) const {
    PolicyKey k;
    k.region = v.region;
    k.year = m_policyYear;
    k.insutype = v.insutype;
    const auto p = m_data.persons.find(v.psnNo);
    k.psnType = p == m_data.persons.end() ? "general" : p->second;
    k.hospLv = m_data.institutions.at(v.fixmedinsCode);
    k.medType = m_data.codes.alias("med_type", medTypeCode);
    return k;
}

json::object CenterSim::registerVisit(Ctx& c) {
    const auto d = JsonIn(*c.input, "input").object("data");
    Visit v;
    v.psnNo = d.str("psn_no", 30);
    v.insutype = m_data.codes.code("insutype", d.str("insutype", 6), d.at("insutype"));
    checkDateTime(d, "begntime");
    (void)m_data.codes.code(
        "mdtrt_cert_type", d.str("mdtrt_cert_type", 3), d.at("mdtrt_cert_type"));
    (void)d.str("mdtrt_cert_no", 50);
    v.iptOtpNo = d.str("ipt_otp_no", 30);
    for (const char* f : { "atddr_no", "dr_name", "dept_code", "dept_name", "caty" }) {
        (void)d.str(f, 100);
    }
    const auto otpKey = c.fixmedinsCode + "|" + v.iptOtpNo;
    if (m_visitByOtp.count(otpKey) != 0) {
        throw refused("ipt_otp_no " + v.iptOtpNo + " is already registered");
    }
    v.fixmedinsCode = c.fixmedinsCode;
    v.region = c.region;
    v.msgid = c.msgid;
    v.mdtrtId = nextId("MD");
    m_visitByOtp[otpKey] = v.mdtrtId;
    m_received[c.msgid] = Received { "2201", v.psnNo, v.mdtrtId, true };
    json::object out { { "mdtrt_id", v.mdtrtId }, { "psn_no", v.psnNo },
        { "ipt_otp_no", v.iptOtpNo } };
    m_visits[v.mdtrtId] = std::move(v);
    c.committed = true;
    return json::object { { "data", out } };
}

json::object CenterSim::uploadFees(Ctx& c) {
    const JsonIn in(*c.input, "input");
    const auto lines = in.objects("feedetail", 2000);
    if (lines.empty()) {
        throw InputError("input.feedetail", "at least one fee line");
    }
    const auto mdtrtId = lines[0].str("mdtrt_id", 30);
    const auto bch = lines[0].str("chrg_bchno", 30);
    Visit& v = visitFor(mdtrtId, lines[0].at("mdtrt_id"));
    if (v.batches.count(bch) != 0) {
        throw refused("chrg_bchno " + bch + " already uploaded for this visit");
    }
    std::vector<FeeItem> items;
    std::set<std::string> sns;
    for (const auto& d : lines) {
        if (d.str("mdtrt_id", 30) != mdtrtId || d.str("chrg_bchno", 30) != bch) {
            throw InputError(d.path(),
                "every line of one upload names the same mdtrt_id and "
                "chrg_bchno");
        }
        if (d.str("psn_no", 30) != v.psnNo) {
            throw InputError(d.at("psn_no"), "does not match the visit's person");
        }
        const auto sn = d.str("feedetl_sn", 30);
        if (v.snUsed(sn) || !sns.insert(sn).second) {
            throw InputError(d.at("feedetl_sn"), "feedetl_sn " + sn + " used twice in the visit");
        }
        (void)d.str("rx_circ_flag", 3);
        checkDateTime(d, "fee_ocur_time");
        const auto code = d.str("med_list_codg", 50);
        (void)d.str("medins_list_codg", 150);
        for (const char* f :
            { "bilg_dept_codg", "bilg_dept_name", "bilg_dr_codg", "bilg_dr_name" }) {
            (void)d.str(f, 100);
        }
        (void)d.str("hosp_appr_flag", 3);
        auto cat = m_data.catalog.find(code);
        if (cat == m_data.catalog.end()) {
            cat = m_data.catalog.find("*");
        }
        if (cat == m_data.catalog.end()) {
            throw InputError(d.at("med_list_codg"), code + " is not in the center's catalogue");
        }
        FeeItem f;
        f.code = code;
        f.cls = *parseItemClass(cat->second.chrgitmLv);
        f.amount = d.yuanNumber("det_item_fee_sumamt");
        const auto& cnt = d.raw().at("cnt");
        if (!isWireDecimal(cnt) && !cnt.is_int64()) {
            throw InputError(d.at("cnt"), "expected a JSON number (数值型 16,4)");
        }
        try {
            // cnt 16,4 → thousandths, the engine's quantity unit.
            std::string text = cnt.is_int64() ? std::to_string(cnt.get_int64())
                                              : std::string(wireDecimalText(cnt));
            const auto dot = text.find('.');
            while (dot != std::string::npos && text.size() > dot + 4 && text.back() == '0') {
                text.pop_back(); // 16,4: a fourth decimal that is 0 changes nothing
            }
            f.qtyMilli = parseDecimal(text, 3, 10'000'000);
        } catch (const std::invalid_argument& e) {
            throw InputError(d.at("cnt"), std::string("bad quantity: ") + e.what());
        }
        if (f.qtyMilli <= 0) {
            throw InputError(d.at("cnt"), "must be positive");
        }
        const auto& pric = d.raw().at("pric");
        if (!isWireDecimal(pric) && !pric.is_int64()) {
            throw InputError(d.at("pric"), "expected a JSON number (数值型 16,6)");
        }
        try {
            (void)parseDecimal(pric.is_int64() ? std::to_string(pric.get_int64())
                                               : std::string(wireDecimalText(pric)),
                6, INT64_MAX / 10);
        } catch (const std::invalid_argument& e) {
            throw InputError(d.at("pric"), std::string("bad unit price: ") + e.what());
        }
        f.priceCap = cat->second.pricUplmt;
        if (f.cls == ItemClass::B) {
            f.selfpayRatio = cat->second.selfpayProp;
        }
        items.push_back(f);
    }
    json::array result;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto& f = items[i];
        const auto l = splitLine(f, 0);
        const auto cat
            = m_data.catalog.count(f.code) ? m_data.catalog.at(f.code) : m_data.catalog.at("*");
        result.push_back(json::object { { "feedetl_sn", lines[i].str("feedetl_sn", 30) },
            { "det_item_fee_sumamt", wireAmount(f.amount) }, { "cnt", lines[i].raw().at("cnt") },
            { "pric", lines[i].raw().at("pric") }, { "pric_uplmt_amt", wireAmount(f.priceCap) },
            { "selfpay_prop", wireRatio(f.selfpayRatio.value_or(0)) },
            { "fulamt_ownpay_amt", wireAmount(l.fulamtOwnpay) },
            { "overlmt_amt", wireAmount(l.overlmt) },
            { "preselfpay_amt", wireAmount(l.preselfpay) },
            { "inscp_scp_amt", wireAmount(l.inscp) }, { "chrgitm_lv", cat.chrgitmLv },
            { "med_chrgitm_type", "09" }, { "bas_medn_flag", "0" }, { "hi_nego_drug_flag", "0" },
            { "chld_medc_flag", "0" }, { "list_sp_item_flag", "0" }, { "lmt_used_flag", "0" },
            { "drt_reim_flag", "0" }, { "memo", "" } });
    }
    v.batchSns[bch] = sns;
    v.batches[bch] = std::move(items);
    v.batchMsgid[bch] = c.msgid;
    m_received[c.msgid] = Received { "2204", v.psnNo, mdtrtId + "\t" + bch, true };
    c.committed = true;
    return json::object { { "result", std::move(result) } };
}

json::object CenterSim::revokeFees(Ctx& c) {
    const auto d = JsonIn(*c.input, "input").object("data");
    Visit& v = visitFor(d.str("mdtrt_id", 30), d.at("mdtrt_id"));
    const auto bch = d.str("chrg_bchno", 30);
    if (v.settledBatches[bch]) {
        throw refused("settled lines need 2208 first");
    }
    v.batches.erase(bch);
    v.batchSns.erase(bch);
    c.committed = true;
    return {};
}

json::object CenterSim::settle(Ctx& c, bool store) {
    const auto d = JsonIn(*c.input, "input").object("data");
    Visit& v = visitFor(d.str("mdtrt_id", 30), d.at("mdtrt_id"));
    if (d.str("psn_no", 30) != v.psnNo) {
        throw InputError(d.at("psn_no"), "does not match the visit's person");
    }
    const auto medType = m_data.codes.code("med_type", d.str("med_type", 6), d.at("med_type"));
    (void)m_data.codes.code(
        "mdtrt_cert_type", d.str("mdtrt_cert_type", 3), d.at("mdtrt_cert_type"));
    (void)d.str("mdtrt_cert_no", 50);
    (void)m_data.codes.code("psn_setlway", d.str("psn_setlway", 6), d.at("psn_setlway"));
    if (m_data.codes.code("insutype", d.str("insutype", 6), d.at("insutype")) != v.insutype) {
        throw InputError(d.at("insutype"), "does not match the visit's insutype");
    }
    checkFlag(d, "acct_used_flag");
    if (store) {
        for (const char* f :
            { "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt" }) {
            (void)d.yuanNumber(f);
        }
    }
    const auto bch = d.str("chrg_bchno", 30);
    const auto bit = v.batches.find(bch);
    if (bit == v.batches.end()) {
        throw refused("no fee details uploaded for chrg_bchno " + bch);
    }
    if (v.settledBatches[bch]) {
        throw refused("chrg_bchno " + bch + " already settled");
    }
    ClaimInput claim;
    claim.key = keyFor(v, medType);
    claim.items = bit->second;
    const Fen medfee = d.yuanNumber("medfee_sumamt");
    const auto& table = m_policies.findInForce(claim.key, m_faults.ruleVersion);
    const auto tkey = totalsKey(v.psnNo, table.year, v.insutype);
    const RunningTotals before = m_totals[tkey];
    auto split = computeSettlement(table, claim, before);
    if (split.medfeeSumamt != medfee) {
        throw InputError("input.data.medfee_sumamt",
            "does not match the uploaded fee details (" + formatYuan(split.medfeeSumamt) + ")");
    }
    Setl s;
    s.setlId = nextId("ST");
    s.msgid = c.msgid;
    s.mdtrtId = v.mdtrtId;
    s.chrgBchno = bch;
    s.psnNo = v.psnNo;
    s.insutype = v.insutype;
    s.medType = medType;
    s.fixmedinsCode = v.fixmedinsCode;
    s.clrType = "11";
    s.setlTime = isoTime(std::chrono::system_clock::now());
    s.date = s.setlTime.substr(0, 10);
    s.year = table.year;
    s.split = split;
    s.before = before;
    json::object out;
    out["setlinfo"] = setlinfo(s, false);
    out["setldetail"] = json::array {};
    if (store) {
        m_totals[tkey] = split.totalsAfter;
        v.settledBatches[bch] = true;
        m_setlByMsgid[c.msgid] = s.setlId;
        m_received[c.msgid] = Received { "2207", v.psnNo, s.setlId, true };
        m_setls[s.setlId] = std::move(s);
        c.committed = true;
    }
    return out;
}

json::object CenterSim::cancelSettlement(Ctx& c) {
    const auto d = JsonIn(*c.input, "input").object("data");
    const auto setlId = d.str("setl_id", 30);
    const auto mdtrtId = d.str("mdtrt_id", 30);
    const auto psn = d.str("psn_no", 30);
    (void)visitFor(mdtrtId, d.at("mdtrt_id"));
    auto it = m_setls.find(setlId);
    if (it == m_setls.end() || it->second.mdtrtId != mdtrtId || it->second.psnNo != psn) {
        throw refused("no settlement " + setlId + " of this mdtrt_id and psn_no");
    }
    if (it->second.status != "OK") {
        throw refused("settlement " + setlId + " is " + it->second.status);
    }
    auto& s = it->second;
    undoTotals(s);
    s.status = "CANCELLED";
    m_visits[s.mdtrtId].settledBatches[s.chrgBchno] = false;
    m_received[c.msgid] = Received { "2208", psn, setlId, true };
    // The cancellation is a settlement of its own (退费结算), with the amounts negated.
    Setl refund = s;
    refund.setlId = nextId("ST");
    refund.msgid = c.msgid;
    refund.setlTime = isoTime(std::chrono::system_clock::now());
    for (Fen* f : { &refund.split.medfeeSumamt, &refund.split.fulamtOwnpayAmt,
             &refund.split.overlmtSelfpay, &refund.split.preselfpayAmt, &refund.split.inscpScpAmt,
             &refund.split.actPayDedc, &refund.split.hifpPay, &refund.split.hifmiPay,
             &refund.split.mafPay, &refund.split.fundPaySumamt, &refund.split.psnPartAmt,
             &refund.split.acctPay, &refund.split.psnCashPay, &refund.split.hospPartAmt }) {
        *f = -*f;
    }
    c.committed = true;
    auto info = setlinfo(refund, false);
    // 2208's output names the cash part pdn_cash_pay (openhis Output_2208).
    info["pdn_cash_pay"] = info["psn_cash_pay"];
    return json::object { { "setlinfo", info }, { "setldetail", json::array {} } };
}

json::object CenterSim::reverse(Ctx& c) {
    const auto d = JsonIn(*c.input, "input").object("data");
    const auto psn = d.str("psn_no", 30);
    const auto omsgid = d.str("omsgid", 30);
    const auto oinfno = d.str("oinfno", 4);
    if (oinfno != "2201" && oinfno != "2204" && oinfno != "2207" && oinfno != "2208") {
        throw refused("2601 cannot reverse infno " + oinfno);
    }
    if (m_reversedMsgids.count(omsgid) != 0) {
        throw refused("omsgid " + omsgid + " was already reversed");
    }
    const auto rit = m_received.find(omsgid);
    if (rit != m_received.end() && rit->second.effective) {
        auto& r = rit->second;
        if (r.infno != oinfno) {
            throw InputError("input.data.oinfno", "omsgid was a " + r.infno + ", not " + oinfno);
        }
        if (r.psnNo != psn) {
            throw InputError("input.data.psn_no", "does not match the original message");
        }
        if (oinfno == "2201") {
            auto& v = m_visits.at(r.key);
            for (const auto& [b, settled] : v.settledBatches) {
                if (settled) {
                    throw refused("the visit has a settlement: reverse or cancel it first");
                }
            }
            v.reversed = true;
            m_visitByOtp.erase(v.fixmedinsCode + "|" + v.iptOtpNo);
        } else if (oinfno == "2204") {
            const auto tab = r.key.find('\t');
            auto& v = m_visits.at(r.key.substr(0, tab));
            const auto bch = r.key.substr(tab + 1);
            if (v.settledBatches[bch]) {
                throw refused("the fee batch is settled: reverse or cancel the settlement first");
            }
            v.batches.erase(bch);
            v.batchSns.erase(bch);
        } else if (oinfno == "2207") {
            auto& s = m_setls.at(r.key);
            if (s.status == "OK") {
                undoTotals(s);
                m_visits[s.mdtrtId].settledBatches[s.chrgBchno] = false;
            }
            s.status = "REVERSED";
        } else { // 2208: the settlement is active again
            auto& s = m_setls.at(r.key);
            if (s.status != "CANCELLED") {
                throw refused("the cancelled settlement is no longer cancelled");
            }
            s.status = "OK";
            const auto tkey = totalsKey(s.psnNo, s.year, s.insutype);
            m_totals[tkey] = s.split.totalsAfter;
            m_visits[s.mdtrtId].settledBatches[s.chrgBchno] = true;
        }
        r.effective = false;
    }
    // An omsgid never received is reversed as well: nothing committed, and it never will.
    m_reversedMsgids.insert(omsgid);
    c.committed = true;
    return {};
}

json::object CenterSim::querySettlement(Ctx& c) {
    const auto d = JsonIn(*c.input, "input").object("data");
    const auto psn = d.str("psn_no", 30);
    const auto setlId = d.str("setl_id", 30);
    const auto it = m_setls.find(setlId);
    if (it == m_setls.end() || it->second.psnNo != psn) {
        throw refused("no settlement " + setlId + " for this psn_no");
    }
    if (d.has("mdtrt_id") && d.str("mdtrt_id", 30) != it->second.mdtrtId) {
        throw refused("settlement " + setlId + " is not of this mdtrt_id");
    }
    return json::object { { "setlinfo", setlinfo(it->second, true) },
        { "setldetail", json::array {} } };
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

// setlinfo of 2207 (and 5203 when forQuery: cash_payamt, refd_setl_flag, fixmedins fields).
json::object CenterSim::setlinfo(const Setl& s, bool forQuery) const {
    const auto& p = s.split;
    json::object o;
    o["mdtrt_id"] = s.mdtrtId;
    o["setl_id"] = s.setlId;
    o["psn_no"] = s.psnNo;
    o["psn_name"] = "";
    o["psn_cert_type"] = "01";
    o["certno"] = "";
    o["insutype"] = s.insutype;
    const auto person = m_data.persons.find(s.psnNo);
    o["psn_type"] = person == m_data.persons.end() ? "general" : person->second;
    o["cvlserv_flag"] = "0";
    o["setl_time"] = s.setlTime;
    o["mdtrt_cert_type"] = "02";
    o["med_type"] = s.medType;
    o["medfee_sumamt"] = wireAmount(p.medfeeSumamt);
    o["fulamt_ownpay_amt"] = wireAmount(p.fulamtOwnpayAmt);
    o["overlmt_selfpay"] = wireAmount(p.overlmtSelfpay);
    o["preselfpay_amt"] = wireAmount(p.preselfpayAmt);
    o["inscp_scp_amt"] = wireAmount(p.inscpScpAmt);
    o["act_pay_dedc"] = wireAmount(p.actPayDedc);
    o["hifp_pay"] = wireAmount(p.hifpPay);
    o["pool_prop_selfpay"] = wireRatio(p.poolPropSelfpay);
    o["cvlserv_pay"] = wireAmount(0);
    o["hifes_pay"] = wireAmount(0);
    o["hifmi_pay"] = wireAmount(p.hifmiPay);
    o["hifob_pay"] = wireAmount(0);
    o["maf_pay"] = wireAmount(p.mafPay);
    o["oth_pay"] = wireAmount(0);
    o["fund_pay_sumamt"] = wireAmount(p.fundPaySumamt);
    o["psn_part_amt"] = wireAmount(p.psnPartAmt);
    o["acct_pay"] = wireAmount(p.acctPay);
    if (forQuery) {
        o["cash_payamt"] = wireAmount(p.psnCashPay);
        o["psn_pay"] = wireAmount(p.psnPartAmt);
        o["refd_setl_flag"] = s.status == "OK" ? "0" : "1";
        o["fixmedins_code"] = s.fixmedinsCode;
        o["hosp_lv"] = m_data.institutions.at(s.fixmedinsCode);
    } else {
        o["psn_cash_pay"] = wireAmount(p.psnCashPay);
    }
    o["hosp_part_amt"] = wireAmount(p.hospPartAmt);
    o["balc"] = wireAmount(0);
    o["acct_mulaid_pay"] = wireAmount(0);
    o["medins_setl_id"] = s.msgid;
    o["clr_optins"] = m_admdvs;
    o["clr_way"] = "1";
    o["clr_type"] = s.clrType;
    return o;
}

} // namespace hc::settle
