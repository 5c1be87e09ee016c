#include "hc/pcsc.hpp"
#include "hcard.hpp"

#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <iostream>

namespace hc::tool {

// Prints reader and card events as they happen, until Ctrl-C, --count events, or --timeout.
int cmdWait(const CommonOptions& o, const std::vector<std::string>& args) {
    namespace po = boost::program_options;
    po::options_description desc("hcard wait");
    int count = 0;
    double timeout = 0;
    desc.add_options()("count", po::value(&count), "stop after this many events")(
        "timeout", po::value(&timeout), "stop after this many seconds");
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    po::notify(vm);

    hc::pcsc::ReaderMonitor monitor;
    const auto start = std::chrono::steady_clock::now();
    int seen = 0;
    while (count <= 0 || seen < count) {
        std::optional<std::chrono::milliseconds> left;
        if (timeout > 0) {
            const auto elapsed = std::chrono::steady_clock::now() - start;
            const auto ms = std::chrono::milliseconds(static_cast<long long>(timeout * 1000))
                - std::chrono::duration_cast<std::chrono::milliseconds>(elapsed);
            if (ms.count() <= 0) {
                break;
            }
            left = ms;
        }
        for (const auto& e : monitor.wait(left)) {
            if (o.json) {
                boost::json::object j { { "event", hc::pcsc::eventName(e.kind) },
                    { "reader", e.reader } };
                if (!e.atr.empty()) {
                    j["atr"] = hc::toHex(e.atr);
                }
                printJson(j);
            } else {
                std::cout << hc::pcsc::eventName(e.kind) << "  " << e.reader;
                if (!e.atr.empty()) {
                    std::cout << "  " << hc::toHex(e.atr);
                }
                std::cout << std::endl;
            }
            ++seen;
        }
    }
    return 0;
}

namespace {
const CommandRegistrar registrar("wait",
    { "wait [--count N] [--timeout S]", "print card and reader events as they happen", cmdWait });
} // namespace

} // namespace hc::tool
