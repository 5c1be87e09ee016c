#include "hc/settle/terminal_client.hpp"

#include "hc/settle/json_in.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <zmq.hpp>

namespace hc::settle {

namespace json = boost::json;

const char* describe(CallOutcome outcome) noexcept {
    return outcome == CallOutcome::Unknown ? "UNKNOWN" : "FAILED";
}

TerminalError::TerminalError(
    std::string code, const std::string& message, NextStep next, CallOutcome outcome)
    : Error(std::move(code), message, next)
    , m_outcome(outcome) {
}

NotSentError::NotSentError(const std::string& why)
    : TerminalError(
        "terminal.not_sent", "request not sent: " + why, NextStep::Retry, CallOutcome::Failed) {
}

OutcomeUnknownError::OutcomeUnknownError(const std::string& requestId, const std::string& why)
    : TerminalError("terminal.outcome_unknown",
        "outcome unknown: " + why + "; call again with request id " + requestId, NextStep::Retry,
        CallOutcome::Unknown)
    , m_requestId(requestId) {
}

RefusedError::RefusedError(
    std::string code, const std::string& message, NextStep next, std::string field)
    : TerminalError(std::move(code), message, next, CallOutcome::Failed)
    , m_field(std::move(field)) {
}

namespace {

NextStep parseNextStep(std::string_view s) {
    if (s == "fix_input") {
        return NextStep::FixInput;
    }
    if (s == "retry") {
        return NextStep::Retry;
    }
    return NextStep::CallStaff;
}

int timeoutMs(std::chrono::milliseconds d) {
    return static_cast<int>(std::clamp<std::int64_t>(d.count(), 0, 24 * 3600 * 1000));
}

} // namespace

struct TerminalClient::Impl {
    TerminalClientConfig config;
    zmq::context_t context { 1 };
    std::optional<zmq::socket_t> socket;

    void ensureSocket() {
        if (socket) {
            return;
        }
        zmq::socket_t s(context, zmq::socket_type::dealer);
        if (!config.serverPublicKey.empty()) {
            s.set(zmq::sockopt::curve_serverkey, config.serverPublicKey);
            s.set(zmq::sockopt::curve_publickey, config.publicKey);
            s.set(zmq::sockopt::curve_secretkey, config.secretKey);
        }
        // Queue only to completed (handshaken, ZAP-accepted) connections: a send that cannot be
        // handed to one fails after connectTimeout, which is what makes "not sent" certain.
        s.set(zmq::sockopt::immediate, 1);
        s.set(zmq::sockopt::sndtimeo, timeoutMs(config.connectTimeout));
        s.set(zmq::sockopt::linger, 0);
        s.set(zmq::sockopt::reconnect_ivl, 100);
        s.connect(config.endpoint);
        socket.emplace(std::move(s));
    }

    json::object exchange(const std::string& requestId, const std::string& text) {
        ensureSocket();
        zmq::send_result_t sent;
        try {
            sent = socket->send(zmq::buffer(text), zmq::send_flags::none);
        } catch (const zmq::error_t& e) {
            throw NotSentError(e.what());
        }
        if (!sent) {
            throw NotSentError("no authenticated connection to " + config.endpoint + " within "
                + std::to_string(config.connectTimeout.count())
                + " ms (settlementd down, or this terminal's key is not on its allow-list)");
        }
        const auto deadline = std::chrono::steady_clock::now() + config.replyTimeout;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            zmq::pollitem_t item { socket->handle(), 0, ZMQ_POLLIN, 0 };
            if (left.count() <= 0 || zmq::poll(&item, 1, left) == 0) {
                // A late reply must not answer a later call: start over with a new identity.
                socket.reset();
                throw OutcomeUnknownError(requestId,
                    "no reply within " + std::to_string(config.replyTimeout.count()) + " ms");
            }
            zmq::message_t reply;
            if (!socket->recv(reply, zmq::recv_flags::dontwait)) {
                continue;
            }
            json::value v;
            try {
                v = parseJsonText(reply.to_string_view(), "reply");
            } catch (const Error& e) {
                socket.reset();
                throw OutcomeUnknownError(requestId, std::string("unreadable reply: ") + e.what());
            }
            if (!v.is_object()) {
                socket.reset();
                throw OutcomeUnknownError(requestId, "reply is not a JSON object");
            }
            auto& o = v.as_object();
            const auto* rid = o.if_contains("request_id");
            if (rid && rid->is_string() && rid->as_string() != requestId) {
                continue; // the late answer to an earlier call on this connection
            }
            return std::move(o);
        }
    }
};

