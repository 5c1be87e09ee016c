#include "hc/settle/gateway.hpp"

#include "hc/settle/json_in.hpp"
#include "hc/settle/policy.hpp"

#include <boost/json/serialize.hpp>
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
}

HttpResult CenterGateway::exchange(const std::string& infno, const std::string& body) {
    return m_http.post(m_config.target + infno, body);
}

json::object CenterGateway::call(
    const std::string& infno, json::object input, const std::string& opter) {
    const auto msgid = m_msgids.next();
    const auto env = makeEnvelope(m_ctx, infno, msgid, "1", opter, std::move(input));
    const auto res = exchange(infno, json::serialize(env));
    if (res.outcome != HttpOutcome::Ok) {
        throw CenterUnavailable(res.error, res.outcome == HttpOutcome::Unknown);
    }
    if (res.status != 200) {
        throw CenterUnavailable("HTTP " + std::to_string(res.status), true);
    }
    CenterReply reply;
    try {
        reply = parseCenterReply(parseJsonText(res.body, "reply"));
    } catch (const InputError& e) {
        throw CenterUnavailable(std::string("unusable reply: ") + e.what(), true);
    }
    if (!reply.reqMsgid.empty() && reply.reqMsgid != msgid) {
        throw CenterUnavailable("reply belongs to another message (stale duplicate)", true);
    }
    if (reply.infcode != 0) {
        throw CenterRejected(reply.errMsg);
    }
    return reply.output.is_object() ? reply.output.as_object() : json::object {};
}

void CenterGateway::signIn() {
    json::object in;
    in["opter_no"] = m_ctx.devNo;
    const auto out = call("9001", std::move(in));
    const JsonIn info(out.at("signinoutb"), "output.signinoutb");
    m_ctx.signNo = info.str("sign_no", 40);
}

std::int64_t CenterGateway::backoffFrom(std::int64_t now, int attempts) {
    return now + backoffDelay(m_config.retry, std::max(attempts, 1), m_rng()).count();
}

namespace {

// Validate a 2207 (or 5203) setlinfo for `msgid`; throws InputError naming the field.
SettlementSplit checkedSetlinfo(const json::object& output, const std::string& msgid,
    std::string& setlId, std::string& setlDate) {
    const JsonIn out(output, "output");
    const auto info = out.object("setlinfo");
    if (info.str("medins_setl_id", 30) != msgid) {
        throw InputError("output.setlinfo.medins_setl_id", "does not echo our msgid");
    }
    setlId = info.str("setl_id", 30);
    setlDate = info.str("setl_time", 19).substr(0, 10);
    return splitFromJson(output.at("setlinfo"));
}

} // namespace

