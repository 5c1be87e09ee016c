// hcard pin verify PIN | change OLD NEW | unblock PUK NEW
// The cardholder PIN of the health card. A value "-" is read from stdin (one per line), so PINs
// need not appear in the process list. Prints "ok", "wrong PIN, n tries left" or "blocked";
// exit 0 for ok, 3 for a wrong PIN, 4 when blocked. PINs never reach the trace (masked).
#include "hc/card/health/health_card.hpp"
#include "health_tool.hpp"

#include <boost/json.hpp>
#include <iostream>

namespace hc::tool {

namespace h = hc::card::health;

int cmdPin(const CommonOptions& o, const std::vector<std::string>& argsIn) {
    std::vector<std::string> args = argsIn;
    if (args.empty()) {
        throw hc::InputError("hcard pin: verify PIN | change OLD NEW | unblock PUK NEW");
    }
    const std::string action = args[0];
    std::vector<std::string> values(args.begin() + 1, args.end());
    for (auto& v : values) {
        if (v == "-") {
            std::getline(std::cin, v);
        }
    }
    const std::size_t need = action == "verify" ? 1 : 2;
    if ((action != "verify" && action != "change" && action != "unblock")
        || values.size() != need) {
        throw hc::InputError("hcard pin: verify PIN | change OLD NEW | unblock PUK NEW");
    }
    auto ch = openCard(o);
    h::HealthCard card(*ch, h::CardProfile::ws543_2017(), nullptr, &strategyCache(o));
    h::PinResult r;
    if (action == "verify") {
        r = card.verifyPin(values[0]);
    } else if (action == "change") {
        r = card.changePin(values[0], values[1]);
    } else {
        r = card.unblockPin(values[0], values[1]);
    }
    if (o.json) {
        boost::json::object j { { "action", action },
            { "result",
                r.status == h::PinStatus::Ok          ? "ok"
                    : r.status == h::PinStatus::Wrong ? "wrong"
                                                      : "blocked" } };
        if (r.status == h::PinStatus::Wrong && r.triesLeft >= 0) {
            j["tries_left"] = r.triesLeft;
        }
        printJson(j);
    } else {
        std::cout << action << ": " << r.describe() << "\n";
    }
    return r.status == h::PinStatus::Ok ? 0 : r.status == h::PinStatus::Wrong ? 3 : 4;
}

namespace {
const CommandRegistrar registrar("pin",
    { "pin verify PIN|change OLD NEW|unblock PUK NEW",
        "cardholder PIN of the health card (\"-\" reads stdin)", cmdPin });
} // namespace

} // namespace hc::tool
