// ScriptedChannel: a CardChannel for unit tests, in the manner of libpcsc-mock's ApduScript. It
// holds a list of expected command -> response pairs (hex; "**" in a command matches any byte)
// and answers them in order. A command that differs from the next expected one, or one past the
// end of the script, throws ScriptMismatch naming the step (from 1), the expected and the actual
// hex. Any module's tests may use it. Threading: as CardChannel.
#pragma once

#include "hc/card/apdu_mask.hpp"
#include "hc/card/card_channel.hpp"
#include "hc/card/error.hpp"

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace hc::card {

/** A command sent to a ScriptedChannel did not match its script. */
class ScriptMismatch : public Error {
public:
    /** `expected` / `actual` are hex (or "end of script"). */
    ScriptMismatch(std::size_t step, std::string expected, std::string actual);
    /** Step number at which the script was broken (from 1). */
    std::size_t step() const { return m_step; }
    /** The scripted command. */
    const std::string& expected() const { return m_expected; }
    /** The command actually sent. */
    const std::string& actual() const { return m_actual; }

private:
    std::size_t m_step;
    std::string m_expected;
    std::string m_actual;
};

/** One scripted exchange, as hex text. */
struct ScriptStep {
    /** Expected command; "**" matches any byte, spaces allowed. */
    std::string command;
    /** Response to give: data then SW1 SW2. */
    std::string response;
};

/** A channel that plays a script. */
class ScriptedChannel final : public CardChannel {
public:
    /** Parses the script at once (bad hex throws InputError). */
    explicit ScriptedChannel(std::vector<ScriptStep> steps = {},
        Bytes atr = { 0x3B, 0x6D, 0x00, 0x00, 0x80, 0x31, 0x80, 0x65, 0xB0, 0x89, 0x35, 0x01, 0xF1,
            0x83, 0x00, 0x90, 0x00 },
        std::string reader = "Scripted reader");

    /** The same from a brace list: ScriptedChannel ch({{"00A4000002DDF1", "9000"}}). */
    ScriptedChannel(std::initializer_list<ScriptStep> steps)
        : ScriptedChannel(std::vector<ScriptStep>(steps)) { }

    /** Appends a step. */
    void expect(std::string_view command, std::string_view response);

    /** Matches `command` against the next step and returns its response. Throws ScriptMismatch. */
    ResponseApdu transmit(const CommandApdu& command) override;
    /** The ATR given at construction. */
    Bytes atr() const override { return m_atr; }
    /** Counts the reset; the script position does not change. */
    void reset() override { ++m_resets; }
    /** The reader name given at construction. */
    std::string readerName() const override { return m_reader; }

    /** Number of the next step expected (from 1). */
    std::size_t nextStep() const { return m_next + 1; }
    /** True when every step has been played. */
    bool finished() const { return m_next == m_steps.size(); }
    /** Number of reset() calls. */
    std::size_t resets() const { return m_resets; }
    /** Every command received, in order (including a mismatching one). */
    const std::vector<CommandApdu>& sent() const { return m_sent; }

private:
    struct Step {
        MaskedBytes command;
        Bytes response;
    };
    std::vector<Step> m_steps;
    Bytes m_atr;
    std::string m_reader;
    std::size_t m_next = 0;
    std::size_t m_resets = 0;
    std::vector<CommandApdu> m_sent;
};

} // namespace hc::card