void CenterGateway::apply(StoreTransaction& tx, OutboxEntry& entry, OutboxEvent event,
    const json::object* output, const ResolvedHook& hook) {
    const auto now = nowMs();
    const auto from = entry.state;
    entry.state = nextState(entry.state, event);
    entry.owner.clear();
    entry.leaseMs = 0;
    if (output != nullptr) {
        entry.reply = json::serialize(*output);
    }
    if (entry.state == OutboxState::New || entry.state == OutboxState::Unknown) {
        entry.nextMs = backoffFrom(now, entry.attempts);
    }
    tx.updateOutbox(entry);
    if (event != OutboxEvent::Dispatch && from != entry.state) {
        tx.audit(now, m_config.owner, std::string("outbox.") + eventName(event), entry.msgid,
            std::string(stateName(from)) + "->" + stateName(entry.state) + " " + entry.infno
                + (entry.lastError.empty() ? "" : " (" + entry.lastError + ")"));
    }

    if (entry.infno == "2207") {
        auto rec = tx.settlementByMsgid(entry.msgid);
        if (rec && entry.state == OutboxState::Ok && output != nullptr) {
            std::string setlId, setlDate;
            const auto split = checkedSetlinfo(*output, entry.msgid, setlId, setlDate);
            const Fen localCash = rec->cash;
            const bool wasProvisional = rec->status == SettlementStatus::Provisional
                || rec->status == SettlementStatus::SelfPay;
            rec->setlId = setlId;
            rec->setlDate = setlDate;
            rec->status = SettlementStatus::Settled;
            rec->medfee = split.medfeeSumamt;
            rec->fund = split.fundPaySumamt;
            rec->acct = split.acctPay;
            rec->cash = split.psnCashPay;
            rec->hosp = split.hospPartAmt;
            rec->splitJson = json::serialize(output->at("setlinfo"));
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
        } else if (rec && entry.state == OutboxState::Failed) {
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
    } else if (entry.infno == "2208" && entry.state == OutboxState::Ok) {
        if (auto rec = tx.settlementByMsgid(entry.refMsgid)) {
            rec->status = SettlementStatus::Cancelled;
            tx.updateSettlement(*rec);
        }
    } else if (entry.infno == "2601") {
        if (auto original = tx.outboxByMsgid(entry.refMsgid)) {
            if (entry.state == OutboxState::Ok && original->state == OutboxState::ReversalPending) {
                original->state = nextState(original->state, OutboxEvent::ReversalOk);
                tx.updateOutbox(*original);
                if (auto rec = tx.settlementByMsgid(entry.refMsgid)) {
                    rec->status = SettlementStatus::Reversed;
                    tx.updateSettlement(*rec);
                }
                tx.audit(now, m_config.owner, "reversal.done", entry.refMsgid, entry.msgid);
            } else if (entry.state == OutboxState::Failed
                && original->state == OutboxState::ReversalPending) {
                original->state = nextState(original->state, OutboxEvent::ReversalRejected);
                tx.updateOutbox(*original);
                tx.audit(now, m_config.owner, "reversal.rejected", entry.refMsgid, entry.lastError);
            }
        }
    }
    if (hook) {
        hook(tx, entry);
    }
}

void CenterGateway::resolveUnknown(
    LedgerStore& store, OutboxEntry entry, PassStats& stats, const ResolvedHook& hook) {
    json::object in;
    in["medins_setl_id"] = entry.msgid;
    json::object out;
    try {
        out = call("5203", std::move(in));
    } catch (const Error& e) {
        auto tx = store.begin();
        entry.owner.clear();
        entry.leaseMs = 0;
        entry.lastError = e.what();
        entry.nextMs = backoffFrom(nowMs(), ++entry.attempts);
        tx->updateOutbox(entry);
        tx->commit();
        return;
    }
    const auto* found = out.if_contains("found");
    const bool isFound = found != nullptr && found->is_bool() && found->get_bool();
    auto tx = store.begin();
    // The entry may have changed meanwhile (another instance); re-read it under the transaction.
    auto current = tx->outboxByMsgid(entry.msgid);
    if (!current || current->state != OutboxState::Unknown) {
        return;
    }
    entry = *current;
    entry.lastError = isFound ? "" : "5203: center has no record";
    try {
        apply(*tx, entry, isFound ? OutboxEvent::QueryFound : OutboxEvent::QueryNotFound,
            isFound ? &out : nullptr, hook);
    } catch (const InputError& e) {
        // Found, but the setlinfo is unusable: keep UNKNOWN and let staff look.
        entry = *current;
        entry.lastError = std::string("5203 reply unusable: ") + e.what();
        entry.nextMs = backoffFrom(nowMs(), ++entry.attempts);
        entry.owner.clear();
        entry.leaseMs = 0;
        tx->updateOutbox(entry);
    }
    tx->commit();
    ++stats.resolved;
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
    std::vector<OutboxEntry> unknown;
    {
        auto tx = store.begin();
        unknown = tx->leaseUnknown(now, m_config.batch, m_config.owner, m_config.lease.count());
        tx->commit();
    }
    for (auto& e : unknown) {
        resolveUnknown(store, e, stats, hook);
    }

    std::vector<OutboxEntry> batch;
    {
        auto tx = store.begin();
        batch = tx->leaseDispatchable(now, m_config.batch, m_config.owner, m_config.lease.count());
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
    const auto sendOne = [&](HttpClient& http, std::size_t i) {
        const auto& e = batch[i];
        Result& r = results[i];
        const auto res = http.post(m_config.target + e.infno, e.payload);
        if (res.outcome == HttpOutcome::NotDelivered) {
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
                const auto reply = parseCenterReply(parseJsonText(res.body, "reply"));
                if (!reply.reqMsgid.empty() && reply.reqMsgid != e.msgid) {
                    throw InputError("reply.req_msgid", "belongs to another message");
                }
                if (reply.infcode == 0) {
                    r.output
                        = reply.output.is_object() ? reply.output.as_object() : json::object {};
                    r.hasOutput = true;
                    if (e.infno == "2207") {
                        std::string setlId, setlDate;
                        (void)checkedSetlinfo(r.output, e.msgid, setlId, setlDate);
                    }
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
            sendOne(m_http, i);
        }
    } else {
        while (m_pool.size() < lanes - 1) {
            m_pool.push_back(
                std::make_unique<HttpClient>(m_config.host, m_config.port, m_config.timeout));
        }
        std::vector<std::thread> threads;
        for (std::size_t lane = 1; lane < lanes; ++lane) {
            threads.emplace_back([&, lane] {
                for (std::size_t i = lane; i < batch.size(); i += lanes) {
                    sendOne(*m_pool[lane - 1], i);
                }
            });
        }
        for (std::size_t i = 0; i < batch.size(); i += lanes) {
            sendOne(m_http, i);
        }
        for (auto& t : threads) {
            t.join();
        }
    }
    auto tx = store.begin();
    for (std::size_t i = 0; i < batch.size(); ++i) {
        auto& e = batch[i];
        auto& r = results[i];
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
        = json::serialize(makeEnvelope(ctx, infno, e.msgid, opterType, opter, std::move(input)));
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
    original->state = nextState(original->state, OutboxEvent::ReversalRequested);
    tx.updateOutbox(*original);
    json::object in;
    in["psn_no"] = psnNo;
    in["omsgid"] = originalMsgid;
    in["oinfno"] = original->infno;
    auto rev = makeOutboxEntry(
        ctx, msgids, retry, "2601", original->visitId, "1", actor, std::move(in), originalMsgid);
    tx.insertOutbox(rev);
    tx.audit(nowMs(), actor, "reversal.requested", originalMsgid, rev.msgid);
    return rev;
}

} // namespace hc::settle
