#include "hc/card/replay_channel.hpp"

namespace hc::card {

namespace {
// The actual command goes into an exception message, which may well reach a log: hide PINs and
// keys as a trace would (the transcript side is masked already).
std::string safeHex(const CommandApdu& command) {
    static const ExchangeMasker masker(MaskPolicy::defaults());
    return masker.command(command).toHex();
}
} // namespace

ReplayMismatch::ReplayMismatch(std::size_t step, std::string expected, std::string actual)
    : Error("replay: step " + std::to_string(step) + ": expected " + expected + ", got " + actual,
        NextStep::CallStaff)
    , m_step(step)
    , m_expected(std::move(expected))
    , m_actual(std::move(actual)) {
}

ReplayChannel::ReplayChannel(Transcript transcript)
    : m_transcript(std::move(transcript))
    , m_atr(m_transcript.atr) {
}

CardChannelPtr ReplayChannel::open(const std::filesystem::path& path) {
    return std::make_unique<ReplayChannel>(loadTranscript(path));
}

ResponseApdu ReplayChannel::transmit(const CommandApdu& command) {
    const Bytes actual = command.encode();
    if (finished()) {
        throw ReplayMismatch(nextStep(), "end of transcript", safeHex(command));
    }
    const TranscriptStep& step = m_transcript.steps[m_next];
    if (step.reset) {
        throw ReplayMismatch(step.step, "RESET", safeHex(command));
    }
    if (!step.command.matches(actual)) {
        throw ReplayMismatch(step.step, step.command.toHex(), safeHex(command));
    }
    ++m_next;
    return ResponseApdu::parse(step.response.bytes());
}

void ReplayChannel::reset() {
    if (finished()) {
        throw ReplayMismatch(nextStep(), "end of transcript", "RESET");
    }
    const TranscriptStep& step = m_transcript.steps[m_next];
    if (!step.reset) {
        throw ReplayMismatch(step.step, step.command.toHex(), "RESET");
    }
    m_atr = step.atr;
    ++m_next;
}

} // namespace hc::card
