// SamCard: the 居民健康卡安全存取模块 (SAM card) in a second reader as a SecureAccessModule
// (healthcard-reference §5.1). Contact, T=0: give it a channel with a T0Channel so 61xx answers
// are fetched with GET RESPONSE.
//
//   verifyPin       SELECT DF01, VERIFY 00 20 00 00 Lc PIN (needed before any key operation)
//   deliverKey      80 DE P1 P2 Lc cardNo8 || [city8] || rand8
//   encrypt         80 FA 00 00 Lc data           (SM4-ECB with the delivered key)
//   mac             80 FA 05 00 Lc iv16 || data   (4-byte MAC)
//   terminalNumber  READ BINARY of 3F00/0016 (6 bytes)
// Threading: one thread at a time; the channel must outlive the SamCard.
#pragma once

#include "hc/card/card_channel.hpp"
#include "hc/card/health/sam.hpp"

#include <cstddef>
#include <string>

namespace hc::card::health {

/** Outcome of a PIN verification, change or unblock (on the SAM or on the user card). */
enum class PinStatus {
    Ok, ///< 9000
    Wrong, ///< 63Cx: wrong, triesLeft() more attempts
    Blocked, ///< 6983: blocked (or the last try was just used up)
};

/** A PIN outcome with the tries left when the card said so. */
struct PinResult {
    /** What happened. */
    PinStatus status = PinStatus::Ok;
    /** Tries left (63Cx), -1 when unknown. */
    int triesLeft = -1;
    /** "ok", "wrong PIN, 2 tries left", "blocked". */
    std::string describe() const;
};

/** A SAM card in its own reader. */
class SamCard final : public SecureAccessModule {
public:
    /** Uses `channel` (with T=0 handling) for the SAM. */
    explicit SamCard(CardChannel& channel);

    /** Selects the SAM's DF01 and verifies its PIN. Never logs the PIN. */
    PinResult verifyPin(ByteView pin);
    /** The 6-byte terminal number (3F00/0016). */
    Bytes terminalNumber();

    void deliverKey(std::uint8_t p1, std::uint8_t p2, ByteView divData) override;
    Bytes encrypt(ByteView blocks) override;
    Bytes mac(ByteView iv16, ByteView paddedData) override;
    std::string name() const override { return "sam:" + m_channel.readerName(); }

    /** APDUs sent to the SAM so far. */
    std::size_t apduCount() const { return m_apdus; }

private:
    ResponseApdu send(const CommandApdu& c);
    CardChannel& m_channel;
    std::size_t m_apdus = 0;
};

/** Maps a VERIFY / CHANGE / RESET RETRY COUNTER status word to a PinResult; throws CardRefused
 * (health_card.hpp) for anything else. `step` names the command for that error. */
PinResult pinResultFrom(StatusWord sw, const std::string& step);

} // namespace hc::card::health
