// The card's life after issuance: block/unblock, lost and replacement, PIN reset by the issuer.
// Each operation changes the register and, when a reader with the card is given, the card. The
// register change comes first for block and lost (the blocklist must refuse the card even when
// the card side fails), last for unblock (the card must work before the register says it does).
// Threading: as IssuanceRegister and CardWriter.
#pragma once

#include "hc/issuance/card_writer.hpp"
#include "hc/issuance/register_store.hpp"

#include <string>

namespace hc::issuance {

/** Where the card is, when the operation also touches it. */
struct CardAccess {
    CardWriter* writer = nullptr; ///< null: register only
    std::string reader; ///< reader holding the card
};

/** Blocks a card: register issued -> blocked, then the application on the card. Throws
 * LifecycleError for a card not issued; CardSideError when the card in the reader is another
 * card or the card refuses (the register stays blocked). */
void blockCard(IssuanceRegister& reg, const std::string& cardNo, const std::string& reason,
    const std::string& operatorId, const CardAccess& card = {});
/** Unblocks: the application on the card first, then register blocked -> issued. */
void unblockCard(IssuanceRegister& reg, const std::string& cardNo, const std::string& operatorId,
    const CardAccess& card = {});
/** Reports a card lost (register only: the card is not at hand). */
void reportLost(IssuanceRegister& reg, const std::string& cardNo, const std::string& operatorId);
/** Replaces a lost card: lost -> replaced, and a new card number (prepared) for the same resident
 * in `batch`; run that batch to personalize it. Returns the new entry. */
CardEntry replaceCard(IssuanceRegister& reg, const std::string& cardNo, const std::string& batch,
    const std::string& operatorId);
/** Resets the PIN on the card (issuer keys) to `newPin` and records a "pin-reset" event (the PIN
 * itself is never recorded). Throws LifecycleError unless the card is issued. */
void resetPin(IssuanceRegister& reg, const std::string& cardNo, const std::string& newPin,
    const std::string& operatorId, const CardAccess& card);

} // namespace hc::issuance
