// Integration: settlementd's authorization and bad-input limits, with two allow-listed kiosks
// (CURVE) and TerminalClient. A terminal acts only on its own visits and settlements; a request
// id is bound to its call and body; a frame above ZMQ_MAXMSGSIZE is dropped; a claim above the
// sanity cap is refused.
#include "hc/settle/ledger.hpp"
#include "hc/settle/terminal_client.hpp"
#include "process.hpp"
#include "temp_dir.hpp"
#include "zmq_terminal.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <zmq.h>

using namespace hc::settle;
using namespace hc::settle::test;
using namespace std::chrono_literals;

namespace {

struct Daemons {
    TempDir dir;
    Keys server, k01, k02;
    std::unique_ptr<Process> center, settled;
    std::string endpoint;

    Daemons() {
        std::ofstream(dir.file("server.key")) << server.sec << "\n";
        std::ofstream(dir.file("allow")) << "K01 " << k01.pub << "\nK02 " << k02.pub << "\n";
        center = std::make_unique<Process>(
            std::vector<std::string> { HC_CENTER_SIM, "--policies", HC_SETTLE_POLICY_DIR,
                "--center-data", HC_TEST_CENTER_DATA, "--port-file", dir.file("center.port") },
            dir.file("center.log"));
        const auto centerPort = waitForPort(dir.file("center.port"));
        settled = std::make_unique<Process>(
            std::vector<std::string> { HC_SETTLEMENTD, "--db", dir.file("ledger.db"), "--policies",
                HC_SETTLE_POLICY_DIR, "--center-port", std::to_string(centerPort),
                "--center-timeout-ms", "1000", "--settle-wait-ms", "2000", "--curve-secret",
                dir.file("server.key"), "--allow", dir.file("allow"), "--port-file",
                dir.file("sd.port"), "--claim-cap-fen", "5000000", "--max-message-bytes",
                "262144" },
            dir.file("settlementd.log"));
        endpoint = "tcp://127.0.0.1:" + std::to_string(waitForPort(dir.file("sd.port")));
    }
    TerminalClientConfig config(const Keys& me) const {
        TerminalClientConfig c;
        c.endpoint = endpoint;
        c.serverPublicKey = server.pub;
        c.publicKey = me.pub;
        c.secretKey = me.sec;
        c.connectTimeout = 1500ms;
        c.replyTimeout = 15000ms;
        return c;
    }
    std::int64_t audits(const std::string& action) {
        auto store = openSqliteLedger(dir.file("ledger.db"));
        auto tx = store->begin();
        const auto n = tx->auditCount(action);
        tx->commit();
        return n;
    }
};

std::vector<FeeLine> fees(Fen amount) {
    return { FeeLine { "a", "A", amount, 1000, {}, {} } };
}

template <typename F> std::string refusalCode(F&& f) {
    try {
        f();
    } catch (const RefusedError& e) {
        return e.code();
    }
    return "accepted";
}

long rssKb(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::stol(line.substr(6));
        }
    }
    return -1;
}

} // namespace

TEST_CASE("cross-terminal: K02 can neither cancel, query, pre-settle, settle nor upload onto "
          "K01's visit or settlement; each refusal is audited and K01's settlement stands") {
    Daemons d;
    TerminalClient k1(d.config(d.k01));
    TerminalClient k2(d.config(d.k02));
    k1.registerVisit("k1-r", visit("V1"));
    k1.uploadFees("k1-u", "V1", "B1", fees(100000));
    const auto s = k1.settle("k1-s", "V1", "B1");
    REQUIRE(s.status == "SETTLED");

    CHECK(refusalCode([&] { k2.cancel("k2-c", s.msgid); }) == "auth.not_yours");
    CHECK(refusalCode([&] { k2.query("k2-q", s.msgid); }) == "auth.not_yours");
    CHECK(refusalCode([&] { k2.uploadFees("k2-u", "V1", "B2", fees(5000)); }) == "auth.not_yours");
    CHECK(refusalCode([&] { k2.preSettle("k2-p", "V1", "B1"); }) == "auth.not_yours");
    CHECK(refusalCode([&] { k2.settle("k2-s", "V1", "B1"); }) == "auth.not_yours");
    // A visit id taken by K01 cannot be registered again by K02.
    CHECK(refusalCode([&] { k2.registerVisit("k2-r", visit("V1")); }) == "input.bad_field");

    const auto after = k1.query("k1-q", s.msgid);
    CHECK(after.status == "SETTLED");
    CHECK(after.terminal == "K01");
    CHECK(d.audits("auth.refused") == 5);
    // K02's own shift holds nothing of K01's.
    CHECK(k2.shiftTotals("k2-t").byStatus.empty());
}

TEST_CASE("a request id reused with another call or another body is refused, not answered "
          "with the old reply") {
    Daemons d;
    TerminalClient k1(d.config(d.k01));
    k1.registerVisit("r-1", visit("V1"));
    k1.uploadFees("u-1", "V1", "B1", fees(100000));
    const auto s = k1.settle("s-1", "V1", "B1");
    REQUIRE(s.status == "SETTLED");
    // Same id, same call and body: the stored reply.
    CHECK(k1.settle("s-1", "V1", "B1").replayed);
    // Same id, another body.
    CHECK(refusalCode([&] { k1.settle("s-1", "V1", "B1", true); }) == "store.duplicate");
    // Same id, another call.
    CHECK(refusalCode([&] { k1.query("s-1", s.msgid); }) == "store.duplicate");
    CHECK(refusalCode([&] { k1.uploadFees("u-1", "V1", "B1", fees(1)); }) == "store.duplicate");
    // Another terminal with the same id.
    TerminalClient k2(d.config(d.k02));
    CHECK(refusalCode([&] { k2.registerVisit("r-1", visit("V9")); }) == "store.duplicate");
}

TEST_CASE("a frame above the documented ZMQ_MAXMSGSIZE is dropped without growing "
          "settlementd; others are still served") {
    Daemons d;
    const auto before = rssKb(d.settled->pid());
    {
        zmq::context_t ctx;
        Terminal t(ctx, d.endpoint, d.server, d.k01, TerminalOptions { 2000, false });
        t.send(boost::json::object { { "call", "query" }, { "request_id", "big" },
            { "msgid", std::string(4 * 1024 * 1024, 'x') } });
        CHECK_FALSE(t.receive().has_value()); // the connection was dropped
    }
    const auto after = rssKb(d.settled->pid());
    CHECK(after - before < 16 * 1024); // not the 4 MB frame, let alone 600 MB
    TerminalClient k1(d.config(d.k01));
    CHECK(k1.registerVisit("r-after", visit("V2")).status == "registered");
}

TEST_CASE("a fee batch above the per-claim sanity cap is refused with the field named") {
    Daemons d;
    TerminalClient k1(d.config(d.k01));
    k1.registerVisit("r-1", visit("V1"));
    try {
        k1.uploadFees("u-1", "V1", "B1", fees(5'000'001));
        FAIL("expected RefusedError");
    } catch (const RefusedError& e) {
        CHECK(e.field() == "items");
        CHECK(std::string(e.what()).find("cap") != std::string::npos);
    }
    CHECK(k1.uploadFees("u-2", "V1", "B1", fees(5'000'000)).status == "uploaded");
}
