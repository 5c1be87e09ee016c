// center-sim: plays the fund's center over HTTP/JSON with fault switches.
//   POST /fsi/api/<anything>   national envelope in, reply envelope out
//   GET  /admin/faults         current fault switches
//   POST /admin/faults         set fault switches (JSON, see FaultConfig)
//   GET  /admin/stats          active settlements and duplicate msgids refused
//   GET  /admin/settlements    every settlement the center holds (tests)
// One thread per connection; keep-alive. Prints "listening <port>" when ready.
#include "center_sim.hpp"
#include "hc/base/program_options.hpp"
#include "hc/settle/envelope.hpp"
#include "hc/settle/error.hpp"
#include "hc/settle/json_in.hpp"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
namespace po = boost::program_options;
using tcp = asio::ip::tcp;
using namespace hc::settle;

namespace {

std::mutex g_rngMutex;
std::mt19937 g_rng(12345);

bool roll(int pct) {
    if (pct <= 0) {
        return false;
    }
    std::lock_guard lock(g_rngMutex);
    return static_cast<int>(g_rng() % 100) < pct;
}

void serve(tcp::socket socket, CenterSim& sim) {
    boost::beast::flat_buffer buffer;
    boost::system::error_code ec;
    for (;;) {
        http::request<http::string_body> req;
        http::read(socket, buffer, req, ec);
        if (ec) {
            return;
        }
        http::response<http::string_body> res { http::status::ok, req.version() };
        res.set(http::field::content_type, "application/json");
        res.keep_alive(req.keep_alive());
        const std::string target(req.target());
        bool duplicate = false;
        if (target.rfind("/admin/", 0) == 0) {
            try {
                if (target == "/admin/faults" && req.method() == http::verb::post) {
                    sim.setFaults(FaultConfig::fromJson(parseJsonText(req.body(), "faults")));
                }
                if (target == "/admin/settlements") {
                    res.body() = json::serialize(sim.settlements());
                } else if (target == "/admin/stats") {
                    res.body() = json::serialize(
                        json::object { { "active_settlements", sim.activeSettlements() },
                            { "duplicate_msgids", sim.duplicateMsgids() } });
                } else {
                    res.body() = json::serialize(sim.faults().toJson());
                }
            } catch (const Error& e) {
                res.result(http::status::bad_request);
                res.body() = json::serialize(json::object { { "error", e.what() } });
            }
        } else {
            auto faults = sim.faults();
            if (faults.down && faults.downUntilMs != 0 && nowMs() >= faults.downUntilMs) {
                faults.down = false;
                faults.downUntilMs = 0;
                sim.setFaults(faults);
            }
            if (faults.down || roll(faults.dropRequestPct)) {
                return; // connection closed, nothing processed
            }
            if (faults.delayMs > 0) {
                std::this_thread::sleep_for(std::chrono::milliseconds(faults.delayMs));
            }
            if (roll(faults.http5xxPct)) {
                res.result(http::status::service_unavailable);
                res.body() = R"({"error":"center busy"})";
            } else {
                const auto answer = sim.handle(req.body());
                res.body() = answer.body;
                res.set(http::field::content_type, answer.contentType);
                if (faults.replyDelayMs > 0) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(faults.replyDelayMs));
                }
                if (roll(faults.dropResponsePct)
                    || (answer.committed && sim.dropCommittedReply())) {
                    return; // committed, reply lost
                }
                duplicate = roll(faults.duplicateResponsePct);
            }
        }
        res.prepare_payload();
        http::write(socket, res, ec);
        if (!ec && duplicate) {
            http::write(socket, res, ec);
        }
        if (ec || !res.keep_alive()) {
            return;
        }
    }
}

} // namespace

int main(int argc, char** argv) {
    hc::ProgramOptions opts("center-sim", "center-sim options");
    std::vector<std::string> policyDirs;
    std::string bind, portFile, faultsJson, admdvs, centerData;
    int policyYear = 0;
    unsigned short port = 0;
    opts.add()("policies", po::value(&policyDirs)->required()->composing(),
        "directory of rule tables (*.json); repeatable")(
        "bind", po::value(&bind)->default_value("127.0.0.1"), "listen address")(
        "port", po::value(&port)->default_value(0), "listen port (0 = any free port)")(
        "port-file", po::value(&portFile), "write the chosen port here")(
        "admdvs", po::value(&admdvs)->default_value("511800"), "center region code")(
        "faults", po::value(&faultsJson), "initial fault switches as JSON")("center-data",
        po::value(&centerData),
        "directory of institutions.json, catalog.json, persons.json, code-table.json (default: "
        "the first --policies directory's center/)")("policy-year",
        po::value(&policyYear)->default_value(0),
        "year whose rule tables are in force (0 = this year by the clock)");
    if (const auto exit = opts.parse(argc, argv)) {
        return *exit;
    }
    try {
        PolicyLibrary lib;
        for (const auto& d : policyDirs) {
            lib.loadDirectory(d);
        }
        if (centerData.empty()) {
            centerData = (std::filesystem::path(policyDirs.front()) / "center").string();
        }
        CenterSim sim(std::move(lib), CenterData::load(centerData), admdvs);
        if (policyYear != 0) {
            sim.setPolicyYear(policyYear);
        }
        if (!faultsJson.empty()) {
            sim.setFaults(FaultConfig::fromJson(parseJsonText(faultsJson, "--faults")));
        }
        asio::io_context io;
        tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address(bind), port));
        const auto actual = acceptor.local_endpoint().port();
        if (!portFile.empty()) {
            std::ofstream(portFile + ".tmp") << actual << "\n";
            std::rename((portFile + ".tmp").c_str(), portFile.c_str());
        }
        std::cout << "listening " << actual << std::endl;
        for (;;) {
            tcp::socket socket(io);
            acceptor.accept(socket);
            std::thread([s = std::move(socket), &sim]() mutable {
                serve(std::move(s), sim);
            }).detach();
        }
    } catch (const std::exception& e) {
        std::cerr << "center-sim: " << e.what() << "\n";
        return 1;
    }
}