TerminalClient::TerminalClient(TerminalClientConfig config)
    : m_impl(std::make_unique<Impl>()) {
    m_impl->config = std::move(config);
}

TerminalClient::~TerminalClient() = default;

json::object TerminalClient::call(const std::string& requestId, json::object request) {
    if (requestId.empty() || requestId.size() > 64) {
        throw InputError("request_id", "1 to 64 characters");
    }
    request["request_id"] = requestId;
    if (m_impl->config.serverPublicKey.empty() && !m_impl->config.insecureTerminal.empty()) {
        request["terminal"] = m_impl->config.insecureTerminal;
    }
    auto reply = m_impl->exchange(requestId, json::serialize(request));
    const auto* ok = reply.if_contains("ok");
    if (ok && ok->is_bool() && !ok->as_bool()) {
        std::string code = "refused", message = "refused", next = "call_staff", field;
        if (const auto* e = reply.if_contains("error"); e && e->is_object()) {
            const JsonIn in(*e, "error");
            code = in.strOr("code", code, 64);
            message = in.strOr("message", message, 4096);
            next = in.strOr("next_step", next, 16);
            field = in.strOr("field", "", 256);
        }
        throw RefusedError(code, message, parseNextStep(next), field);
    }
    if (!ok || !ok->is_bool()) {
        throw OutcomeUnknownError(requestId, "reply without \"ok\"");
    }
    if (const auto* st = reply.if_contains("status"); st && *st == "in_progress") {
        throw OutcomeUnknownError(requestId, "settlementd is still working on the first call");
    }
    return reply;
}

namespace {

Queued queuedFrom(const json::object& o) {
    const JsonIn in(o, "reply");
    return Queued { in.strOr("status", "", 32), in.strOr("msgid", "", 30),
        in.booleanOr("replayed", false) };
}

std::int64_t intOr(const JsonIn& in, std::string_view name) {
    return in.has(name) ? in.integer(name, -kMaxFen, kMaxFen) : 0;
}

} // namespace

SettlementResult settlementResultFromJson(const json::object& reply) {
    const JsonIn in(reply, "reply");
    SettlementResult r;
    r.status = in.strOr("status", "", 32);
    r.msgid = in.strOr("msgid", "", 30);
    r.setlId = in.strOr("setl_id", "", 64);
    r.visitId = in.strOr("visit_id", "", 30);
    r.chrgBchno = in.strOr("chrg_bchno", "", 30);
    r.terminal = in.strOr("terminal", "", 64);
    r.psnNoMasked = in.strOr("psn_no", "", 30);
    r.provisional = in.booleanOr("provisional", false);
    r.medfee = intOr(in, "medfee_fen");
    r.fund = intOr(in, "fund_fen");
    r.acct = intOr(in, "acct_fen");
    r.cash = intOr(in, "cash_fen");
    r.hosp = intOr(in, "hosp_fen");
    r.setlDate = in.strOr("setl_date", "", 10);
    r.replayed = in.booleanOr("replayed", false);
    if (r.status == "pending") { // the stored first answer of a settle still unresolved
        r.status = "PENDING";
    }
    return r;
}

