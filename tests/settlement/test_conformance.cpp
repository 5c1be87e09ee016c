// Conformance: the gateway against a recording center that answers the golden replies of
// tests/settlement/conformance/ (written from the public field lists, not from center-sim).
// Every request the gateway sent is checked against the golden field lists (required fields
// present, JSON types as the interface types them, no field of our own), and what the gateway
// read from the golden replies is checked against their "expect".
#include "hc/settle/gateway.hpp"
#include "hc/settle/json_in.hpp"
#include "hc/settle/reconcile.hpp"
#include "hc/settle/service.hpp"
#include "hc/settle/wire_json.hpp"
#include "hc/settle/zip_file.hpp"
#include "temp_dir.hpp"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>
#include <doctest/doctest.h>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

using namespace hc::settle;
using namespace hc::settle::test;
namespace json = boost::json;
namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

json::value golden(const std::string& name) {
    std::ifstream f(std::string(HC_CONFORMANCE_DIR) + "/" + name);
    REQUIRE(f.good());
    std::stringstream ss;
    ss << f.rdbuf();
    return parseWireJson(ss.str(), name);
}

// Check `actual` against a golden field list; every problem is reported with its path.
void checkFields(const json::value& spec, const json::value& actual, const std::string& path,
    std::vector<std::string>& problems) {
    if (spec.is_array()) {
        if (!actual.is_array() || actual.as_array().empty()) {
            problems.push_back(path + ": expected a non-empty array of objects");
            return;
        }
        for (std::size_t i = 0; i < actual.as_array().size(); ++i) {
            checkFields(spec.as_array().at(0), actual.as_array()[i],
                path + "[" + std::to_string(i) + "]", problems);
        }
        return;
    }
    if (spec.is_object()) {
        if (!actual.is_object()) {
            problems.push_back(path + ": expected an object");
            return;
        }
        for (const auto& [k, v] : actual.as_object()) {
            if (!spec.as_object().contains(k)) {
                problems.push_back(path + "." + std::string(k) + ": not in the public field list");
            }
        }
        for (const auto& [k, t] : spec.as_object()) {
            const auto* a = actual.as_object().if_contains(k);
            const auto p = path + "." + std::string(k);
            if (t.is_string()) {
                std::string type(t.as_string());
                const bool optional = !type.empty() && type.back() == '?';
                if (optional) {
                    type.pop_back();
                }
                if (a == nullptr) {
                    if (!optional) {
                        problems.push_back(p + ": required, missing");
                    }
                    continue;
                }
                const bool number = isWireDecimal(*a) || a->is_int64() || a->is_uint64();
                const bool ok = (type == "string" && a->is_string() && !isWireDecimal(*a))
                    || (type == "number" && number) || (type == "integer" && a->is_int64())
                    || (type == "array" && a->is_array()) || (type == "object" && a->is_object());
                if (!ok) {
                    problems.push_back(p + ": expected " + type);
                }
            } else if (a == nullptr) {
                problems.push_back(p + ": required, missing");
            } else {
                checkFields(t, *a, p, problems);
            }
        }
    }
}

// A center that records every request and answers the golden reply of its infno, filling in
// only what a reply echoes (msgid, ipt_otp_no, mdtrt_id) and making its ids unique.
struct RecordingCenter {
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor { io, { asio::ip::make_address("127.0.0.1"), 0 } };
    std::mutex mutex;
    std::vector<std::pair<std::string, json::value>> requests; // infno, envelope
    std::string resultFile; // 9102's .txt
    std::string lastSettleMsgid;
    std::atomic<bool> stop { false };
    std::thread thread;
    int counter = 0;

    RecordingCenter() {
        thread = std::thread([this] { serve(); });
    }
    ~RecordingCenter() {
        stop = true;
        boost::system::error_code ec;
        asio::ip::tcp::socket s(io);
        s.connect(acceptor.local_endpoint(), ec);
        thread.join();
    }
    unsigned short port() { return acceptor.local_endpoint().port(); }

