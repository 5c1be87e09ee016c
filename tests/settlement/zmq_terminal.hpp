// Test support: a terminal talking to settlementd over ZeroMQ DEALER + CURVE the way a kiosk
// does, the standard register → upload → settle flow, and waiting for the outbox to drain.
// Deliberately not TerminalClient: these tests look at the raw replies.
#pragma once

#include "hc/settle/envelope.hpp"
#include "hc/settle/json_in.hpp"
#include "hc/settle/ledger.hpp"
#include "hc/settle/terminal_client.hpp"

#include <boost/json/serialize.hpp>
#include <chrono>
#include <doctest/doctest.h>
#include <optional>
#include <string>
#include <thread>
#include <zmq.hpp>

namespace hc::settle::test {

/** A CURVE key pair (Z85 text). */
struct Keys {
    std::string pub, sec;
    Keys() {
        char p[41] = {}, s[41] = {};
        REQUIRE(zmq_curve_keypair(p, s) == 0);
        pub = p;
        sec = s;
    }
};

/** How a Terminal waits. */
struct TerminalOptions {
    int replyTimeoutMs = 10000; // a shared machine can stall an fsync for seconds
    bool retryInProgress = false; // retry while another instance holds the request id
};

/** A DEALER socket to settlementd; `call` returns nullopt when no reply came in time. */
class Terminal {
public:
    Terminal(zmq::context_t& ctx, const std::string& endpoint, const Keys& server, const Keys& mine,
        TerminalOptions options = {})
        : m_socket(ctx, zmq::socket_type::dealer)
        , m_options(options) {
        m_socket.set(zmq::sockopt::curve_serverkey, server.pub);
        m_socket.set(zmq::sockopt::curve_publickey, mine.pub);
        m_socket.set(zmq::sockopt::curve_secretkey, mine.sec);
        m_socket.set(zmq::sockopt::rcvtimeo, m_options.replyTimeoutMs);
        m_socket.set(zmq::sockopt::linger, 0);
        m_socket.connect(endpoint);
    }
    /** Sends without waiting for the reply (read it with receive()). */
    void send(const boost::json::object& req) {
        m_socket.send(zmq::buffer(boost::json::serialize(req)));
    }
    /** True when a reply is waiting to be read. */
    bool hasReply() {
        zmq::pollitem_t item { m_socket.handle(), 0, ZMQ_POLLIN, 0 };
        return zmq::poll(&item, 1, std::chrono::milliseconds(0)) > 0;
    }
    /** The next reply (nullopt after the reply timeout). */
    std::optional<boost::json::object> receive() {
        zmq::message_t reply;
        if (!m_socket.recv(reply)) {
            return std::nullopt;
        }
        return parseJsonText(reply.to_string_view(), "reply").as_object();
    }
    std::optional<boost::json::object> call(const boost::json::object& req) {
        for (int attempt = 0; attempt < 100; ++attempt) {
            m_socket.send(zmq::buffer(boost::json::serialize(req)));
            zmq::message_t reply;
            if (!m_socket.recv(reply)) {
                return std::nullopt;
            }
            auto obj = parseJsonText(reply.to_string_view(), "reply").as_object();
            const auto* st = obj.if_contains("status");
            if (!m_options.retryInProgress || st == nullptr || !st->is_string()
                || st->as_string() != "in_progress") {
                return obj;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return std::nullopt;
    }

private:
    zmq::socket_t m_socket;
    TerminalOptions m_options;
};

/** register_visit + upload_fees + settle for visit `<prefix><n>`, request ids derived from it. */
inline std::optional<boost::json::object> settleFlow(
    Terminal& t, const std::string& prefix, int n) {
    const auto v = prefix + std::to_string(n);
    auto r = t.call({ { "call", "register_visit" }, { "request_id", "rv-" + v }, { "visit_id", v },
        { "psn_no", "510100199001011234" }, { "insutype", "390" }, { "hosp_lv", "county" },
        { "med_type", "inpatient" }, { "year", 2014 } });
    if (!r) {
        return r;
    }
    boost::json::array items;
    items.push_back({ { "code", "a" }, { "class", "A" }, { "amount_fen", 100000 + n } });
    r = t.call({ { "call", "upload_fees" }, { "request_id", "uf-" + v }, { "visit_id", v },
        { "chrg_bchno", "B1" }, { "items", items } });
    if (!r) {
        return r;
    }
    return t.call({ { "call", "settle" }, { "request_id", "st-" + v }, { "visit_id", v },
        { "chrg_bchno", "B1" } });
}

/** The sample visit the terminal tests register: an inpatient of a county hospital under the
 *  2014 rules (settlement/policies), person 510100199001011234. */
inline VisitRegistration visit(const std::string& id) {
    VisitRegistration v;
    v.visitId = id;
    v.psnNo = "510100199001011234";
    v.insutype = "390";
    v.hospLv = "county";
    v.medType = "inpatient";
    v.year = 2014;
    return v;
}

/** Today's ledger as seen after waiting for the outbox to drain. */
struct DayTally {
    std::size_t rows = 0;
    std::int64_t settled = 0;
    /** What the ledger held when the wait ended: outbox states and each row not SETTLED (for
     *  the failure message: which visit is stuck in which state). */
    std::string detail;
};

/** Waits up to `limit` for an empty outbox and `expected` settled rows today. */
inline DayTally waitForDrain(
    LedgerStore& store, std::int64_t expected, std::chrono::seconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    DayTally tally;
    while (std::chrono::steady_clock::now() < end) {
        auto tx = store.begin();
        auto depth = tx->outboxDepth();
        const auto day = tx->settlementsOfDay(isoDate(std::chrono::system_clock::now()));
        tx->commit();
        tally = {};
        tally.rows = day.size();
        for (const auto& [state, n] : depth) {
            tally.detail += "outbox " + state + "=" + std::to_string(n) + "; ";
        }
        for (const auto& r : day) {
            tally.settled += r.status == SettlementStatus::Settled ? 1 : 0;
            if (r.status != SettlementStatus::Settled) {
                tally.detail += "visit " + r.visitId + " msgid " + r.msgid + " "
                    + settlementStatusName(r.status) + "; ";
            }
        }
        if (depth["NEW"] + depth["SENT"] + depth["UNKNOWN"] + depth["RESOLVING"] == 0
            && tally.settled == expected) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return tally;
}

/** Entries (not 2601s) left UNRESOLVED: their 2601 was refused or lost; reconciliation decides. */
inline std::int64_t unresolvedEntries(LedgerStore& store) {
    auto tx = store.begin();
    std::int64_t n = 0;
    for (const auto& e : tx->outboxInState(OutboxState::Unresolved, 100000)) {
        n += e.infno == "2601" ? 0 : 1;
    }
    tx->commit();
    return n;
}

/** Wait for the outbox; while UNRESOLVED settlements remain, run `reconcile` (which adopts or
 *  renews them) and wait again. Returns the final tally. */
template <typename Reconcile>
DayTally drainAndDecide(LedgerStore& store, std::int64_t expected, Reconcile reconcile) {
    auto tally = waitForDrain(store, expected, std::chrono::seconds(40));
    for (int round = 0; round < 4 && tally.settled != expected; ++round) {
        if (unresolvedEntries(store) > 0) {
            reconcile();
        }
        tally = waitForDrain(store, expected, std::chrono::seconds(40));
    }
    return tally;
}

} // namespace hc::settle::test
