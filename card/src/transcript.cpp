#include "hc/card/transcript.hpp"

#include "hc/base/json_in.hpp"
#include "hc/card/error.hpp"

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

namespace hc::card {

namespace json = boost::json;

namespace {

std::string where(std::size_t line) {
    return "transcript line " + std::to_string(line) + ": ";
}

/** Longest hex text of a field: an extended APDU (65535 data bytes) with room to spare. */
constexpr std::size_t kMaxHex = 2 * 70000;
/** One line is one exchange: well under a megabyte. */
constexpr hc::JsonLimits kLineLimits { 1024 * 1024, 32 };

MaskedBytes maskedField(const hc::JsonIn& in, std::string_view key) {
    const std::string text = in.text(key, kMaxHex);
    try {
        return MaskedBytes::parseHex(text);
    } catch (const InputError& e) {
        throw hc::JsonFieldError(in.at(key), e.what());
    }
}

/** The step of one exchange or reset line; `expected` is its number. */
TranscriptStep stepFrom(const hc::JsonIn& in, std::size_t expected, std::size_t lineNo) {
    const json::value& stepValue = in.need("step");
    const auto* stepInt = stepValue.if_int64();
    const auto* stepUint = stepValue.if_uint64();
    const bool numberOk
        = (stepInt != nullptr && *stepInt > 0 && static_cast<std::uint64_t>(*stepInt) == expected)
        || (stepUint != nullptr && *stepUint == expected);
    if (!numberOk) {
        throw InputError(where(lineNo) + "\"step\" must be " + std::to_string(expected)
            + " (steps are numbered from 1 without gaps), got " + json::serialize(stepValue));
    }
    TranscriptStep step;
    step.step = expected;
    if (const json::value* reset = in.raw().if_contains("reset")) {
        if (!reset->is_bool() || !reset->get_bool()) {
            throw InputError(where(lineNo) + "\"reset\" must be true when present");
        }
        step.reset = true;
        step.atr = in.hex("atr", kMaxHex);
        return step;
    }
    step.command = maskedField(in, "cmd");
    step.response = maskedField(in, "rsp");
    if (step.command.size() < 4) {
        throw InputError(where(lineNo) + "\"cmd\" has " + std::to_string(step.command.size())
            + " bytes, a command APDU needs at least 4");
    }
    if (step.response.size() < 2) {
        throw InputError(where(lineNo) + "\"rsp\" has " + std::to_string(step.response.size())
            + " bytes, a response APDU needs at least 2 (SW1 SW2)");
    }
    if (step.response.isMasked(step.response.size() - 1)
        || step.response.isMasked(step.response.size() - 2)) {
        throw InputError(where(lineNo) + "\"rsp\" status word must not be masked");
    }
    return step;
}

} // namespace

Transcript parseTranscript(std::string_view jsonl) {
    Transcript t;
    bool header = false;
    std::size_t lineNo = 0;
    std::size_t pos = 0;
    while (pos < jsonl.size()) {
        std::size_t end = jsonl.find('\n', pos);
        if (end == std::string_view::npos) {
            end = jsonl.size();
        }
        std::string_view text = jsonl.substr(pos, end - pos);
        pos = end + 1;
        ++lineNo;
        if (!text.empty() && text.back() == '\r') {
            text.remove_suffix(1);
        }
        if (text.find_first_not_of(" \t") == std::string_view::npos) {
            continue;
        }
        try {
            const json::value v = hc::parseJson(text, "(root)", kLineLimits);
            const hc::JsonIn in(v, "");
            if (!header) {
                if (in.raw().contains("step")) {
                    throw InputError(where(lineNo)
                        + "expected the header {\"atr\":..,\"reader\":..} "
                          "before the first step");
                }
                t.atr = in.hex("atr", kMaxHex);
                t.reader = in.text("reader", 1024);
                header = true;
                continue;
            }
            t.steps.push_back(stepFrom(in, t.steps.size() + 1, lineNo));
        } catch (const hc::JsonFieldError& e) {
            // A line-level error ("not valid JSON", "expected an object") reads without "(root)".
            throw InputError(where(lineNo) + (e.field() == "(root)" ? e.problem() : e.what()));
        }
    }
    if (!header) {
        throw InputError("transcript: empty (no header line)");
    }
    return t;
}

Transcript loadTranscript(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error("cannot read transcript " + path.string(), NextStep::CheckConfiguration);
    }
    std::ostringstream text;
    text << in.rdbuf();
    try {
        return parseTranscript(text.str());
    } catch (const InputError& e) {
        throw InputError(path.string() + ": " + e.what());
    }
}

std::string transcriptHeaderLine(ByteView atr, std::string_view reader) {
    json::object o;
    o["atr"] = toHex(atr);
    o["reader"] = json::string_view(reader.data(), reader.size());
    return json::serialize(o);
}

std::string transcriptExchangeLine(
    std::size_t step, const MaskedBytes& command, const MaskedBytes& response) {
    json::object o;
    o["step"] = static_cast<std::uint64_t>(step);
    o["cmd"] = command.toHex();
    o["rsp"] = response.toHex();
    return json::serialize(o);
}

std::string transcriptResetLine(std::size_t step, ByteView atr) {
    json::object o;
    o["step"] = static_cast<std::uint64_t>(step);
    o["reset"] = true;
    o["atr"] = toHex(atr);
    return json::serialize(o);
}

} // namespace hc::card
