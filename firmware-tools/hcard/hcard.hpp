// hcard: the card tool. Each subcommand is one file; this header is what they share.
#pragma once

#include "hc/card/card_channel.hpp"
#include "hc/card/health/strategy_cache.hpp"

#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hc::tool {

/** Options every subcommand takes. */
struct CommonOptions {
    /** Reader name, or its index in `hcard readers`; empty = the first reader with a card. */
    std::string reader;
    bool json = false;
    /** Masked APDU trace appended to this file; empty = none. */
    std::string traceFile;
    /** Send APDUs as they are: no GET RESPONSE / Le retry below the tool. */
    bool raw = false;
    /** Where what cards taught about themselves is kept (--strategy-cache FILE, or "none" for
     * this run only); empty = $HC_CARD_STRATEGY_CACHE, else
     * ${XDG_CACHE_HOME:-$HOME/.cache}/hc/card-strategies.json. */
    std::string strategyCache;
};

/** The card-strategy cache the options name (opened once per run). Throws hc::Error when the
 * file does not parse (the message says to delete it). */
hc::card::health::StrategyCache& strategyCache(const CommonOptions& options);

/** Picks the reader the options name (or the first with a card) and connects, with the T=0 and
 * tracing decorators as the options ask. Throws hc::Error with a next step. */
hc::card::CardChannelPtr openCard(const CommonOptions& options);
/** The reader `options.reader` means, resolved against the attached readers. */
std::string resolveReader(const std::string& spec);

/** Prints one JSON value on a line of its own. */
void printJson(const boost::json::value& v);

/** A subcommand: gets the common options and its own arguments, returns the exit code
 * (0 done, 1 card or reader error, 2 bad input). Throws hc::Error for the caller to print. */
using CommandFn = std::function<int(const CommonOptions&, const std::vector<std::string>&)>;

/** One line of `hcard --help` plus the function. */
struct CommandInfo {
    std::string usage; ///< e.g. "wait [--count N] [--timeout S]"
    std::string help; ///< what it does, one line
    CommandFn run;
};

/** Every subcommand, by name. Each cmd_*.cpp adds its own with a static CommandRegistrar, so a
 * new subcommand is one new file. */
std::map<std::string, CommandInfo>& commands();

/** `static CommandRegistrar r("readers", {"readers", "list readers", cmdReaders});` */
struct CommandRegistrar {
    CommandRegistrar(const std::string& name, CommandInfo info) {
        commands()[name] = std::move(info);
    }
};

} // namespace hc::tool
