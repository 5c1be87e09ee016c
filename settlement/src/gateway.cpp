#include "hc/settle/gateway.hpp"

#include "hc/settle/json_in.hpp"
#include "hc/settle/policy.hpp"
#include "hc/settle/wire_json.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <set>
#include <thread>

namespace hc::settle {

namespace json = boost::json;

CenterUnavailable::CenterUnavailable(const std::string& message, bool mayHaveArrived)
    : Error("center.unavailable", "center unavailable: " + message, NextStep::Retry)
    , m_mayHaveArrived(mayHaveArrived) {
}

CenterRejected::CenterRejected(const std::string& message)
    : Error("center.rejected", "center refused: " + message, NextStep::FixInput) {
}

CenterGateway::CenterGateway(GatewayConfig config, EnvelopeContext context, MsgidGenerator& msgids)
    : m_config(std::move(config))
    , m_ctx(std::move(context))
    , m_msgids(msgids)
    , m_http(m_config.host, m_config.port, m_config.timeout)
    , m_rng(std::random_device {}()) {
    m_seenRefmsgids.resize(std::max<std::size_t>(1, m_config.parallel));
}

HttpResult CenterGateway::exchange(const std::string& infno, const std::string& body) {
    return m_http.post(m_config.target + infno, body);
}

namespace {

// A reply whose inf_refmsgid this connection already received is a stale duplicate.
bool seenBefore(std::vector<std::string>& seen, const std::string& refmsgid) {
    if (refmsgid.empty()) {
        return false;
    }
    if (std::find(seen.begin(), seen.end(), refmsgid) != seen.end()) {
        return true;
    }
    if (seen.size() >= 64) {
        seen.erase(seen.begin());
    }
    seen.push_back(refmsgid);
    return false;
}

std::string centerFacing(const std::string& local, int restarts) {
    if (restarts <= 0) {
        return local;
    }
    const auto suffix = "-R" + std::to_string(restarts);
    return local.substr(0, std::min(local.size(), 30 - suffix.size())) + suffix;
}

json::object visitDoc(StoreTransaction& tx, const std::string& visitId) {
    const auto doc = tx.getDoc("visit", visitId);
    if (!doc) {
        throw InputError("visit_id", "unknown visit " + visitId);
    }
    return parseWireJson(*doc, "visit").as_object();
}

std::string text(const json::object& o, const char* name) {
    const auto* v = o.if_contains(name);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

} // namespace

json::object CenterGateway::call(
    const std::string& infno, json::object input, const std::string& opter) {
    const auto msgid = m_msgids.next();
    const bool psn = infno != "9001" && infno != "3201" && infno != "3202" && infno != "9101"
        && infno != "9102";
    const auto env = makeEnvelope(m_ctx, infno, msgid, "1", opter, std::move(input), psn);
    const auto res = exchange(infno, serializeWire(env));
    if (res.outcome != HttpOutcome::Ok) {
        throw CenterUnavailable(res.error, res.outcome == HttpOutcome::Unknown);
    }
    if (res.status != 200) {
        throw CenterUnavailable("HTTP " + std::to_string(res.status), true);
    }
    CenterReply reply;
    try {
        reply = parseCenterReplyText(res.body);
    } catch (const InputError& e) {
        throw CenterUnavailable(std::string("unusable reply: ") + e.what(), true);
    }
    if (seenBefore(m_seenRefmsgids[0], reply.infRefmsgid)) {
        throw CenterUnavailable("reply belongs to another message (stale duplicate)", true);
    }
    if (reply.infcode != 0) {
        throw CenterRejected(reply.errMsg);
    }
    return reply.output.is_object() ? reply.output.as_object() : json::object {};
}

std::string CenterGateway::download(const std::string& infno, json::object input) {
    const auto msgid = m_msgids.next();
    const auto env = makeEnvelope(m_ctx, infno, msgid, "1", "settlementd", std::move(input), false);
    const auto res = exchange(infno, serializeWire(env));
    if (res.outcome != HttpOutcome::Ok) {
        throw CenterUnavailable(res.error, res.outcome == HttpOutcome::Unknown);
    }
    if (res.status != 200) {
        throw CenterUnavailable("HTTP " + std::to_string(res.status), true);
    }
    if (res.body.size() >= 4 && res.body.compare(0, 4, "PK\x03\x04") == 0) {
        return res.body;
    }
    CenterReply reply;
    try {
        reply = parseCenterReplyText(res.body);
    } catch (const InputError& e) {
        throw CenterUnavailable(std::string("neither a ZIP file nor a reply: ") + e.what(), true);
    }
    if (reply.infcode != 0) {
        throw CenterRejected(reply.errMsg);
    }
    throw CenterUnavailable(infno + " answered JSON where the file was expected", true);
}

void CenterGateway::signIn() {
    json::object in;
    in["opter_no"] = m_ctx.devNo.substr(0, 20);
    in["mac"] = "";
    in["ip"] = "127.0.0.1";
    const auto out = call("9001", json::object { { "signIn", std::move(in) } });
    const JsonIn info(out.at("signinoutb"), "output.signinoutb");
    m_ctx.signNo = info.str("sign_no", 30);
}

std::int64_t CenterGateway::backoffFrom(std::int64_t now, int attempts) {
    return now + backoffDelay(m_config.retry, std::max(attempts, 1), m_rng()).count();
}

std::string reversalLane(const std::string& omsgid) {
    return "rev:" + omsgid;
}

std::optional<SettlementRecord> findSettlement(StoreTransaction& tx, const std::string& msgid) {
    std::string id = msgid;
    for (int hop = 0; hop < 16; ++hop) {
        if (auto r = tx.settlementByMsgid(id)) {
            return r;
        }
        const auto next = tx.getDoc("msgid_alias", id);
        if (!next) {
            return std::nullopt;
        }
        id = *next;
    }
    return std::nullopt;
}

std::string materialize(StoreTransaction& tx, const OutboxEntry& e) {
    if (e.infno == "2601") {
        return e.payload;
    }
    auto env = parseWireJson(e.payload, "outbox payload");
    auto& input = env.as_object()["input"].as_object();
    const auto visit = visitDoc(tx, e.visitId);
    const auto restarts
        = visit.contains("restarts") ? static_cast<int>(visit.at("restarts").as_int64()) : 0;
    const auto batch = [&](const std::string& local) {
        const auto* b = visit.if_contains("batches");
        if (b != nullptr && b->is_object() && b->as_object().contains(local)) {
            return std::string(b->as_object().at(local).as_string());
        }
        return local;
    };
    if (e.infno == "2201") {
        input["data"].as_object()["ipt_otp_no"] = centerFacing(text(visit, "visit_id"), restarts);
        return serializeWire(env);
    }
    const auto mdtrtId = text(visit, "mdtrt_id");
    if (mdtrtId.empty()) {
        throw InputError("mdtrt_id",
            "visit " + e.visitId + " has no mdtrt_id: its 2201 registration has not succeeded");
    }
    if (e.infno == "2204") {
        auto& lines = input["feedetail"].as_array();
        for (std::size_t i = 0; i < lines.size(); ++i) {
            auto& l = lines[i].as_object();
            const auto center = batch(std::string(l["chrg_bchno"].as_string()));
            l["mdtrt_id"] = mdtrtId;
            l["chrg_bchno"] = center;
            l["feedetl_sn"] = center + "-" + std::to_string(i + 1);
        }
    } else if (input.contains("data")) {
        auto& d = input["data"].as_object();
        d["mdtrt_id"] = mdtrtId;
        if (d.contains("chrg_bchno")) {
            d["chrg_bchno"] = batch(std::string(d["chrg_bchno"].as_string()));
        }
    }
    return serializeWire(env);
}

void checkReply(const std::string& infno, const std::string& msgid, const json::value& sentEnvelope,
    const json::object& output) {
    const JsonIn out(output, "output");
    const auto& sentInput = sentEnvelope.as_object().at("input").as_object();
    const auto sent
        = [&](const char* name) { return text(sentInput.at("data").as_object(), name); };
    if (infno == "2201") {
        const auto d = out.object("data");
        (void)d.str("mdtrt_id", 30);
        if (d.has("ipt_otp_no") && d.str("ipt_otp_no", 30) != sent("ipt_otp_no")) {
            throw InputError("output.data.ipt_otp_no", "is not the visit registered");
        }
        if (d.has("psn_no") && d.str("psn_no", 30) != sent("psn_no")) {
            throw InputError("output.data.psn_no", "is not the person registered");
        }
    } else if (infno == "2204") {
        const auto& lines = sentInput.at("feedetail").as_array();
        std::set<std::string> sns;
        for (const auto& l : lines) {
            sns.insert(std::string(l.as_object().at("feedetl_sn").as_string()));
        }
        const auto result = out.objects("result", 2000);
        if (result.size() != lines.size()) {
            throw InputError("output.result", "does not answer every fee line sent");
        }
        for (const auto& r : result) {
            if (sns.erase(r.str("feedetl_sn", 30)) != 1) {
                throw InputError(r.at("feedetl_sn"), "is not a fee line sent");
            }
        }
    } else if (infno == "2207") {
        const auto info = out.object("setlinfo");
        if (info.str("medins_setl_id", 30) != msgid) {
            throw InputError("output.setlinfo.medins_setl_id", "does not echo our msgid");
        }
        if (info.str("mdtrt_id", 30) != sent("mdtrt_id")) {
            throw InputError("output.setlinfo.mdtrt_id", "is not the visit settled");
        }
        (void)info.str("setl_id", 30);
        (void)info.str("setl_time", 19);
        (void)splitFromJson(output.at("setlinfo"));
    } else if (infno == "2208") {
        const auto info = out.object("setlinfo");
        if (info.str("mdtrt_id", 30) != sent("mdtrt_id")) {
            throw InputError("output.setlinfo.mdtrt_id", "is not the visit cancelled");
        }
        (void)info.str("setl_id", 30);
    }
}

void CenterGateway::applySettle(
    StoreTransaction& tx, OutboxEntry& entry, const json::object* output) {
    const auto now = nowMs();
    auto rec = findSettlement(tx, entry.msgid);
    if (!rec) {
        return;
    }
    if (entry.state == OutboxState::Ok && output != nullptr) {
        const JsonIn info(output->at("setlinfo"), "output.setlinfo");
        if (info.str("medins_setl_id", 30) != entry.msgid) {
            throw InputError("output.setlinfo.medins_setl_id", "does not echo our msgid");
        }
        const auto split = splitFromJson(output->at("setlinfo"));
        const Fen localCash = rec->cash;
        const bool wasProvisional = rec->status == SettlementStatus::Provisional
            || rec->status == SettlementStatus::SelfPay;
        rec->setlId = info.str("setl_id", 30);
        rec->setlDate = info.str("setl_time", 19).substr(0, 10);
        rec->status = SettlementStatus::Settled;
        rec->medfee = split.medfeeSumamt;
        rec->fund = split.fundPaySumamt;
        rec->acct = split.acctPay;
        rec->cash = split.psnCashPay;
        rec->hosp = split.hospPartAmt;
        rec->splitJson = serializeWire(output->at("setlinfo"));
        tx.updateSettlement(*rec);
        if (wasProvisional && localCash != split.psnCashPay) {
            Adjustment a;
            a.msgid = rec->msgid;
            a.terminal = rec->terminal;
            a.amount = split.psnCashPay - localCash;
            a.reason = "center_result_differs";
            a.createdMs = now;
            if (tx.insertAdjustment(a)) {
                tx.audit(now, m_config.owner, "adjustment", rec->msgid,
                    (a.amount > 0 ? "collect " : "refund ") + formatYuan(a.amount));
            }
        }
    } else if (entry.state == OutboxState::Failed) {
        const bool wasProvisional = rec->status == SettlementStatus::Provisional;
        rec->status = SettlementStatus::Failed;
        tx.updateSettlement(*rec);
        if (wasProvisional && rec->fund != 0) {
            Adjustment a;
            a.msgid = rec->msgid;
            a.terminal = rec->terminal;
            a.amount = rec->fund; // the fund will not pay: collect it from the patient
            a.reason = "center_rejected";
            a.createdMs = now;
            tx.insertAdjustment(a);
        }
    }
}

// The center decides each line's class, price cap and self-pay ratio (2204's output): the
// stored fee batch takes them, so the local estimate (pre_settle, offline) uses the center's.
void CenterGateway::adoptLineResults(
    StoreTransaction& tx, const OutboxEntry& entry, const json::object& output) {
    const auto env = parseWireJson(entry.payload, "outbox payload");
    const auto& lines = env.at("input").at("feedetail").as_array();
    const std::string local(lines.at(0).at("chrg_bchno").as_string());
    const auto key = entry.visitId + "/" + local;
    const auto doc = tx.getDoc("fees", key);
    if (!doc) {
        return;
    }
    auto items = parseJsonText(*doc, "fees");
    auto& arr = items.as_array();
    for (const auto& r : JsonIn(output, "output").objects("result", 2000)) {
        const auto sn = r.str("feedetl_sn", 30);
        const auto dash = sn.rfind('-');
        std::size_t i = 0;
        try {
            i = std::stoul(sn.substr(dash + 1)) - 1;
        } catch (const std::exception&) {
            continue;
        }
        if (dash == std::string::npos || i >= arr.size()) {
            continue;
        }
        auto& item = arr[i].as_object();
        item["class"] = r.str("chrgitm_lv", 3);
        if (r.has("selfpay_prop")) {
            const auto bp = r.ratio("selfpay_prop");
            item["selfpay_pct"]
                = std::to_string(bp / 100) + "." + std::to_string(100 + bp % 100).substr(1);
        }
        if (r.has("pric_uplmt_amt")) {
            item["price_cap_fen"] = r.yuan("pric_uplmt_amt");
        }
    }
    tx.putDoc("fees", key, json::serialize(items));
}

void CenterGateway::renew(StoreTransaction& tx, OutboxEntry& entry, OutboxEvent event,
    const std::string& why, const ResolvedHook& hook) {
    const auto now = nowMs();
    const auto old = entry.msgid;
    const auto fresh = m_msgids.next();
    auto env = parseWireJson(entry.payload, "outbox payload");
    env.as_object()["msgid"] = fresh;
    env.as_object()["inf_time"] = isoTime(std::chrono::system_clock::now());
    const auto payload = serializeWire(env);
    tx.renameOutbox(old, fresh, payload);
    // The old msgid keeps a row of its own: never to be sent again.
    OutboxEntry history = entry;
    history.msgid = old;
    history.state = event == OutboxEvent::ReversalOk ? OutboxState::Reversed : OutboxState::Failed;
    history.refMsgid = fresh;
    tx.insertOutbox(history);
    history.lastError = why;
    tx.updateOutbox(history);
    const auto from = entry.state;
    entry.msgid = fresh;
    entry.payload = payload;
    entry.state = nextState(entry.state, event);
    entry.attempts = 0;
    entry.nextMs = now;
    entry.reply.clear();
    entry.lastError.clear();
    entry.owner.clear();
    entry.leaseMs = 0;
    tx.updateOutbox(entry);
    if (entry.infno == "2207") {
        tx.renameSettlement(old, fresh);
        tx.putDoc("msgid_alias", old, fresh);
    }
    tx.audit(now, m_config.owner, "outbox.renewed", old,
        std::string(stateName(from)) + "->NEW as " + fresh + " " + entry.infno + ": " + why);
    if (hook) {
        hook(tx, entry);
    }
}

void CenterGateway::reversalFailed(
    StoreTransaction& tx, OutboxEntry& original, const ResolvedHook& hook) {
    const auto now = nowMs();
    original.state = nextState(original.state, OutboxEvent::ReversalRejected);
    tx.updateOutbox(original);
    if (original.infno != "2201" && original.infno != "2204") {
        tx.audit(now, m_config.owner, "outbox.unresolved", original.msgid,
            original.infno + ": its 2601 was refused or lost; reconciliation decides");
        return;
    }
    // Registration or fee upload: start it again at the center under a new ipt_otp_no or
    // chrg_bchno; what the lost message may have left there carries no money.
    auto visit = visitDoc(tx, original.visitId);
    std::string what;
    if (original.infno == "2201") {
        const auto n = visit.contains("restarts") ? visit.at("restarts").as_int64() : 0;
        visit["restarts"] = n + 1;
        what = "visit restarted as ipt_otp_no "
            + centerFacing(text(visit, "visit_id"), static_cast<int>(n + 1));
    } else {
        const auto env = parseWireJson(original.payload, "outbox payload");
        const std::string local(env.as_object()
                                    .at("input")
                                    .as_object()
                                    .at("feedetail")
                                    .as_array()
                                    .at(0)
                                    .as_object()
                                    .at("chrg_bchno")
                                    .as_string());
        auto& batches = visit["batches"];
        if (!batches.is_object()) {
            batches = json::object {};
        }
        auto& counts = visit["batch_restarts"];
        if (!counts.is_object()) {
            counts = json::object {};
        }
        const auto n
            = counts.as_object().contains(local) ? counts.as_object()[local].as_int64() : 0;
        counts.as_object()[local] = n + 1;
        batches.as_object()[local] = centerFacing(local, static_cast<int>(n + 1));
        what = "fee batch restarted as chrg_bchno "
            + std::string(batches.as_object()[local].as_string());
    }
    tx.putDoc("visit", original.visitId, serializeWire(visit));
    renew(tx, original, OutboxEvent::Restarted, what, hook);
}

void CenterGateway::applyReversal(
    StoreTransaction& tx, OutboxEntry& rev, const ResolvedHook& hook) {
    const auto now = nowMs();
    auto original = tx.outboxByMsgid(rev.refMsgid);
    if (!original) {
        return;
    }
    if (rev.state == OutboxState::Ok) {
        if (original->state == OutboxState::ReversalPending) {
            original->state = nextState(original->state, OutboxEvent::ReversalOk);
            tx.updateOutbox(*original);
            if (auto rec = tx.settlementByMsgid(rev.refMsgid)) {
                rec->status = SettlementStatus::Reversed;
                tx.updateSettlement(*rec);
            }
            tx.audit(now, m_config.owner, "reversal.done", rev.refMsgid, rev.msgid);
        } else if (original->state == OutboxState::Resolving) {
            tx.audit(now, m_config.owner, "reversal.done", rev.refMsgid, rev.msgid);
            renew(tx, *original, OutboxEvent::ReversalOk,
                "unknown outcome reversed by 2601 " + rev.msgid, hook);
        }
    } else if (rev.state == OutboxState::Failed || rev.state == OutboxState::Unresolved
        || rev.state == OutboxState::ManualReview) { // refused, lost, or expired unsent
        if (original->state == OutboxState::ReversalPending) {
            original->state = nextState(original->state, OutboxEvent::ReversalRejected);
            tx.updateOutbox(*original);
            tx.audit(now, m_config.owner, "reversal.rejected", rev.refMsgid, rev.lastError);
        } else if (original->state == OutboxState::Resolving) {
            tx.audit(now, m_config.owner, "reversal.failed", rev.refMsgid, rev.lastError);
            reversalFailed(tx, *original, hook);
        }
    }
}

void CenterGateway::apply(StoreTransaction& tx, OutboxEntry& entry, OutboxEvent event,
    const json::object* output, const ResolvedHook& hook) {
    const auto now = nowMs();
    const auto from = entry.state;
    entry.state = nextState(entry.state, event);
    entry.owner.clear();
    entry.leaseMs = 0;
    if (output != nullptr) {
        entry.reply = serializeWire(*output);
    }
    if (entry.state == OutboxState::New || entry.state == OutboxState::Unknown) {
        entry.nextMs = backoffFrom(now, entry.attempts);
    }
    if (entry.infno == "2601" && entry.state == OutboxState::Unknown) {
        entry.state = nextState(entry.state, OutboxEvent::Abandoned); // never reverse a 2601
    }
    tx.updateOutbox(entry);
    if (event != OutboxEvent::Dispatch && from != entry.state) {
        tx.audit(now, m_config.owner, std::string("outbox.") + eventName(event), entry.msgid,
            std::string(stateName(from)) + "->" + stateName(entry.state) + " " + entry.infno
                + (entry.lastError.empty() ? "" : " (" + entry.lastError + ")"));
    }
    if (entry.infno == "2201" && entry.state == OutboxState::Ok && output != nullptr) {
        auto visit = visitDoc(tx, entry.visitId);
        visit["mdtrt_id"] = JsonIn(*output, "output").object("data").str("mdtrt_id", 30);
        tx.putDoc("visit", entry.visitId, serializeWire(visit));
    } else if (entry.infno == "2204" && entry.state == OutboxState::Ok && output != nullptr) {
        adoptLineResults(tx, entry, *output);
    } else if (entry.infno == "2207") {
        applySettle(tx, entry, output);
    } else if (entry.infno == "2208" && entry.state == OutboxState::Ok) {
        if (auto rec = findSettlement(tx, entry.refMsgid)) {
            rec->status = SettlementStatus::Cancelled;
            tx.updateSettlement(*rec);
        }
    } else if (entry.infno == "2601") {
        applyReversal(tx, entry, hook);
    }
    if (hook) {
        hook(tx, entry);
    }
}

void CenterGateway::startReversal(
    StoreTransaction& tx, OutboxEntry& entry, const ResolvedHook& hook) {
    if (entry.infno == "2601") {
        apply(tx, entry, OutboxEvent::Abandoned, nullptr, hook);
        return;
    }
    const auto visit = visitDoc(tx, entry.visitId);
    (void)requestReversal(
        tx, m_ctx, m_msgids, m_config.retry, entry.msgid, text(visit, "psn_no"), m_config.owner);
}

bool CenterGateway::resolveUnresolved(StoreTransaction& tx, const std::string& msgid,
    const json::object* setlinfoOutput, const ResolvedHook& hook) {
    auto entry = tx.outboxByMsgid(msgid);
    if (!entry || entry->state != OutboxState::Unresolved) {
        return false;
    }
    if (setlinfoOutput != nullptr) {
        entry->lastError.clear();
        apply(tx, *entry, OutboxEvent::QueryFound, setlinfoOutput, hook);
    } else {
        renew(tx, *entry, OutboxEvent::Restarted,
            "reconciliation: the center holds nothing under " + msgid, hook);
    }
    return true;
}

PassStats CenterGateway::runOnce(LedgerStore& store, const ResolvedHook& hook) {
    PassStats stats;
    const auto now = nowMs();
    {
        auto tx = store.begin();
        for (auto e : tx->expired(now, 1000)) {
            e.lastError = "expired before the center confirmed; manual review";
            apply(*tx, e, OutboxEvent::Expired, nullptr, hook);
            ++stats.expired;
        }
        for (auto e : tx->staleSent(now, 1000)) {
            e.lastError = "sender lease ran out (crash or hang) while SENT";
            apply(*tx, e, OutboxEvent::Timeout, nullptr, hook);
            ++stats.unknown;
        }
        tx->commit();
    }
    {
        auto tx = store.begin();
        for (auto& e :
            tx->leaseUnknown(now, m_config.batch, m_config.owner, m_config.lease.count())) {
            auto current = tx->outboxByMsgid(e.msgid);
            if (current && current->state == OutboxState::Unknown) {
                startReversal(*tx, *current, hook);
                ++stats.resolved;
            }
        }
        tx->commit();
    }

    std::vector<OutboxEntry> batch;
    std::vector<std::string> bodies;
    {
        auto tx = store.begin();
        auto leased
            = tx->leaseDispatchable(now, m_config.batch, m_config.owner, m_config.lease.count());
        for (auto& e : leased) {
            try {
                bodies.push_back(materialize(*tx, e));
                batch.push_back(std::move(e));
            } catch (const Error& err) {
                e.lastError = std::string("not sent: ") + err.what();
                apply(*tx, e, OutboxEvent::ReplyRejected, nullptr, hook);
                ++stats.failed;
            }
        }
        tx->commit();
    }
    if (batch.empty()) {
        return stats;
    }
    struct Result {
        OutboxEvent event;
        json::object output;
        bool hasOutput = false;
        std::string error;
    };
    std::vector<Result> results(batch.size(), Result { OutboxEvent::Timeout, {}, false, {} });
    // Send the leased batch over up to `parallel` connections at once (entries of one visit are
    // never in the same batch: only the head of each visit is leased), then apply all results
    // in one transaction (group commit).
    const auto sendOne = [&](HttpClient& http, std::vector<std::string>& seen, std::size_t i) {
        const auto& e = batch[i];
        Result& r = results[i];
        const auto res = http.post(m_config.target + e.infno, bodies[i]);
        if (res.outcome == HttpOutcome::NotSent) {
            r.event = OutboxEvent::NotDelivered;
            r.error = res.error;
        } else if (res.outcome == HttpOutcome::Unknown) {
            r.event = OutboxEvent::Timeout;
            r.error = res.error;
        } else if (res.status >= 500) {
            r.event = OutboxEvent::ServerError;
            r.error = "HTTP " + std::to_string(res.status);
        } else if (res.status != 200) {
            r.event = OutboxEvent::Timeout;
            r.error = "HTTP " + std::to_string(res.status);
        } else {
            try {
                const auto reply = parseCenterReplyText(res.body);
                if (seenBefore(seen, reply.infRefmsgid)) {
                    throw InputError("reply.inf_refmsgid", "a stale duplicate of an earlier reply");
                }
                if (reply.infcode == 0) {
                    r.output
                        = reply.output.is_object() ? reply.output.as_object() : json::object {};
                    checkReply(e.infno, e.msgid, parseWireJson(bodies[i], "sent"), r.output);
                    r.hasOutput = true;
                    r.event = OutboxEvent::ReplyOk;
                } else {
                    r.event = OutboxEvent::ReplyRejected;
                    r.error = reply.errMsg;
                }
            } catch (const InputError& err) {
                r.event = OutboxEvent::Timeout; // unusable reply: the center may have acted
                r.error = std::string("unusable reply: ") + err.what();
                r.hasOutput = false;
            }
        }
    };
    stats.sent = batch.size();
    const std::size_t lanes = std::min(batch.size(), std::max<std::size_t>(1, m_config.parallel));
    if (lanes <= 1) {
        for (std::size_t i = 0; i < batch.size(); ++i) {
            sendOne(m_http, m_seenRefmsgids[0], i);
        }
    } else {
        while (m_pool.size() < lanes - 1) {
            m_pool.push_back(
                std::make_unique<HttpClient>(m_config.host, m_config.port, m_config.timeout));
        }
        while (m_seenRefmsgids.size() < lanes) {
            m_seenRefmsgids.emplace_back();
        }
        std::vector<std::thread> threads;
        for (std::size_t lane = 1; lane < lanes; ++lane) {
            threads.emplace_back([&, lane] {
                for (std::size_t i = lane; i < batch.size(); i += lanes) {
                    sendOne(*m_pool[lane - 1], m_seenRefmsgids[lane], i);
                }
            });
        }
        for (std::size_t i = 0; i < batch.size(); i += lanes) {
            sendOne(m_http, m_seenRefmsgids[0], i);
        }
        for (auto& t : threads) {
            t.join();
        }
    }
    auto tx = store.begin();
    for (std::size_t i = 0; i < batch.size(); ++i) {
        auto& e = batch[i];
        auto& r = results[i];
        // While the reply was awaited the lease may have run out and another pass (another
        // instance, `settle`) taken the entry over: marked it UNKNOWN and started its reversal,
        // or renewed it. Applying this reply over that would undo the other pass's decision
        // (an OK written over a reversal under way: the center reverses, the ledger says
        // settled). The entry as it is now decides; a late reply is only audited.
        const auto current = tx->outboxForUpdate(e.msgid);
        if (!current || current->state != OutboxState::Sent || current->owner != e.owner
            || current->leaseMs != e.leaseMs) {
            tx->audit(nowMs(), m_config.owner, "outbox.reply_late", e.msgid,
                std::string(eventName(r.event)) + " after the lease ran out; the entry is now "
                    + (current ? stateName(current->state) : std::string("renamed")));
            ++stats.late;
            continue;
        }
        e.lastError = r.error;
        apply(*tx, e, r.event, r.hasOutput ? &r.output : nullptr, hook);
        switch (e.state) {
        case OutboxState::Ok:
            ++stats.ok;
            break;
        case OutboxState::Failed:
            ++stats.failed;
            break;
        case OutboxState::Unknown:
            ++stats.unknown;
            break;
        default:
            break;
        }
    }
    tx->commit();
    return stats;
}

OutboxEntry makeOutboxEntry(const EnvelopeContext& ctx, MsgidGenerator& msgids,
    const RetryPolicy& retry, const std::string& infno, const std::string& visitId,
    const std::string& opterType, const std::string& opter, json::object input,
    const std::string& refMsgid) {
    OutboxEntry e;
    e.msgid = msgids.next();
    e.infno = infno;
    e.visitId = visitId;
    e.refMsgid = refMsgid;
    e.payload
        = serializeWire(makeEnvelope(ctx, infno, e.msgid, opterType, opter, std::move(input)));
    const auto now = nowMs();
    e.nextMs = now;
    e.expiresMs
        = now + std::chrono::duration_cast<std::chrono::milliseconds>(retry.expireAfter).count();
    return e;
}

OutboxEntry requestReversal(StoreTransaction& tx, const EnvelopeContext& ctx,
    MsgidGenerator& msgids, const RetryPolicy& retry, const std::string& originalMsgid,
    const std::string& psnNo, const std::string& actor) {
    auto original = tx.outboxByMsgid(originalMsgid);
    if (!original) {
        throw InputError("omsgid", "no outbox entry with this msgid; 2601 needs a known msgid");
    }
    if (original->infno == "2601") {
        throw IllegalTransition(
            original->state, OutboxEvent::ReversalRequested, "a 2601 is never reversed");
    }
    original->state = nextState(original->state, OutboxEvent::ReversalRequested);
    tx.updateOutbox(*original);
    json::object data;
    data["psn_no"] = psnNo;
    data["omsgid"] = originalMsgid;
    data["oinfno"] = original->infno;
    auto rev = makeOutboxEntry(ctx, msgids, retry, "2601", reversalLane(originalMsgid), "1", actor,
        json::object { { "data", std::move(data) } }, originalMsgid);
    tx.insertOutbox(rev);
    tx.audit(nowMs(), actor, "reversal.requested", originalMsgid, rev.msgid);
    return rev;
}

} // namespace hc::settle
