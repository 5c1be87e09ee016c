#include "hc/card/recording_channel.hpp"

#include "hc/card/error.hpp"
#include "hc/card/transcript.hpp"

namespace hc::card {

RecordingChannel::RecordingChannel(CardChannelPtr inner, LineSink sink, MaskPolicy policy)
    : m_inner(std::move(inner))
    , m_sink(std::move(sink))
    , m_masker(std::move(policy)) {
    if (!m_inner || !m_sink) {
        throw Error("RecordingChannel: inner channel or sink is null", NextStep::CallStaff);
    }
    m_sink(transcriptHeaderLine(m_inner->atr(), m_inner->readerName()));
}

RecordingChannel::RecordingChannel(CardChannelPtr inner, std::ostream& out, MaskPolicy policy)
    : RecordingChannel(std::move(inner), ostreamSink(out), std::move(policy)) {
}

ResponseApdu RecordingChannel::transmit(const CommandApdu& command) {
    ResponseApdu rsp;
    try {
        rsp = m_inner->transmit(command);
    } catch (...) {
        m_masker.reset();
        throw;
    }
    const MaskedBytes cmd = m_masker.command(command);
    const MaskedBytes answer = m_masker.response(command, rsp);
    m_sink(transcriptExchangeLine(++m_step, cmd, answer));
    return rsp;
}

void RecordingChannel::reset() {
    m_masker.reset();
    m_inner->reset();
    m_sink(transcriptResetLine(++m_step, m_inner->atr()));
}

} // namespace hc::card
