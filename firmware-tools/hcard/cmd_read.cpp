// hcard read [--all] [--json] [--keys FILE | --sam READER [--sam-pin PIN]] [--per-record]
//            [--profile card/profiles/X.json] [--explain]
// Reads the health card: identity (card data + holder), or with --all every data set. Text is
// decoded to UTF-8. Protected files need a security module: the SAM card in another reader or a
// software key file (test keys: firmware-tools/images/resident-keys.json, or $HC_HEALTH_KEYS).
// The reader adapts to the card (hc/card/health/strategy.hpp); --explain prints the strategy it
// chose and why (in --json: a "strategy" object), also when the read fails.
#include "hc/card/health/health_card.hpp"
#include "health_tool.hpp"

#include <boost/json.hpp>
#include <iostream>

namespace hc::tool {

namespace h = hc::card::health;

int cmdRead(const CommonOptions& o, const std::vector<std::string>& argsIn) {
    std::vector<std::string> args = argsIn;
    const HealthOptions ho = parseHealthOptions(args);
    bool all = false;
    bool explain = false;
    for (const auto& a : args) {
        if (a == "--all") {
            all = true;
        } else if (a == "--explain") {
            explain = true;
        } else {
            throw hc::InputError("hcard read: unknown argument \"" + a + "\"");
        }
    }
    OpenedSam sam = openSam(ho);
    auto ch = openCard(o);
    h::HealthCard card(*ch, loadProfile(ho), sam.module.get(), &strategyCache(o));
    h::HealthCardData data;
    std::size_t apdus = 0;
    try {
        if (all) {
            const auto r = card.readAll();
            data = r.value;
            apdus = r.apdus;
        } else {
            const auto r = card.readIdentity();
            data.identity = r.value;
            apdus = r.apdus;
        }
    } catch (const hc::Error&) {
        if (explain) {
            std::cerr << h::describe(card.strategyReport());
        }
        throw;
    }
    std::string invalid;
    try {
        h::validateIdentity(data.identity);
    } catch (const h::ValidationError& e) {
        invalid = e.what();
    }
    if (o.json) {
        boost::json::object j = all ? allJson(data) : identityJson(data.identity);
        j["reader"] = ch->readerName();
        j["apdus"] = apdus;
        if (explain) {
            j["strategy"] = strategyJson(card.strategyReport());
        }
        if (!invalid.empty()) {
            j["validation_error"] = invalid;
        }
        printJson(j);
    } else {
        printHealthText(data, all);
        std::cout << "(" << apdus << " APDUs" << (sam.module ? ", keys: " + sam.module->name() : "")
                  << ")\n";
        if (!invalid.empty()) {
            std::cout << "validation: " << invalid << "\n";
        }
        if (explain) {
            std::cout << h::describe(card.strategyReport());
        }
    }
    return 0;
}

namespace {
const CommandRegistrar registrar("read",
    { "read [--all] [--keys F|--sam R] [--per-record] [--explain]",
        "read the health card (identity, or everything), decoded", cmdRead });
} // namespace

} // namespace hc::tool
