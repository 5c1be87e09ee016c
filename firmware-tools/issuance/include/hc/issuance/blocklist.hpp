// The blocklist terminals load: the card numbers they must refuse (lost, blocked, replaced).
// Pure values and functions, any thread.
//
// Text form (one entry per line, UTF-8, LF):
//   hc-blocklist/1
//   version <N>                 the register's last event id when exported (increasing)
//   date <YYYY-MM-DDTHH:MM:SSZ>
//   count <n>
//   <card no> <status>          n lines, sorted by card number; status lost|blocked|replaced
//   sm3 <64 hex>                SM3 over every byte before this line
// JSON form: {"format":"hc-blocklist/1","version":N,"date":"...","entries":[{"card_no":"..",
//   "status":".."}...],"sm3":"<hex>"}, where sm3 is the SM3 of the text form's body, so both
//   forms carry the same digest and a terminal checks either one.
#pragma once

#include "hc/issuance/register_store.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hc::issuance {

/** One refused card. */
struct BlocklistEntry {
    std::string cardNo; ///< 18 digits
    std::string status; ///< "lost", "blocked", "replaced"
};

/** A blocklist. */
struct Blocklist {
    std::uint64_t version = 0; ///< increasing with every register change
    std::string date; ///< when exported (UTC)
    std::vector<BlocklistEntry> entries; ///< sorted by card number

    /** The text form (above), digest line included. */
    std::string toText() const;
    /** The JSON form (above). */
    std::string toJson() const;
    /** SM3 (hex) of the text body. */
    std::string digest() const;
    /** True when `cardNo` is on the list (binary search). */
    bool isBlocked(std::string_view cardNo) const;

    /** Parses either form and checks its digest. Throws hc::InputError for a malformed list or a
     * digest that does not match (a damaged or altered file must not be loaded). */
    static Blocklist parse(std::string_view text);
};

/** The register's current blocklist. */
Blocklist exportBlocklist(IssuanceRegister& reg);

/** SM3 of bytes, hex (OpenSSL). */
std::string sm3Hex(std::string_view data);

} // namespace hc::issuance
