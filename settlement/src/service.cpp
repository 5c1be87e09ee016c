#include "hc/settle/service.hpp"

#include "hc/base/crypto/digest.hpp"
#include "hc/settle/error.hpp"
#include "hc/settle/json_in.hpp"
#include "hc/settle/wire_json.hpp"

#include <boost/json/serialize.hpp>
#include <iostream>

namespace hc::settle {

namespace json = boost::json;

NotYoursError::NotYoursError(const std::string& what)
    : Error("auth.not_yours", what + " belongs to another terminal", NextStep::CallStaff) {
}

std::string maskId(std::string_view id) {
    if (id.size() <= 4) {
        return std::string(id.size(), '*');
    }
    return std::string(id.substr(0, 2)) + std::string(id.size() - 4, '*')
        + std::string(id.substr(id.size() - 2));
}

json::object settlementToJson(const SettlementRecord& r) {
    json::object o;
    o["msgid"] = r.msgid;
    o["setl_id"] = r.setlId;
    o["visit_id"] = r.visitId;
    o["chrg_bchno"] = r.chrgBchno;
    o["terminal"] = r.terminal;
    o["psn_no"] = maskId(r.psnNo);
    o["insutype"] = r.insutype;
    o["status"] = settlementStatusName(r.status);
    o["provisional"] = r.provisional;
    o["medfee_fen"] = r.medfee;
    o["fund_fen"] = r.fund;
    o["acct_fen"] = r.acct;
    o["cash_fen"] = r.cash;
    o["hosp_fen"] = r.hosp;
    o["setl_date"] = r.setlDate;
    return o;
}

struct SettlementService::Call {
    std::string terminal;
    const json::value* req = nullptr;
    std::string requestId;
    std::string key; // "<call>#<sha256 of the body>", the ledger's idempotency key
    std::string opterType;
};

namespace {

std::string sha256Hex(std::string_view data) {
    try {
        return crypto::toLowerHex(crypto::sha256(data));
    } catch (const hc::Error&) {
        throw StoreError("SHA-256 failed");
    }
}

// Returns the stored reply for a repeated request id, or nullopt for a fresh one.
std::optional<json::object> replay(const RequestSlot& slot) {
    if (slot.fresh) {
        return std::nullopt;
    }
    if (slot.reply.empty()) {
        return json::object { { "status", "in_progress" }, { "replayed", true } };
    }
    auto v = parseJsonText(slot.reply, "stored reply");
    auto o = v.as_object();
    o["replayed"] = true;
    return o;
}

// The visit document, which must belong to `terminal`.
json::object ownVisit(
    StoreTransaction& tx, const std::string& terminal, const std::string& visitId) {
    const auto doc = tx.getDoc("visit", visitId);
    if (!doc) {
        throw InputError("visit_id", "unknown visit; register it first");
    }
    auto v = parseWireJson(*doc, "visit").as_object();
    const auto* owner = v.if_contains("terminal");
    if (owner == nullptr || !owner->is_string() || owner->get_string() != terminal) {
        throw NotYoursError("visit " + visitId);
    }
    return v;
}

std::string field(const json::object& o, const char* name) {
    const auto* v = o.if_contains(name);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// pric 16,6 of a line: amount / quantity, truncated at six decimals.
json::value unitPrice(Fen amount, std::int64_t qtyMilli) {
    const std::int64_t num = amount * 10; // yuan × qtyMilli scale
    std::string out = std::to_string(num / qtyMilli) + ".";
    std::int64_t r = num % qtyMilli;
    for (int i = 0; i < 6; ++i) {
        r *= 10;
        out += static_cast<char>('0' + r / qtyMilli);
        r %= qtyMilli;
    }
    return wireDecimal(out);
}

json::value quantity(std::int64_t qtyMilli) {
    return wireDecimal(
        std::to_string(qtyMilli / 1000) + "." + std::to_string(1000 + qtyMilli % 1000).substr(1));
}

} // namespace

SettlementService::SettlementService(LedgerStore& store, const PolicyLibrary& policies,
    EnvelopeContext context, MsgidGenerator& msgids, ServiceConfig config)
    : m_store(store)
    , m_policies(policies)
    , m_ctx(std::move(context))
    , m_msgids(msgids)
    , m_config(std::move(config)) {
}

ResolvedHook SettlementService::hook() {
    return [this](StoreTransaction&, const OutboxEntry& entry) {
        {
            std::lock_guard lock(m_waitMutex);
            const auto it = m_waiters.find(entry.msgid);
            if (it == m_waiters.end()) {
                return; // nobody waits for this one
            }
            it->second = true;
        }
        m_resolved.notify_all();
    };
}

void SettlementService::refusedAudit(const std::string& terminal, const NotYoursError& e) {
    std::cerr << "settlementd: refused " << terminal << ": " << e.what() << "\n";
    try {
        auto tx = m_store.begin();
        tx->audit(nowMs(), terminal, "auth.refused", terminal, e.what());
        tx->commit();
    } catch (const std::exception&) { // the refusal stands even if the audit cannot be written
    }
}

std::string SettlementService::handle(const std::string& terminal, std::string_view request) {
    json::object reply;
    std::string requestId;
    try {
        const auto value = parseJsonText(request, "request", 1024 * 1024);
        const JsonIn in(value, "");
        requestId = in.strOr("request_id", "", 64);
        Call c;
        c.terminal = terminal;
        c.req = &value;
        c.requestId = in.str("request_id", 64);
        const auto call = in.str("call", 32);
        c.key = call + "#" + sha256Hex(json::serialize(value));
        c.opterType = in.strOr("opter_type", "2", 1);
        if (c.opterType != "1" && c.opterType != "2" && c.opterType != "3") {
            throw InputError("opter_type", "expected 1 (staff), 2 (kiosk) or 3 (mobile)");
        }
        reply = dispatch(c);
        reply["ok"] = true;
    } catch (const Error& e) {
        if (const auto* ny = dynamic_cast<const NotYoursError*>(&e)) {
            refusedAudit(terminal, *ny);
        }
        json::object err;
        err["code"] = e.code();
        err["message"] = e.what();
        err["next_step"] = nextStepName(e.next());
        if (const auto* ie = dynamic_cast<const InputError*>(&e)) {
            err["field"] = ie->field();
        }
        reply = json::object { { "ok", false }, { "error", std::move(err) } };
    } catch (const std::exception& e) {
        json::object err;
        err["code"] = "internal";
        err["message"] = e.what();
        err["next_step"] = "call_staff";
        reply = json::object { { "ok", false }, { "error", std::move(err) } };
    }
    if (!requestId.empty()) {
        reply["request_id"] = requestId;
    }
    return json::serialize(reply);
}

namespace {

// A read-only call stores nothing under its request id, but an id already used for another
// call or body (or by another terminal) is refused all the same.
void checkReadOnlyId(StoreTransaction& tx, const std::string& requestId,
    const std::string& terminal, const std::string& key) {
    const auto used = tx.requestKey(requestId);
    if (used && (used->first != terminal || used->second != key)) {
        throw DuplicateError("request", "request id used before with another call or body");
    }
}

} // namespace

json::object SettlementService::dispatch(const Call& c) {
    const auto call = c.key.substr(0, c.key.find('#'));
    if (call == "register_visit") {
        return registerVisit(c);
    }
    if (call == "upload_fees") {
        return uploadFees(c);
    }
    if (call == "pre_settle") {
        return preSettle(c);
    }
    if (call == "settle") {
        return settle(c);
    }
    if (call == "cancel") {
        return cancel(c);
    }
    if (call == "query") {
        return query(c);
    }
    if (call == "shift_totals") {
        return shiftTotals(c);
    }
    throw InputError("call", "unknown call '" + call + "'");
}

json::object SettlementService::registerVisit(const Call& c) {
    const JsonIn in(*c.req, "");
    const auto visitId = in.str("visit_id", 30);
    const auto& codes = m_config.codes;
    json::object visit;
    visit["visit_id"] = visitId;
    visit["psn_no"] = in.str("psn_no", 30);
    visit["insutype"] = codes.code("insutype", in.str("insutype", 8), "insutype");
    const auto medType = codes.code("med_type", in.str("med_type", 32), "med_type");
    visit["med_type"] = medType;
    visit["rule_med_type"] = codes.alias("med_type", medType);
    visit["mdtrt_cert_type"] = codes.code("mdtrt_cert_type",
        in.strOr("mdtrt_cert_type", codes.defaultCode("mdtrt_cert_type"), 8), "mdtrt_cert_type");
    visit["mdtrt_cert_no"]
        = in.strOr("mdtrt_cert_no", std::string(visit["psn_no"].as_string()), 50);
    // Local estimate only: the center knows the person's type and the hospital's level.
    visit["psn_type"] = in.strOr("psn_type", "general", 32);
    visit["hosp_lv"] = in.strOr("hosp_lv", m_config.hospLv, 32);
    visit["year"] = in.integerOr("year", 0, 0, 2100);
    visit["region"] = in.strOr("region", m_ctx.mdtrtareaAdmvs, 12);
    visit["terminal"] = c.terminal;
    // The rule table must exist before anything is queued.
    PolicyKey key { std::string(visit["region"].as_string()), 0,
        std::string(visit["insutype"].as_string()), std::string(visit["psn_type"].as_string()),
        std::string(visit["hosp_lv"].as_string()), codes.alias("med_type", medType) };
    if (visit["year"].as_int64() != 0) {
        key.year = static_cast<int>(visit["year"].as_int64());
        (void)m_policies.find(key);
    } else {
        key.year = std::stoi(isoDate(std::chrono::system_clock::now()).substr(0, 4));
        (void)m_policies.findInForce(key);
    }

    auto tx = m_store.begin();
    if (auto r = replay(tx->reserveRequest(c.requestId, c.terminal, c.key, nowMs()))) {
        return *r;
    }
    if (!tx->insertDoc("visit", visitId, json::serialize(visit))) {
        throw InputError("visit_id", "visit already registered");
    }
    json::object data;
    data["psn_no"] = visit["psn_no"];
    data["insutype"] = visit["insutype"];
    data["begntime"] = isoTime(std::chrono::system_clock::now());
    data["mdtrt_cert_type"] = visit["mdtrt_cert_type"];
    data["mdtrt_cert_no"] = visit["mdtrt_cert_no"];
    data["ipt_otp_no"] = visitId; // materialized: the center-facing number
    for (const char* f : { "atddr_no", "dr_name", "dept_code", "dept_name", "caty" }) {
        data[f] = codes.field("visit", f);
    }
    auto e = makeOutboxEntry(m_ctx, m_msgids, m_config.retry, "2201", visitId, c.opterType,
        c.terminal, json::object { { "data", std::move(data) } });
    tx->insertOutbox(e);
    json::object reply { { "status", "registered" }, { "visit_id", visitId },
        { "msgid", e.msgid } };
    tx->setRequestReply(c.requestId, json::serialize(reply));
    tx->commit();
    return reply;
}

json::object SettlementService::uploadFees(const Call& c) {
    const JsonIn in(*c.req, "");
    const auto visitId = in.str("visit_id", 30);
    const auto batch = in.str("chrg_bchno", 30);
    const auto& codes = m_config.codes;
    const auto now = isoTime(std::chrono::system_clock::now());
    json::array feedetail;
    json::array stored;
    Fen total = 0;
    for (const auto& it : in.objects("items", 2000)) {
        const auto code = it.str("code", 50);
        if (!parseItemClass(it.str("class", 8))) {
            throw InputError(it.at("class"), "expected A/B/C, 甲/乙/丙 or 01/02/03");
        }
        const auto amount = it.fen("amount_fen");
        const auto qty = it.integerOr("qty_milli", 1000, 1, 10'000'000);
        if (it.has("price_cap_fen")) {
            (void)it.integer("price_cap_fen", 0, 1'000'000'000);
        }
        if (it.has("selfpay_pct")) {
            (void)it.percent("selfpay_pct");
        }
        total += amount;
        if (total > m_config.claimCap) {
            throw InputError("items",
                "the batch exceeds the per-claim cap of " + formatYuan(m_config.claimCap)
                    + " yuan; split it or call staff");
        }
        json::object f;
        f["feedetl_sn"] = ""; // materialized: chrg_bchno + line number
        f["mdtrt_id"] = ""; // materialized: the center's visit id
        f["psn_no"] = "";
        f["chrg_bchno"] = batch;
        f["rx_circ_flag"] = "0";
        f["fee_ocur_time"] = now;
        f["med_list_codg"] = code;
        f["medins_list_codg"] = code;
        f["det_item_fee_sumamt"] = wireAmount(amount);
        f["cnt"] = quantity(qty);
        f["pric"] = unitPrice(amount, qty);
        for (const char* k :
            { "bilg_dept_codg", "bilg_dept_name", "bilg_dr_codg", "bilg_dr_name" }) {
            f[k] = codes.field("fee", k);
        }
        f["hosp_appr_flag"] = "0";
        f["tcmdrug_used_way"] = "";
        f["etip_flag"] = "0";
        f["dscg_tkdrug_flag"] = "0";
        f["matn_fee_flag"] = "0";
        feedetail.push_back(std::move(f));
        stored.push_back(it.raw());
    }
    if (feedetail.empty()) {
        throw InputError("items", "at least one fee line");
    }
    auto tx = m_store.begin();
    if (auto r = replay(tx->reserveRequest(c.requestId, c.terminal, c.key, nowMs()))) {
        return *r;
    }
    const auto visit = ownVisit(*tx, c.terminal, visitId);
    for (auto& f : feedetail) {
        f.as_object()["psn_no"] = visit.at("psn_no");
    }
    if (!tx->insertDoc("fees", visitId + "/" + batch, json::serialize(stored))) {
        throw InputError("chrg_bchno", "batch already uploaded for this visit");
    }
    auto e = makeOutboxEntry(m_ctx, m_msgids, m_config.retry, "2204", visitId, c.opterType,
        c.terminal, json::object { { "feedetail", std::move(feedetail) } });
    tx->insertOutbox(e);
    json::object reply { { "status", "uploaded" }, { "msgid", e.msgid } };
    tx->setRequestReply(c.requestId, json::serialize(reply));
    tx->commit();
    return reply;
}

SettlementSplit SettlementService::estimate(StoreTransaction& tx, const std::string& terminal,
    const std::string& visitId, const std::string& batch, bool useAccount, ClaimInput& claim,
    std::string& totalsKey, json::object* visitOut) {
    auto v = ownVisit(tx, terminal, visitId);
    const auto feesDoc = tx.getDoc("fees", visitId + "/" + batch);
    if (!feesDoc) {
        throw InputError("chrg_bchno", "no fee details uploaded for this batch");
    }
    json::object claimJson;
    for (const char* k : { "region", "insutype", "psn_type", "hosp_lv" }) {
        claimJson[k] = v.at(k);
    }
    claimJson["med_type"] = v.at("rule_med_type");
    const auto year = v.at("year").as_int64();
    claimJson["year"]
        = year != 0 ? year : std::stoll(isoDate(std::chrono::system_clock::now()).substr(0, 4));
    claimJson["items"] = parseJsonText(*feesDoc, "fees");
    claimJson["acct_used_flag"] = useAccount;
    claim = claimFromJson(claimJson);
    totalsKey
        = field(v, "psn_no") + "|" + std::to_string(claim.key.year) + "|" + claim.key.insutype;
    RunningTotals totals;
    if (const auto t = tx.getDoc("totals", totalsKey)) {
        const auto tv = parseJsonText(*t, "totals");
        const JsonIn ti(tv, "totals");
        totals.dedcPaid = ti.fen("dedc_paid");
        totals.hifpPaid = ti.fen("hifp_paid");
        totals.seriousBase = ti.fen("serious_base");
        totals.hifmiPaid = ti.fen("hifmi_paid");
        totals.mafPaid = ti.fen("maf_paid");
    }
    const auto& table = year != 0 ? m_policies.find(claim.key) : m_policies.findInForce(claim.key);
    if (visitOut != nullptr) {
        *visitOut = std::move(v);
    }
    return computeSettlement(table, claim, totals);
}

json::object SettlementService::preSettle(const Call& c) {
    const JsonIn in(*c.req, "");
    auto tx = m_store.beginRead();
    checkReadOnlyId(*tx, c.requestId, c.terminal, c.key);
    ClaimInput claim;
    std::string key;
    const auto split = estimate(*tx, c.terminal, in.str("visit_id", 30), in.str("chrg_bchno", 30),
        in.booleanOr("acct_used_flag", false), claim, key);
    json::object reply;
    reply["status"] = "estimate";
    reply["medfee_fen"] = split.medfeeSumamt;
    reply["fund_fen"] = split.fundPaySumamt;
    reply["acct_fen"] = split.acctPay;
    reply["cash_fen"] = split.psnCashPay;
    reply["rule_version"] = split.ruleVersion;
    return reply;
}

json::object SettlementService::settle(const Call& c) {
    const JsonIn in(*c.req, "");
    const auto visitId = in.str("visit_id", 30);
    const auto batch = in.str("chrg_bchno", 30);
    const bool useAccount = in.booleanOr("acct_used_flag", false);
    const auto& codes = m_config.codes;
    const auto setlway = codes.code(
        "psn_setlway", in.strOr("psn_setlway", codes.defaultCode("psn_setlway"), 8), "psn_setlway");
    std::string msgid;
    SettlementSplit est;
    std::string totalsKey;
    // Registered before the entry can be sent, so the dispatcher's hook cannot be missed.
    struct Waiter {
        std::mutex& mutex;
        std::map<std::string, bool>& waiters;
        std::string msgid;
        ~Waiter() {
            if (!msgid.empty()) {
                std::lock_guard lock(mutex);
                waiters.erase(msgid);
            }
        }
    } waiter { m_waitMutex, m_waiters, {} };
    // The estimate reads the visit, the fee batch and the running totals on a reader snapshot,
    // outside the write transaction (the one connection of the writer stays free meanwhile).
    ClaimInput claim;
    json::object visit;
    {
        auto rtx = m_store.beginRead();
        est = estimate(*rtx, c.terminal, visitId, batch, useAccount, claim, totalsKey, &visit);
        rtx->commit();
    }
    if (est.medfeeSumamt > m_config.claimCap) {
        throw InputError("chrg_bchno",
            "the claim exceeds the per-claim cap of " + formatYuan(m_config.claimCap)
                + " yuan; call staff");
    }
    const auto psnNo = field(visit, "psn_no");
    // Offline decision on a PENDING record: PROVISIONAL with the estimate within the exposure
    // limits (and the person's running totals cached), SELF_PAY otherwise.
    const auto settleOffline = [&](StoreTransaction& otx, SettlementRecord& r) {
        const Fen exposure = otx.provisionalExposure();
        const bool provisional = m_config.offline.mode == OfflineMode::Provisional
            && est.fundPaySumamt <= m_config.offline.perClaimLimit
            && exposure + est.fundPaySumamt <= m_config.offline.totalLimit;
        r.provisional = true;
        if (provisional) {
            r.status = SettlementStatus::Provisional;
            r.fund = est.fundPaySumamt;
            r.acct = est.acctPay;
            r.cash = est.psnCashPay;
            r.hosp = est.hospPartAmt;
            r.splitJson = json::serialize(splitToJson(est));
            // Cache the running totals so the next offline estimate for this person is right.
            json::object t;
            t["dedc_paid"] = est.totalsAfter.dedcPaid;
            t["hifp_paid"] = est.totalsAfter.hifpPaid;
            t["serious_base"] = est.totalsAfter.seriousBase;
            t["hifmi_paid"] = est.totalsAfter.hifmiPaid;
            t["maf_paid"] = est.totalsAfter.mafPaid;
            otx.putDoc("totals", totalsKey, json::serialize(t));
        } else {
            r.status = SettlementStatus::SelfPay;
            r.fund = 0;
            r.acct = 0;
            r.cash = r.medfee;
            r.hosp = 0;
        }
        otx.updateSettlement(r);
        otx.audit(nowMs(), c.terminal, provisional ? "settle.provisional" : "settle.self_pay",
            r.msgid,
            "psn " + maskId(r.psnNo) + " fund " + formatYuan(est.fundPaySumamt) + " exposure "
                + formatYuan(exposure));
    };
    {
        auto tx = m_store.begin();
        if (auto r = replay(tx->reserveRequest(c.requestId, c.terminal, c.key, nowMs()))) {
            if (r->contains("msgid") && r->at("status") == "pending") {
                if (auto rec = findSettlement(*tx, std::string(r->at("msgid").as_string()))) {
                    auto cur = settlementToJson(*rec);
                    cur["replayed"] = true;
                    return cur;
                }
            }
            return *r;
        }
        json::object data;
        data["psn_no"] = psnNo;
        data["mdtrt_cert_type"] = visit.at("mdtrt_cert_type");
        data["mdtrt_cert_no"] = visit.at("mdtrt_cert_no");
        data["med_type"] = visit.at("med_type");
        data["medfee_sumamt"] = wireAmount(est.medfeeSumamt);
        data["psn_setlway"] = setlway;
        data["mdtrt_id"] = ""; // materialized
        data["chrg_bchno"] = batch; // materialized: the center-facing batch number
        data["insutype"] = visit.at("insutype");
        data["acct_used_flag"] = useAccount ? "1" : "0";
        data["invono"] = "";
        data["fulamt_ownpay_amt"] = wireAmount(est.fulamtOwnpayAmt);
        data["overlmt_selfpay"] = wireAmount(est.overlmtSelfpay);
        data["preselfpay_amt"] = wireAmount(est.preselfpayAmt);
        data["inscp_scp_amt"] = wireAmount(est.inscpScpAmt);
        auto e = makeOutboxEntry(m_ctx, m_msgids, m_config.retry, "2207", visitId, c.opterType,
            c.terminal, json::object { { "data", std::move(data) } });
        msgid = e.msgid;
        if (m_config.settleWait.count() > 0) {
            std::lock_guard lock(m_waitMutex);
            m_waiters[msgid] = false;
            waiter.msgid = msgid;
        }
        SettlementRecord rec;
        rec.requestId = c.requestId;
        rec.terminal = c.terminal;
        rec.visitId = visitId;
        rec.chrgBchno = batch;
        rec.msgid = msgid;
        rec.psnNo = psnNo;
        rec.insutype = claim.key.insutype;
        rec.clrType = m_config.clrType;
        rec.medfee = est.medfeeSumamt;
        rec.setlDate = isoDate(std::chrono::system_clock::now());
        rec.createdMs = nowMs();
        try {
            tx->insertSettlement(rec);
        } catch (const DuplicateError& d) {
            throw InputError("chrg_bchno", std::string("already settled: ") + d.what());
        }
        tx->insertOutbox(e);
        if (m_config.settleWait.count() <= 0) {
            // Not waiting for the center: the offline decision goes into the same transaction,
            // one durable commit per settle (the outbox entry replays it later).
            settleOffline(*tx, rec);
            auto reply = settlementToJson(rec);
            tx->setRequestReply(c.requestId, json::serialize(reply));
            tx->commit();
            return reply;
        }
        tx->setRequestReply(c.requestId,
            json::serialize(
                json::object { { "ok", true }, { "status", "pending" }, { "msgid", msgid } }));
        tx->commit();
    }

    // Wait for the dispatcher's hook to say the entry was answered (or the deadline), then read
    // the result. No ledger round trip while nothing happened.
    const auto deadline = std::chrono::steady_clock::now() + m_config.settleWait;
    while (m_config.settleWait.count() > 0) {
        {
            std::unique_lock lock(m_waitMutex);
            auto& flag = m_waiters[msgid];
            if (!m_resolved.wait_until(lock, deadline, [&] { return flag; })) {
                break; // deadline
            }
            flag = false;
        }
        auto tx = m_store.begin();
        const auto rec = findSettlement(*tx, msgid);
        if (rec && rec->status != SettlementStatus::Pending) {
            auto reply = settlementToJson(*rec);
            if (rec->status == SettlementStatus::Failed) {
                const auto entry = tx->outboxByMsgid(rec->msgid);
                throw Error("center.rejected",
                    "center refused the settlement: " + (entry ? entry->lastError : ""),
                    NextStep::CallStaff);
            }
            tx->setRequestReply(c.requestId, json::serialize(reply));
            tx->commit();
            return reply;
        }
    }

    // The center did not confirm in time: offline decision, in one transaction.
    auto tx = m_store.begin();
    auto rec = findSettlement(*tx, msgid);
    if (!rec) {
        throw StoreError("settlement " + msgid + " vanished");
    }
    if (rec->status == SettlementStatus::Pending) {
        settleOffline(*tx, *rec);
    }
    auto reply = settlementToJson(*rec);
    tx->setRequestReply(c.requestId, json::serialize(reply));
    tx->commit();
    return reply;
}

json::object SettlementService::cancel(const Call& c) {
    const JsonIn in(*c.req, "");
    const auto msgid = in.str("msgid", 30);
    auto tx = m_store.begin();
    if (auto r = replay(tx->reserveRequest(c.requestId, c.terminal, c.key, nowMs()))) {
        return *r;
    }
    const auto rec = findSettlement(*tx, msgid);
    if (!rec) {
        throw InputError("msgid", "no settlement with this msgid");
    }
    if (rec->terminal != c.terminal) {
        throw NotYoursError("settlement " + msgid);
    }
    if (rec->status != SettlementStatus::Settled || rec->setlId.empty()) {
        throw Error("settle.not_confirmed",
            "settlement is " + std::string(settlementStatusName(rec->status))
                + "; cancel only after the center confirmed it",
            NextStep::Retry);
    }
    json::object data;
    data["setl_id"] = rec->setlId;
    data["mdtrt_id"] = ""; // materialized
    data["psn_no"] = rec->psnNo;
    auto e = makeOutboxEntry(m_ctx, m_msgids, m_config.retry, "2208", rec->visitId, c.opterType,
        c.terminal, json::object { { "data", std::move(data) } }, rec->msgid);
    tx->insertOutbox(e);
    tx->audit(nowMs(), c.terminal, "cancel.requested", rec->msgid, e.msgid);
    json::object reply { { "status", "cancel_queued" }, { "msgid", e.msgid } };
    tx->setRequestReply(c.requestId, json::serialize(reply));
    tx->commit();
    return reply;
}

json::object SettlementService::query(const Call& c) {
    const JsonIn in(*c.req, "");
    const auto msgid = in.str("msgid", 30);
    auto tx = m_store.beginRead();
    checkReadOnlyId(*tx, c.requestId, c.terminal, c.key);
    const auto rec = findSettlement(*tx, msgid);
    if (!rec) {
        throw InputError("msgid", "no settlement with this msgid");
    }
    if (rec->terminal != c.terminal) {
        throw NotYoursError("settlement " + msgid);
    }
    return settlementToJson(*rec);
}

json::object SettlementService::shiftTotals(const Call& c) {
    const JsonIn in(*c.req, "");
    const auto date = in.strOr("date", isoDate(std::chrono::system_clock::now()), 10);
    auto tx = m_store.beginRead();
    checkReadOnlyId(*tx, c.requestId, c.terminal, c.key);
    json::object byStatus;
    for (const auto& r : tx->settlementsOfTerminal(c.terminal, date)) {
        auto& slot = byStatus[settlementStatusName(r.status)];
        if (!slot.is_object()) {
            slot = json::object { { "count", 0 }, { "medfee_fen", 0 }, { "fund_fen", 0 },
                { "acct_fen", 0 }, { "cash_fen", 0 } };
        }
        auto& o = slot.as_object();
        o["count"] = o["count"].as_int64() + 1;
        o["medfee_fen"] = o["medfee_fen"].as_int64() + r.medfee;
        o["fund_fen"] = o["fund_fen"].as_int64() + r.fund;
        o["acct_fen"] = o["acct_fen"].as_int64() + r.acct;
        o["cash_fen"] = o["cash_fen"].as_int64() + r.cash;
    }
    json::array adjustments;
    Fen adjTotal = 0;
    for (const auto& a : tx->openAdjustments(c.terminal)) {
        adjustments.push_back(json::object {
            { "msgid", a.msgid }, { "amount_fen", a.amount }, { "reason", a.reason } });
        adjTotal += a.amount;
    }
    return json::object { { "terminal", c.terminal }, { "date", date }, { "by_status", byStatus },
        { "open_adjustments", adjustments }, { "open_adjustments_fen", adjTotal } };
}

} // namespace hc::settle
