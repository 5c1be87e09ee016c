// cardKey: a stable, non-reversible key of a card number for the journal (FNV-1a 64, hex), so a
// purse step left UNKNOWN can be matched to the card when it comes back without the journal
// holding the card (ID) number. Pure function; thread-safe.
#pragma once

#include <string>

namespace hc::kiosk::core {

/** 16 hex digits of FNV-1a 64 over the card number. */
std::string cardKey(const std::string& cardNumber);

} // namespace hc::kiosk::core