Queued TerminalClient::registerVisit(const std::string& requestId, const VisitRegistration& v) {
    json::object req { { "call", "register_visit" }, { "visit_id", v.visitId },
        { "psn_no", v.psnNo }, { "insutype", v.insutype }, { "psn_type", v.psnType },
        { "hosp_lv", v.hospLv }, { "med_type", v.medType }, { "year", v.year } };
    if (!v.region.empty()) {
        req["region"] = v.region;
    }
    return queuedFrom(call(requestId, std::move(req)));
}

Queued TerminalClient::uploadFees(const std::string& requestId, const std::string& visitId,
    const std::string& chrgBchno, const std::vector<FeeLine>& items) {
    json::array lines;
    for (const auto& f : items) {
        json::object line { { "code", f.code }, { "class", f.itemClass },
            { "amount_fen", f.amount }, { "qty_milli", f.qtyMilli } };
        if (f.priceCap) {
            line["price_cap_fen"] = *f.priceCap;
        }
        if (f.selfpay) {
            char pct[32];
            std::snprintf(pct, sizeof pct, "%d.%02d", *f.selfpay / 100, *f.selfpay % 100);
            line["selfpay_pct"] = pct;
        }
        lines.push_back(std::move(line));
    }
    return queuedFrom(call(requestId,
        { { "call", "upload_fees" }, { "visit_id", visitId }, { "chrg_bchno", chrgBchno },
            { "items", std::move(lines) } }));
}

Estimate TerminalClient::preSettle(const std::string& requestId, const std::string& visitId,
    const std::string& chrgBchno, bool useAccount) {
    const auto o = call(requestId,
        { { "call", "pre_settle" }, { "visit_id", visitId }, { "chrg_bchno", chrgBchno },
            { "acct_used_flag", useAccount } });
    const JsonIn in(o, "reply");
    return Estimate { intOr(in, "medfee_fen"), intOr(in, "fund_fen"), intOr(in, "acct_fen"),
        intOr(in, "cash_fen"), in.strOr("rule_version", "", 64) };
}

SettlementResult TerminalClient::settle(const std::string& requestId, const std::string& visitId,
    const std::string& chrgBchno, bool useAccount) {
    return settlementResultFromJson(call(requestId,
        { { "call", "settle" }, { "visit_id", visitId }, { "chrg_bchno", chrgBchno },
            { "acct_used_flag", useAccount } }));
}

Queued TerminalClient::cancel(const std::string& requestId, const std::string& msgid) {
    return queuedFrom(call(requestId, { { "call", "cancel" }, { "msgid", msgid } }));
}

SettlementResult TerminalClient::query(const std::string& requestId, const std::string& msgid) {
    return settlementResultFromJson(call(requestId, { { "call", "query" }, { "msgid", msgid } }));
}

ShiftTotals TerminalClient::shiftTotals(const std::string& requestId, const std::string& date) {
    json::object req { { "call", "shift_totals" } };
    if (!date.empty()) {
        req["date"] = date;
    }
    const auto o = call(requestId, std::move(req));
    const JsonIn in(o, "reply");
    ShiftTotals t;
    t.terminal = in.strOr("terminal", "", 64);
    t.date = in.strOr("date", "", 10);
    if (const auto by = in.objectOpt("by_status")) {
        for (const auto& [k, v] : by->raw()) {
            const JsonIn s(v, "by_status." + std::string(k));
            t.byStatus[std::string(k)] = StatusTotals { intOr(s, "count"), intOr(s, "medfee_fen"),
                intOr(s, "fund_fen"), intOr(s, "acct_fen"), intOr(s, "cash_fen") };
        }
    }
    if (in.has("open_adjustments")) {
        for (const auto& a : in.objects("open_adjustments", 100000)) {
            t.openAdjustments.push_back(OpenAdjustment {
                a.strOr("msgid", "", 30), intOr(a, "amount_fen"), a.strOr("reason", "", 64) });
        }
    }
    t.openAdjustmentsTotal = intOr(in, "open_adjustments_fen");
    return t;
}

} // namespace hc::settle