    std::string answer(const std::string& body) {
        std::lock_guard lock(mutex);
        auto env = parseWireJson(body, "request");
        const auto infno = std::string(env.at("infno").as_string());
        const auto msgid = std::string(env.at("msgid").as_string());
        requests.emplace_back(infno, env);
        if (infno == "9102") {
            return makeZip("result.txt", resultFile);
        }
        auto reply = golden(infno + ".json").at("reply");
        auto& r = reply.as_object();
        r["inf_refmsgid"] = "5118002026112300000000" + std::to_string(10'000'000 + ++counter);
        auto& out = r["output"];
        const auto& input = env.at("input").as_object();
        if (infno == "2201") {
            out.as_object()["data"].as_object()["ipt_otp_no"] = input.at("data").at("ipt_otp_no");
        }
        if (infno == "2207" || infno == "2208" || infno == "5203") {
            auto& info = out.as_object()["setlinfo"].as_object();
            info["medins_setl_id"] = infno == "5203" ? lastSettleMsgid : msgid;
            if (infno == "2207") {
                lastSettleMsgid = msgid;
                info["setl_id"]
                    = std::string(info["setl_id"].as_string()) + "-" + std::to_string(counter);
            }
        }
        return serializeWire(reply);
    }

    void serve() {
        while (!stop) {
            asio::ip::tcp::socket socket(io);
            boost::system::error_code ec;
            acceptor.accept(socket, ec);
            if (ec || stop) {
                return;
            }
            std::thread([this, s = std::move(socket)]() mutable {
                boost::beast::flat_buffer buffer;
                for (;;) {
                    http::request<http::string_body> req;
                    boost::system::error_code e;
                    http::read(s, buffer, req, e);
                    if (e) {
                        return;
                    }
                    http::response<http::string_body> res { http::status::ok, req.version() };
                    res.body() = answer(req.body());
                    res.keep_alive(true);
                    res.prepare_payload();
                    http::write(s, res, e);
                    if (e) {
                        return;
                    }
                }
            }).detach();
        }
    }
};

} // namespace

