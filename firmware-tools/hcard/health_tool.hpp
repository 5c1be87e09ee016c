// Helpers of the hcard health-card subcommands (read, pin, write-visit): opening the security
// module the options name, and turning the data model into JSON / text.
#pragma once

#include "hc/card/health/health_card.hpp"
#include "hc/card/health/sam_card.hpp"
#include "hcard.hpp"

#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <vector>

namespace hc::tool {

/** Options shared by the health-card subcommands. */
struct HealthOptions {
    /** JSON file with SAM master keys (software SAM); also $HC_HEALTH_KEYS. */
    std::string keysFile;
    /** Reader holding the SAM card. */
    std::string samReader;
    /** SAM PIN (ASCII); also $HC_SAM_PIN; default 123456 for the test SAM. */
    std::string samPin;
    /** Read per record instead of bulk. */
    bool perRecord = false;
    /** Card profile JSON (for example card/profiles/ws543-2017.json); empty =
     * CardProfile::ws543_2017(). */
    std::string profileFile;
};

/** The card profile the options name (with perRecord applied). Throws hc::Error. */
hc::card::health::CardProfile loadProfile(const HealthOptions& options);

/** Takes the health options out of `args` (leaving the rest). Throws hc::InputError. */
HealthOptions parseHealthOptions(std::vector<std::string>& args);

/** A security module and the channel it talks through (SAM card), kept alive together. */
struct OpenedSam {
    hc::card::CardChannelPtr channel;
    std::unique_ptr<hc::card::health::SecureAccessModule> module;
};

/** Opens the software SAM or the SAM card as the options say; empty when neither is given. */
OpenedSam openSam(const HealthOptions& options);

/** JSON of a session's strategy report (hcard read --explain --json). */
boost::json::object strategyJson(const hc::card::health::StrategyReport& r);

/** JSON of the identity (UTF-8 text, codes with their names). */
boost::json::object identityJson(const hc::card::health::Identity& id);
/** JSON of everything readAll returns. */
boost::json::object allJson(const hc::card::health::HealthCardData& d);
/** Prints the identity (and, when `all`, the rest) as aligned text. */
void printHealthText(const hc::card::health::HealthCardData& d, bool all);

} // namespace hc::tool
