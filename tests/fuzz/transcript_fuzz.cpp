// JSONL replay transcript parser. Invariants: a parsed transcript re-serialises to lines that
// parse to the same steps, and a ReplayChannel plays every exchange step back without a mismatch
// when sent the recorded commands (masked bytes sent as 00).
#include "hc/card/error.hpp"
#include "hc/card/replay_channel.hpp"
#include "hc/card/transcript.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace hc::card;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    Transcript t;
    try {
        t = parseTranscript(text);
    } catch (const hc::InputError&) {
        return 0;
    }
    std::string again = transcriptHeaderLine(t.atr, t.reader) + "\n";
    for (const auto& s : t.steps) {
        again += (s.reset ? transcriptResetLine(s.step, s.atr)
                          : transcriptExchangeLine(s.step, s.command, s.response))
            + "\n";
    }
    const Transcript back = parseTranscript(again); // must not throw
    if (back.steps.size() != t.steps.size() || back.atr != t.atr || back.reader != t.reader) {
        std::abort();
    }
    ReplayChannel replay(t);
    for (const auto& s : t.steps) {
        if (s.reset) {
            replay.reset();
            continue;
        }
        try {
            const auto cmd = CommandApdu::parse(s.command.bytes());
            const auto rsp = replay.transmit(cmd);
            if (rsp.encode() != s.response.bytes()) {
                std::abort();
            }
        } catch (const hc::InputError&) {
            return 0; // the recorded bytes are not a well-formed command APDU: stop here
        }
    }
    if (!replay.finished()) {
        std::abort();
    }
    return 0;
}
