// hcard: the card tool. Each subcommand is one file; this header is what they share.
#pragma once

#include "hc/card/card_channel.hpp"

#include <boost/json/value.hpp>
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
};

/** Picks the reader the options name (or the first with a card) and connects, with the T=0 and
 * tracing decorators as the options ask. Throws hc::Error with a next step. */
hc::card::CardChannelPtr openCard(const CommonOptions& options);
/** The reader `options.reader` means, resolved against the attached readers. */
std::string resolveReader(const std::string& spec);

/** Prints one JSON value on a line of its own. */
void printJson(const boost::json::value& v);

int cmdReaders(const CommonOptions& o, const std::vector<std::string>& args);
int cmdWait(const CommonOptions& o, const std::vector<std::string>& args);
int cmdAtr(const CommonOptions& o, const std::vector<std::string>& args);
int cmdApdu(const CommonOptions& o, const std::vector<std::string>& args);

} // namespace hc::tool
