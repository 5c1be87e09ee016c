// RecordingChannel: appends a JSONL transcript (see transcript.hpp) of everything that passes
// through it: the header line when constructed, one line per exchange and per reset. Masks with
// the same MaskPolicy as TracingChannel (default: PINs, keys and read data hidden), so transcripts
// kept in the repository hold no PIN, key or patient data. Record with
// MaskPolicy::defaults().withReadDataShown() against the emulator when a replay needs the data.
// Threading: as CardChannel; the sink is called on the caller's thread.
#pragma once

#include "hc/card/apdu_mask.hpp"
#include "hc/card/card_channel.hpp"
#include "hc/card/line_sink.hpp"

#include <cstddef>
#include <iosfwd>

namespace hc::card {

/** Decorator recording a JSONL transcript of the channel it owns. */
class RecordingChannel final : public CardChannel {
public:
    /** Records `inner` to `sink`; writes the header line at once. */
    RecordingChannel(
        CardChannelPtr inner, LineSink sink, MaskPolicy policy = MaskPolicy::defaults());

    /** Records to a stream that must outlive the channel. */
    RecordingChannel(
        CardChannelPtr inner, std::ostream& out, MaskPolicy policy = MaskPolicy::defaults());

    /** Forwards one exchange and records it. Transport errors propagate, nothing is recorded. */
    ResponseApdu transmit(const CommandApdu& command) override;
    /** The inner channel's ATR. */
    Bytes atr() const override { return m_inner->atr(); }
    /** Forwards the reset and records it with the new ATR. */
    void reset() override;
    /** The inner channel's reader name. */
    std::string readerName() const override { return m_inner->readerName(); }

    /** Number of steps recorded so far. */
    std::size_t steps() const { return m_step; }
    /** The wrapped channel. */
    CardChannel& inner() { return *m_inner; }
    /** The wrapped channel. */
    const CardChannel& inner() const { return *m_inner; }

private:
    CardChannelPtr m_inner;
    LineSink m_sink;
    ExchangeMasker m_masker;
    std::size_t m_step = 0;
};

} // namespace hc::card