TEST_CASE("the gateway's requests carry exactly the public fields in their types, and it reads "
          "the golden replies of every transaction code") {
    RecordingCenter center;
    TempDir dir;
    auto store = openSqliteLedger(dir.file("ledger.db"));
    PolicyLibrary policies;
    policies.loadDirectory(HC_SETTLE_POLICY_DIR);
    MsgidGenerator msgids("H51180000001");
    EnvelopeContext ctx;
    GatewayConfig gw;
    gw.port = center.port();
    gw.timeout = std::chrono::milliseconds(3000);
    ServiceConfig cfg;
    cfg.settleWait = std::chrono::milliseconds(5000);
    cfg.hospLv = "county";
    SettlementService service(*store, policies, ctx, msgids, cfg);
    CenterGateway gateway(gw, ctx, msgids);
    gateway.signIn();
    CHECK(gateway.context().signNo == golden("9001.json").at("expect").at("sign_no").as_string());

    std::atomic<bool> stop { false };
    std::thread dispatcher([&] {
        CenterGateway g(gw, ctx, msgids);
        const auto hook = service.hook();
        while (!stop) {
            if (!g.runOnce(*store, hook).any()) {
                std::this_thread::sleep_for(std::chrono::milliseconds(3));
            }
        }
    });
    const auto call = [&](json::object req) {
        return parseJsonText(service.handle("K01", json::serialize(req)), "reply").as_object();
    };
    const auto settleVisit = [&](const std::string& v) {
        REQUIRE(call({ { "call", "register_visit" }, { "request_id", "r" + v }, { "visit_id", v },
                         { "psn_no", "510100199001011234" }, { "insutype", "390" },
                         { "med_type", "inpatient" }, { "year", 2014 } })
                    .at("ok")
                    .as_bool());
        json::array items;
        items.push_back({ { "code", "c" }, { "class", "C" }, { "amount_fen", 80000 } });
        items.push_back({ { "code", "b" }, { "class", "B" }, { "amount_fen", 200000 } });
        items.push_back({ { "code", "a" }, { "class", "A" }, { "amount_fen", 720000 } });
        REQUIRE(call({ { "call", "upload_fees" }, { "request_id", "u" + v }, { "visit_id", v },
                         { "chrg_bchno", "B1" }, { "items", items } })
                    .at("ok")
                    .as_bool());
        return call({ { "call", "settle" }, { "request_id", "s" + v }, { "visit_id", v },
            { "chrg_bchno", "B1" } });
    };
    const auto e2207 = golden("2207.json").at("expect");
    const auto a = settleVisit("VA");
    REQUIRE(a.at("status") == "SETTLED");
    CHECK(std::string(a.at("setl_id").as_string())
              .rfind(std::string(e2207.at("setl_id").as_string()), 0)
        == 0);
    CHECK(a.at("medfee_fen") == e2207.at("medfee_fen"));
    CHECK(a.at("fund_fen") == e2207.at("fund_fen"));
    CHECK(a.at("cash_fen") == e2207.at("cash_fen"));
    CHECK(a.at("setl_date") == e2207.at("setl_date"));
    // 2208 on A, 2601 (staff) on B, C stays settled.
    REQUIRE(call({ { "call", "cancel" }, { "request_id", "cA" }, { "msgid", a.at("msgid") } })
                .at("ok")
                .as_bool());
    const auto b = settleVisit("VB");
    REQUIRE(b.at("status") == "SETTLED");
    {
        auto tx = store->begin();
        requestReversal(*tx, ctx, msgids, gw.retry, std::string(b.at("msgid").as_string()),
            "510100199001011234", "staff");
        tx->commit();
    }
    const auto c = settleVisit("VC");
    REQUIRE(c.at("status") == "SETTLED");
    for (int i = 0; i < 500; ++i) {
        auto tx = store->begin();
        const auto d = tx->outboxDepth();
        tx->commit();
        if (d.count("NEW") == 0 && d.count("SENT") == 0) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    stop = true;
    dispatcher.join();
    {
        auto tx = store->begin();
        CHECK(findSettlement(*tx, std::string(a.at("msgid").as_string()))->status
            == SettlementStatus::Cancelled);
        CHECK(findSettlement(*tx, std::string(b.at("msgid").as_string()))->status
            == SettlementStatus::Reversed);
        tx->commit();
    }

    // Reconciliation: 3201 (not balanced) → 9101 → 3202 → 9102, the result lists C balanced.
    {
        auto tx = store->begin();
        const auto rec = findSettlement(*tx, std::string(c.at("msgid").as_string()));
        tx->commit();
        center.resultFile = rec->psnNo + "\t-\t" + rec->setlId + "\t" + rec->msgid + "\t0\t0\t\t"
            + formatYuan(rec->medfee) + "\t" + formatYuan(rec->fund) + "\t" + formatYuan(rec->acct)
            + "\n";
    }
    const auto report = reconcileDay(*store, gateway, "2026-11-23");
    CHECK(report.counts.at("balanced") == 1);
    // 5203 by setl_id: the query's cash part is cash_payamt.
    {
        auto tx = store->begin();
        const auto rec = findSettlement(*tx, std::string(c.at("msgid").as_string()));
        tx->commit();
        const auto out = gateway.call("5203",
            json::object { { "data",
                json::object { { "psn_no", rec->psnNo }, { "setl_id", rec->setlId } } } });
        const auto split = splitFromJson(out.at("setlinfo"));
        const auto e5203 = golden("5203.json").at("expect");
        CHECK(split.fundPaySumamt == e5203.at("fund_fen").as_int64());
        CHECK(split.psnCashPay == e5203.at("cash_fen").as_int64());
    }

    // Every request against the golden field lists.
    const auto envelope = golden("envelope.json");
    std::set<std::string> seen;
    for (const auto& [infno, env] : center.requests) {
        CAPTURE(infno);
        seen.insert(infno);
        std::vector<std::string> problems;
        checkFields(envelope, env, "envelope", problems);
        checkFields(golden(infno + ".json").at("input"), env.at("input"), "input", problems);
        for (const auto& p : problems) {
            FAIL_CHECK(p);
        }
        const auto msgid = std::string(env.at("msgid").as_string());
        CHECK(msgid.size() == 30);
        CHECK(msgid.rfind("H51180000001", 0) == 0);
        if (infno == "9101") {
            // The upload is a ZIP holding one .txt of 7 TAB-separated columns.
            std::string bytes;
            for (const auto& v : env.at("input").at("fsUploadIn").at("in").as_array()) {
                bytes.push_back(static_cast<char>(v.as_int64()));
            }
            const auto entry = readSingleTextZip(bytes, "9101 upload");
            CHECK(std::count(entry.content.begin(), entry.content.end(), '\n') == 1);
            CHECK(std::count(entry.content.begin(), entry.content.end(), '\t') == 6);
        }
    }
    for (const char* code : { "9001", "2201", "2204", "2207", "2208", "2601", "3201", "9101",
             "3202", "9102", "5203" }) {
        CAPTURE(code);
        CHECK(seen.count(code) == 1);
    }
    // No msgid was ever sent twice.
    std::set<std::string> msgidsSent;
    for (const auto& [infno, env] : center.requests) {
        CHECK(msgidsSent.insert(std::string(env.at("msgid").as_string())).second);
    }
}
