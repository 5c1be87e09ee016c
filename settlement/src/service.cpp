#include "hc/settle/service.hpp"

#include "hc/settle/error.hpp"
#include "hc/settle/json_in.hpp"

#include <boost/json/serialize.hpp>

namespace hc::settle {

namespace json = boost::json;

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

std::string SettlementService::handle(const std::string& terminal, std::string_view request) {
    json::object reply;
    std::string requestId;
    try {
        const auto value = parseJsonText(request, "request", 1024 * 1024);
        const JsonIn in(value, "");
        requestId = in.strOr("request_id", "", 64);
        reply = dispatch(terminal, value);
        reply["ok"] = true;
    } catch (const Error& e) {
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

json::object SettlementService::dispatch(const std::string& terminal, const json::value& request) {
    const JsonIn in(request, "");
    const auto call = in.str("call", 32);
    (void)in.str("request_id", 64);
    if (call == "register_visit") {
        return registerVisit(terminal, request);
    }
    if (call == "upload_fees") {
        return uploadFees(terminal, request);
    }
    if (call == "pre_settle") {
        return preSettle(request);
    }
    if (call == "settle") {
        return settle(terminal, request);
    }
    if (call == "cancel") {
        return cancel(terminal, request);
    }
    if (call == "query") {
        return query(request);
    }
    if (call == "shift_totals") {
        return shiftTotals(terminal, request);
    }
    throw InputError("call", "unknown call '" + call + "'");
}

namespace {

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

std::string opterType(const json::value& req) {
    const JsonIn in(req, "");
    return in.strOr("opter_type", "2", 1);
}

} // namespace

json::object SettlementService::registerVisit(const std::string& terminal, const json::value& req) {
    const JsonIn in(req, "");
    const auto requestId = in.str("request_id", 64);
    const auto visitId = in.str("visit_id", 30);
    json::object visit;
    visit["visit_id"] = visitId;
    visit["psn_no"] = in.str("psn_no", 30);
    visit["insutype"] = in.str("insutype", 8);
    visit["psn_type"] = in.strOr("psn_type", "general", 32);
    visit["hosp_lv"] = in.str("hosp_lv", 32);
    visit["med_type"] = in.str("med_type", 32);
    visit["year"] = in.integer("year", 1990, 2100);
    visit["region"] = in.strOr("region", m_ctx.mdtrtareaAdmvs, 12);
    visit["terminal"] = terminal;
    // The rule table must exist before anything is queued.
    (void)m_policies.find(PolicyKey { std::string(visit["region"].as_string()),
        static_cast<int>(visit["year"].as_int64()), std::string(visit["insutype"].as_string()),
        std::string(visit["psn_type"].as_string()), std::string(visit["hosp_lv"].as_string()),
        std::string(visit["med_type"].as_string()) });

    auto tx = m_store.begin();
    if (auto r = replay(tx->reserveRequest(requestId, terminal, "register_visit", nowMs()))) {
        return *r;
    }
    if (!tx->insertDoc("visit", visitId, json::serialize(visit))) {
        throw InputError("visit_id", "visit already registered");
    }
    json::object input;
    input["ipt_otp_no"] = visitId;
    for (const char* k : { "psn_no", "insutype", "psn_type", "hosp_lv", "med_type", "year" }) {
        input[k] = visit[k];
    }
    auto e = makeOutboxEntry(m_ctx, m_msgids, m_config.retry, "2201", visitId, opterType(req),
        terminal, std::move(input));
    tx->insertOutbox(e);
    json::object reply { { "status", "registered" }, { "visit_id", visitId },
        { "msgid", e.msgid } };
    tx->setRequestReply(requestId, json::serialize(reply));
    tx->commit();
    return reply;
}

json::object SettlementService::uploadFees(const std::string& terminal, const json::value& req) {
    const JsonIn in(req, "");
    const auto requestId = in.str("request_id", 64);
    const auto visitId = in.str("visit_id", 30);
    const auto batch = in.str("chrg_bchno", 30);
    json::array feedetail;
    json::array stored;
    for (const auto& it : in.objects("items", 2000)) {
        json::object f;
        f["hilist_code"] = it.str("code", 50);
        const auto cls = parseItemClass(it.str("class", 8));
        if (!cls) {
            throw InputError(it.at("class"), "expected A/B/C, 甲/乙/丙 or 01/02/03");
        }
        const char* lv = *cls == ItemClass::A ? "01" : *cls == ItemClass::B ? "02" : "03";
        f["chrgitm_lv"] = lv;
        f["det_item_fee_sumamt"] = formatYuan(it.fen("amount_fen"));
        f["cnt_milli"] = it.integerOr("qty_milli", 1000, 1, 10'000'000);
        if (it.has("price_cap_fen")) {
            f["pric_uplmt_amt"] = formatYuan(it.integer("price_cap_fen", 0, 1'000'000'000));
        }
        if (it.has("selfpay_pct")) {
            const auto bp = it.percent("selfpay_pct");
            f["selfpay_prop_pct"] = std::to_string(bp / 100) + "." + std::to_string(bp % 100 / 10)
                + std::to_string(bp % 10);
        }
        feedetail.push_back(f);
        stored.push_back(it.raw());
    }
    if (feedetail.empty()) {
        throw InputError("items", "at least one fee line");
    }
    auto tx = m_store.begin();
    if (auto r = replay(tx->reserveRequest(requestId, terminal, "upload_fees", nowMs()))) {
        return *r;
    }
    if (!tx->getDoc("visit", visitId)) {
        throw InputError("visit_id", "unknown visit; register it first");
    }
    if (!tx->insertDoc("fees", visitId + "/" + batch, json::serialize(stored))) {
        throw InputError("chrg_bchno", "batch already uploaded for this visit");
    }
    json::object input;
    input["ipt_otp_no"] = visitId;
    input["chrg_bchno"] = batch;
    input["feedetail"] = std::move(feedetail);
    auto e = makeOutboxEntry(m_ctx, m_msgids, m_config.retry, "2204", visitId, opterType(req),
        terminal, std::move(input));
    tx->insertOutbox(e);
    json::object reply { { "status", "uploaded" }, { "msgid", e.msgid } };
    tx->setRequestReply(requestId, json::serialize(reply));
    tx->commit();
    return reply;
}

SettlementSplit SettlementService::estimate(StoreTransaction& tx, const std::string& visitId,
    const std::string& batch, bool useAccount, ClaimInput& claim, std::string& totalsKey) {
    const auto visitDoc = tx.getDoc("visit", visitId);
    if (!visitDoc) {
        throw InputError("visit_id", "unknown visit; register it first");
    }
    const auto feesDoc = tx.getDoc("fees", visitId + "/" + batch);
    if (!feesDoc) {
        throw InputError("chrg_bchno", "no fee details uploaded for this batch");
    }
    const auto visitJson = parseJsonText(*visitDoc, "visit");
    const JsonIn v(visitJson, "visit");
    json::object claimJson;
    for (const char* k : { "region", "year", "insutype", "psn_type", "hosp_lv", "med_type" }) {
        claimJson[k] = v.raw().at(k);
    }
    claimJson["items"] = parseJsonText(*feesDoc, "fees");
    claimJson["acct_used_flag"] = useAccount;
    claim = claimFromJson(claimJson);
    totalsKey
        = v.str("psn_no", 30) + "|" + std::to_string(claim.key.year) + "|" + claim.key.insutype;
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
    return computeSettlement(m_policies.find(claim.key), claim, totals);
}

json::object SettlementService::preSettle(const json::value& req) {
    const JsonIn in(req, "");
    auto tx = m_store.beginRead();
    ClaimInput claim;
    std::string key;
    const auto split = estimate(*tx, in.str("visit_id", 30), in.str("chrg_bchno", 30),
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

json::object SettlementService::settle(const std::string& terminal, const json::value& req) {
    const JsonIn in(req, "");
    const auto requestId = in.str("request_id", 64);
    const auto visitId = in.str("visit_id", 30);
    const auto batch = in.str("chrg_bchno", 30);
    const bool useAccount = in.booleanOr("acct_used_flag", false);
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
    std::string psnNo;
    {
        auto rtx = m_store.beginRead();
        est = estimate(*rtx, visitId, batch, useAccount, claim, totalsKey);
        const auto visitJson = parseJsonText(*rtx->getDoc("visit", visitId), "visit");
        psnNo = JsonIn(visitJson, "visit").str("psn_no", 30);
        rtx->commit();
    }
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
        otx.audit(nowMs(), terminal, provisional ? "settle.provisional" : "settle.self_pay",
            r.msgid,
            "psn " + maskId(r.psnNo) + " fund " + formatYuan(est.fundPaySumamt) + " exposure "
                + formatYuan(exposure));
    };
    {
        auto tx = m_store.begin();
        if (auto r = replay(tx->reserveRequest(requestId, terminal, "settle", nowMs()))) {
            if (r->contains("msgid") && r->at("status") == "pending") {
                if (auto rec = tx->settlementByMsgid(std::string(r->at("msgid").as_string()))) {
                    auto cur = settlementToJson(*rec);
                    cur["replayed"] = true;
                    return cur;
                }
            }
            return *r;
        }
        json::object input;
        input["ipt_otp_no"] = visitId;
        input["chrg_bchno"] = batch;
        input["psn_no"] = psnNo;
        input["insutype"] = claim.key.insutype;
        input["medfee_sumamt"] = formatYuan(est.medfeeSumamt);
        input["acct_used_flag"] = useAccount ? "1" : "0";
        input["clr_type"] = m_config.clrType;
        auto e = makeOutboxEntry(m_ctx, m_msgids, m_config.retry, "2207", visitId, opterType(req),
            terminal, std::move(input));
        msgid = e.msgid;
        if (m_config.settleWait.count() > 0) {
            std::lock_guard lock(m_waitMutex);
            m_waiters[msgid] = false;
            waiter.msgid = msgid;
        }
        SettlementRecord rec;
        rec.requestId = requestId;
        rec.terminal = terminal;
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
            tx->setRequestReply(requestId, json::serialize(reply));
            tx->commit();
            return reply;
        }
        tx->setRequestReply(requestId,
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
        const auto rec = tx->settlementByMsgid(msgid);
        if (rec && rec->status != SettlementStatus::Pending) {
            auto reply = settlementToJson(*rec);
            if (rec->status == SettlementStatus::Failed) {
                const auto entry = tx->outboxByMsgid(msgid);
                throw Error("center.rejected",
                    "center refused the settlement: " + (entry ? entry->lastError : ""),
                    NextStep::CallStaff);
            }
            tx->setRequestReply(requestId, json::serialize(reply));
            tx->commit();
            return reply;
        }
    }

    // The center did not confirm in time: offline decision, in one transaction.
    auto tx = m_store.begin();
    auto rec = tx->settlementByMsgid(msgid);
    if (!rec) {
        throw StoreError("settlement " + msgid + " vanished");
    }
    if (rec->status == SettlementStatus::Pending) {
        settleOffline(*tx, *rec);
    }
    auto reply = settlementToJson(*rec);
    tx->setRequestReply(requestId, json::serialize(reply));
    tx->commit();
    return reply;
}

json::object SettlementService::cancel(const std::string& terminal, const json::value& req) {
    const JsonIn in(req, "");
    const auto requestId = in.str("request_id", 64);
    const auto msgid = in.str("msgid", 30);
    auto tx = m_store.begin();
    if (auto r = replay(tx->reserveRequest(requestId, terminal, "cancel", nowMs()))) {
        return *r;
    }
    const auto rec = tx->settlementByMsgid(msgid);
    if (!rec) {
        throw InputError("msgid", "no settlement with this msgid");
    }
    if (rec->status != SettlementStatus::Settled || rec->setlId.empty()) {
        throw Error("settle.not_confirmed",
            "settlement is " + std::string(settlementStatusName(rec->status))
                + "; cancel only after the center confirmed it",
            NextStep::Retry);
    }
    json::object input;
    input["setl_id"] = rec->setlId;
    input["ipt_otp_no"] = rec->visitId;
    input["psn_no"] = rec->psnNo;
    auto e = makeOutboxEntry(m_ctx, m_msgids, m_config.retry, "2208", rec->visitId, opterType(req),
        terminal, std::move(input), msgid);
    tx->insertOutbox(e);
    tx->audit(nowMs(), terminal, "cancel.requested", msgid, e.msgid);
    json::object reply { { "status", "cancel_queued" }, { "msgid", e.msgid } };
    tx->setRequestReply(requestId, json::serialize(reply));
    tx->commit();
    return reply;
}

json::object SettlementService::query(const json::value& req) {
    const JsonIn in(req, "");
    auto tx = m_store.beginRead();
    const auto rec = tx->settlementByMsgid(in.str("msgid", 30));
    if (!rec) {
        throw InputError("msgid", "no settlement with this msgid");
    }
    return settlementToJson(*rec);
}

json::object SettlementService::shiftTotals(const std::string& terminal, const json::value& req) {
    const JsonIn in(req, "");
    const auto date = in.strOr("date", isoDate(std::chrono::system_clock::now()), 10);
    auto tx = m_store.beginRead();
    json::object byStatus;
    for (const auto& r : tx->settlementsOfTerminal(terminal, date)) {
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
    for (const auto& a : tx->openAdjustments(terminal)) {
        adjustments.push_back(json::object {
            { "msgid", a.msgid }, { "amount_fen", a.amount }, { "reason", a.reason } });
        adjTotal += a.amount;
    }
    return json::object { { "terminal", terminal }, { "date", date }, { "by_status", byStatus },
        { "open_adjustments", adjustments }, { "open_adjustments_fen", adjTotal } };
}

} // namespace hc::settle
