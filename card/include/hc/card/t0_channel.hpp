// T0Channel: hides the T=0 transport's length dialogue from the layers above.
//   61xx -> GET RESPONSE (Le = xx, 00 = 256), repeated while the card says 61xx; the data of all
//           answers is concatenated and the last status word returned. Bounded by a total size
//           and an iteration count; beyond either, hc::CardProtocolError.
//   6Cxx -> the same command is sent once more with Ne = xx (00 = 256).
// Threading: as CardChannel (one thread at a time).
#pragma once

#include "hc/card/card_channel.hpp"

#include <cstddef>
#include <cstdint>

namespace hc::card {

/** Limits and choices of the T=0 layer. */
struct T0Options {
    /** Largest concatenated response accepted (bytes). */
    std::size_t maxResponseBytes = 65536;
    /** Largest number of GET RESPONSE commands sent for one command. */
    std::size_t maxGetResponses = 256;
    /** CLA of GET RESPONSE; the logical channel bits of an interindustry command CLA are added. */
    std::uint8_t getResponseCla = 0x00;
};

/** What the T=0 length dialogue cost for one command (for callers that count APDUs). */
struct T0Exchange {
    /** 6Cxx answers that made the command be sent again with Ne = xx. */
    std::size_t wrongLe = 0;
    /** GET RESPONSE commands sent after 61xx. */
    std::size_t getResponses = 0;
    /** Every APDU that crossed `channel`, the command itself included. */
    std::size_t apdus() const { return 1 + wrongLe + getResponses; }
};

/** The T=0 length dialogue as a function: sends `command` over `channel`, resends once with
 * Ne = xx after 6Cxx and sends GET RESPONSE while the card answers 61xx, within the limits of
 * `options`. Harmless over a channel that already does this (T0Channel): the card's answers are
 * then never 61xx/6Cxx. `cost`, when given, receives what was sent. Throws CardProtocolError
 * beyond the limits. This is what T0Channel::transmit does; the card applications call it
 * themselves so that 61xx and 6Cxx are handled whatever the channel below them is. */
ResponseApdu transmitT0(CardChannel& channel, const CommandApdu& command,
    const T0Options& options = {}, T0Exchange* cost = nullptr);

/** Decorator handling 61xx and 6Cxx for the channel it owns. */
class T0Channel final : public CardChannel {
public:
    /** Wraps `inner` (must not be null). */
    explicit T0Channel(CardChannelPtr inner, T0Options options = {});

    /** Sends `command`, then GET RESPONSE / resend as the card asks. Throws CardProtocolError
     * when the limits are exceeded. */
    ResponseApdu transmit(const CommandApdu& command) override;
    /** The inner channel's ATR. */
    Bytes atr() const override { return m_inner->atr(); }
    /** Resets through the inner channel. */
    void reset() override { m_inner->reset(); }
    /** The inner channel's reader name. */
    std::string readerName() const override { return m_inner->readerName(); }

    /** The wrapped channel. */
    CardChannel& inner() { return *m_inner; }
    /** The wrapped channel. */
    const CardChannel& inner() const { return *m_inner; }
    /** The options in use. */
    const T0Options& options() const { return m_options; }

private:
    CardChannelPtr m_inner;
    T0Options m_options;
};

} // namespace hc::card
