// PersoError: a personalization or card-side lifecycle step failed on the card. It names the
// stage, so the issuance register can record where a card was spoiled, and carries the status
// word when the card refused a command. Plain value types, any thread.
#pragma once

#include "hc/card/error.hpp"
#include "hc/card/status_word.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace hc::perso {

/** Where in the personalization (or lifecycle operation) a card failed. */
enum class PersoStage {
    Open, ///< probing the card and authenticating with its transport key
    Keys, ///< loading the DF keys (WRITE KEY under the transport key)
    Files, ///< creating the DFs and EFs (CREATE FILE)
    Data, ///< writing the data elements, photo, allergies, immunisations, visit indexes
    Pin, ///< loading the cardholder PIN and PUK, or an issuer PIN reset
    Lifecycle, ///< moving the card to its issued state, application block / unblock
    Verify, ///< reading everything back through hc::card::health::HealthCard and comparing
};

/** "open", "keys", "files", "data", "pin", "lifecycle", "verify". */
std::string_view describe(PersoStage stage);

/** A card failed at `stage`. Thrown by Personalizer; when thrown by personalize() the card must
 * be counted spoiled (it may be half-written: never count it good). NextStep is CallStaff (set the
 * card aside) or ReinsertCard (the card was removed or the reader failed: the card is still
 * spoiled unless stage() is Open and cardTouched() is false). */
class PersoError : public hc::Error {
public:
    /** `message` never contains keys, PINs or patient identifiers. */
    PersoError(PersoStage stage, std::string message, hc::NextStep next = hc::NextStep::CallStaff,
        std::optional<hc::card::StatusWord> sw = std::nullopt, bool cardTouched = true);
    /** The stage that failed. */
    PersoStage stage() const noexcept { return m_stage; }
    /** The status word the card refused the command with, when it was a refusal. */
    const std::optional<hc::card::StatusWord>& sw() const noexcept { return m_sw; }
    /** False only when nothing was written to the card yet (it is still blank and reusable). */
    bool cardTouched() const noexcept { return m_touched; }

private:
    PersoStage m_stage;
    std::optional<hc::card::StatusWord> m_sw;
    bool m_touched;
};

} // namespace hc::perso
