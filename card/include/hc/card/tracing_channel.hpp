// TracingChannel: one text line per exchange to a LineSink, with secrets and patient data masked
// (see apdu_mask.hpp for the table). A line reads
//
//   2026-11-23T19:40:01.123456Z [Virtual PCD 00 00] C: 0020008106 <6 bytes masked> R: 63C2
//   (63C2 verification failed, 2 tries left) 1834 us
//
// (on one line): UTC time, reader, command, response, status word and its meaning, duration in
// microseconds. Transport errors are traced ("E: <message>") and rethrown; resets are traced with
// the new ATR. Threading: as CardChannel; the sink is called on the caller's thread.
#pragma once

#include "hc/card/apdu_mask.hpp"
#include "hc/card/card_channel.hpp"
#include "hc/card/line_sink.hpp"

#include <iosfwd>

namespace hc::card {

/** Decorator writing an APDU trace of the channel it owns. */
class TracingChannel final : public CardChannel {
public:
    /** Traces `inner` to `sink` with `policy` (default: PINs, keys and read data masked). */
    TracingChannel(CardChannelPtr inner, LineSink sink, MaskPolicy policy = MaskPolicy::defaults());
    /** Traces to a stream that must outlive the channel. */
    TracingChannel(
        CardChannelPtr inner, std::ostream& out, MaskPolicy policy = MaskPolicy::defaults());

    /** Forwards and traces one exchange. */
    ResponseApdu transmit(const CommandApdu& command) override;
    /** The inner channel's ATR. */
    Bytes atr() const override { return m_inner->atr(); }
    /** Forwards and traces the reset. */
    void reset() override;
    /** The inner channel's reader name. */
    std::string readerName() const override { return m_inner->readerName(); }

    /** The wrapped channel. */
    CardChannel& inner() { return *m_inner; }
    /** The wrapped channel. */
    const CardChannel& inner() const { return *m_inner; }

private:
    CardChannelPtr m_inner;
    LineSink m_sink;
    ExchangeMasker m_masker;
};

} // namespace hc::card
