// CardChannel: the one interface between the card applications and whatever carries the
// APDUs (a PC/SC reader, a replayed transcript, a test script). Decorators wrap a channel and add
// one concern each: T=0 GET RESPONSE handling, tracing, recording.
//
// Threading: a channel is used by one thread at a time; callers that share one serialise access.
#pragma once

#include "hc/card/apdu.hpp"

#include <memory>
#include <string>

namespace hc::card {

/** Something that exchanges APDUs with one card. */
class CardChannel {
public:
    /** Channels are owned through CardChannelPtr and destroyed polymorphically. */
    virtual ~CardChannel() = default;
    /** Sends one command and returns the card's answer. Any status word is a normal return;
     * transport failures (card removed, reader gone) throw hc::Error subclasses. */
    virtual ResponseApdu transmit(const CommandApdu& command) = 0;
    /** The card's answer to reset (ATR) as last seen. */
    virtual Bytes atr() const = 0;
    /** Warm-resets the card. Everything the card held in volatile state (selected file,
     * security state, session keys) is gone afterwards. */
    virtual void reset() = 0;
    /** Name of the reader (or of the replayed transcript). */
    virtual std::string readerName() const = 0;
};

/** Owning pointer to a channel; decorators hold their inner channel this way. */
using CardChannelPtr = std::unique_ptr<CardChannel>;

} // namespace hc::card
