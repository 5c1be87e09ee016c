#include "hc/card/scripted_channel.hpp"

namespace hc::card {

ScriptMismatch::ScriptMismatch(std::size_t step, std::string expected, std::string actual)
    : Error("scripted channel: step " + std::to_string(step) + ": expected " + expected + ", got "
            + actual,
        NextStep::CallStaff)
    , m_step(step)
    , m_expected(std::move(expected))
    , m_actual(std::move(actual)) {
}

ScriptedChannel::ScriptedChannel(std::vector<ScriptStep> steps, Bytes atr, std::string reader)
    : m_atr(std::move(atr))
    , m_reader(std::move(reader)) {
    for (const auto& s : steps) {
        expect(s.command, s.response);
    }
}

void ScriptedChannel::expect(std::string_view command, std::string_view response) {
    Step step { MaskedBytes::parseHex(command), fromHex(response) };
    if (step.response.size() < 2) {
        throw InputError(
            "scripted channel: response \"" + std::string(response) + "\" needs at least SW1 SW2");
    }
    m_steps.push_back(std::move(step));
}

ResponseApdu ScriptedChannel::transmit(const CommandApdu& command) {
    m_sent.push_back(command);
    const Bytes actual = command.encode();
    if (finished()) {
        throw ScriptMismatch(nextStep(), "end of script", toHex(actual));
    }
    const Step& step = m_steps[m_next];
    if (!step.command.matches(actual)) {
        throw ScriptMismatch(nextStep(), step.command.toHex(), toHex(actual));
    }
    ++m_next;
    return ResponseApdu::parse(step.response);
}

} // namespace hc::card
