#include "hc/card/error.hpp"
#include "hc/card/t0_channel.hpp"
#include "hc/card/tracing_channel.hpp"
#include "hc/pcsc.hpp"
#include "hcard.hpp"

#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace hc::tool {

std::string resolveReader(const std::string& spec) {
    hc::pcsc::Context ctx;
    const auto readers = ctx.listReaders();
    if (readers.empty()) {
        throw hc::Error("no card reader is attached (is pcscd running with a reader driver?)",
            hc::NextStep::CheckConfiguration);
    }
    if (!spec.empty()) {
        if (spec.find_first_not_of("0123456789") == std::string::npos) {
            const auto idx = std::stoul(spec);
            if (idx >= readers.size()) {
                throw hc::Error("reader index " + spec + " is out of range (there are "
                        + std::to_string(readers.size()) + " readers; see `hcard readers`)",
                    hc::NextStep::FixInput);
            }
            return readers[idx];
        }
        for (const auto& r : readers) {
            if (r == spec) {
                return r;
            }
        }
        throw hc::Error(
            "no reader named \"" + spec + "\" (see `hcard readers`)", hc::NextStep::FixInput);
    }
    for (const auto& r : readers) {
        try {
            hc::pcsc::PcscCard probe(r);
            return r;
        } catch (const hc::pcsc::NoCard&) {
        } catch (const hc::pcsc::CardRemoved&) { }
    }
    throw hc::Error("no card in any reader; insert the card (chip up) and try again",
        hc::NextStep::ReinsertCard);
}

hc::card::CardChannelPtr openCard(const CommonOptions& o) {
    hc::card::CardChannelPtr ch = std::make_unique<hc::pcsc::PcscCard>(resolveReader(o.reader));
    if (!o.traceFile.empty()) {
        ch = std::make_unique<hc::card::TracingChannel>(
            std::move(ch), hc::card::appendFileSink(o.traceFile));
    }
    if (!o.raw) {
        ch = std::make_unique<hc::card::T0Channel>(std::move(ch));
    }
    return ch;
}

hc::card::health::StrategyCache& strategyCache(const CommonOptions& o) {
    static std::unique_ptr<hc::card::health::StrategyCache> cache;
    if (cache) {
        return *cache;
    }
    std::string path = o.strategyCache;
    if (path.empty()) {
        if (const char* env = std::getenv("HC_CARD_STRATEGY_CACHE"); env && *env) {
            path = env;
        } else if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
            path = std::string(xdg) + "/hc/card-strategies.json";
        } else if (const char* home = std::getenv("HOME"); home && *home) {
            path = std::string(home) + "/.cache/hc/card-strategies.json";
        } else {
            path = "none";
        }
    }
    if (path == "none") {
        cache = std::make_unique<hc::card::health::StrategyCache>();
    } else {
        const std::filesystem::path p(path);
        std::error_code ec;
        if (p.has_parent_path()) {
            std::filesystem::create_directories(p.parent_path(), ec);
        }
        cache = std::make_unique<hc::card::health::StrategyCache>(p);
    }
    return *cache;
}

std::map<std::string, CommandInfo>& commands() {
    static std::map<std::string, CommandInfo> all;
    return all;
}

void printJson(const boost::json::value& v) {
    std::cout << boost::json::serialize(v) << std::endl;
}

} // namespace hc::tool
