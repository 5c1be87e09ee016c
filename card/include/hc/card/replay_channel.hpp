// ReplayChannel: a CardChannel that answers from a JSONL transcript (transcript.hpp). Each command
// must equal the transcript's next one ("**" bytes match anything); the first that differs throws
// ReplayMismatch naming the step number, the expected and the actual command hex. Running past the
// end, or a reset where a command was expected (or the reverse), is a mismatch too. After a
// mismatch the position does not move. The actual command in a ReplayMismatch is masked with
// MaskPolicy::defaults() (a mistyped PIN shows as "**"), since error messages reach logs.
// Threading: as CardChannel.
#pragma once

#include "hc/card/card_channel.hpp"
#include "hc/card/error.hpp"
#include "hc/card/transcript.hpp"

#include <cstddef>
#include <filesystem>
#include <string>

namespace hc::card {

/** The replayed session diverged from the transcript. */
class ReplayMismatch : public Error {
public:
    /** `expected` / `actual` are hex (or "end of transcript" / "RESET"). */
    ReplayMismatch(std::size_t step, std::string expected, std::string actual);
    /** Step number at which the session diverged (from 1). */
    std::size_t step() const { return m_step; }
    /** What the transcript holds at that step. */
    const std::string& expected() const { return m_expected; }
    /** What the caller sent. */
    const std::string& actual() const { return m_actual; }

private:
    std::size_t m_step;
    std::string m_expected;
    std::string m_actual;
};

/** Answers commands from a transcript. */
class ReplayChannel final : public CardChannel {
public:
    /** Replays `transcript`. */
    explicit ReplayChannel(Transcript transcript);
    /** Loads and replays a transcript file (see loadTranscript for errors). */
    static CardChannelPtr open(const std::filesystem::path& path);

    /** Checks `command` against the next step and returns its response. Throws ReplayMismatch. */
    ResponseApdu transmit(const CommandApdu& command) override;
    /** The header's ATR, or the ATR of the last reset step replayed. */
    Bytes atr() const override { return m_atr; }
    /** Expects a reset step next. Throws ReplayMismatch otherwise. */
    void reset() override;
    /** The header's reader name. */
    std::string readerName() const override { return m_transcript.reader; }

    /** Number of the next step expected (from 1). */
    std::size_t nextStep() const { return m_next + 1; }
    /** True when every step has been replayed. */
    bool finished() const { return m_next == m_transcript.steps.size(); }

private:
    Transcript m_transcript;
    Bytes m_atr;
    std::size_t m_next = 0;
};

} // namespace hc::card
