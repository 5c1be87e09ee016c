#include "hc/card/transcript.hpp"

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

const json::value& field(const json::object& o, std::string_view key, std::size_t line) {
    const json::value* v = o.if_contains(key);
    if (v == nullptr) {
        throw InputError(where(line) + "field \"" + std::string(key) + "\" missing");
    }
    return *v;
}

std::string_view stringField(const json::object& o, std::string_view key, std::size_t line) {
    const json::value& v = field(o, key, line);
    if (!v.is_string()) {
        throw InputError(where(line) + "field \"" + std::string(key) + "\" must be a string");
    }
    return { v.get_string().data(), v.get_string().size() };
}

MaskedBytes maskedField(const json::object& o, std::string_view key, std::size_t line) {
    try {
        return MaskedBytes::parseHex(stringField(o, key, line));
    } catch (const InputError& e) {
        if (std::string_view(e.what()).starts_with("transcript line")) {
            throw;
        }
        throw InputError(where(line) + "field \"" + std::string(key) + "\": " + e.what());
    }
}

Bytes hexField(const json::object& o, std::string_view key, std::size_t line) {
    try {
        return fromHex(stringField(o, key, line));
    } catch (const InputError& e) {
        if (std::string_view(e.what()).starts_with("transcript line")) {
            throw;
        }
        throw InputError(where(line) + "field \"" + std::string(key) + "\": " + e.what());
    }
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
        boost::system::error_code ec;
        json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
        if (ec) {
            throw InputError(where(lineNo) + "not valid JSON (" + ec.message() + ")");
        }
        if (!v.is_object()) {
            throw InputError(where(lineNo) + "expected a JSON object");
        }
        const json::object& o = v.get_object();
        if (!header) {
            if (o.contains("step")) {
                throw InputError(where(lineNo)
                    + "expected the header {\"atr\":..,\"reader\":..} "
                      "before the first step");
            }
            t.atr = hexField(o, "atr", lineNo);
            t.reader = std::string(stringField(o, "reader", lineNo));
            header = true;
            continue;
        }
        const json::value& stepValue = field(o, "step", lineNo);
        const auto* stepInt = stepValue.if_int64();
        const auto* stepUint = stepValue.if_uint64();
        const std::size_t expected = t.steps.size() + 1;
        const bool numberOk = (stepInt != nullptr && *stepInt > 0
                                  && static_cast<std::uint64_t>(*stepInt) == expected)
            || (stepUint != nullptr && *stepUint == expected);
        if (!numberOk) {
            throw InputError(where(lineNo) + "\"step\" must be " + std::to_string(expected)
                + " (steps are numbered from 1 without gaps), got " + json::serialize(stepValue));
        }
        TranscriptStep step;
        step.step = expected;
        if (const json::value* reset = o.if_contains("reset")) {
            if (!reset->is_bool() || !reset->get_bool()) {
                throw InputError(where(lineNo) + "\"reset\" must be true when present");
            }
            step.reset = true;
            step.atr = hexField(o, "atr", lineNo);
        } else {
            step.command = maskedField(o, "cmd", lineNo);
            step.response = maskedField(o, "rsp", lineNo);
            if (step.command.size() < 4) {
                throw InputError(where(lineNo) + "\"cmd\" has "
                    + std::to_string(step.command.size())
                    + " bytes, a command APDU needs at least 4");
            }
            if (step.response.size() < 2) {
                throw InputError(where(lineNo) + "\"rsp\" has "
                    + std::to_string(step.response.size())
                    + " bytes, a response APDU needs at least 2 (SW1 SW2)");
            }
            if (step.response.isMasked(step.response.size() - 1)
                || step.response.isMasked(step.response.size() - 2)) {
                throw InputError(where(lineNo) + "\"rsp\" status word must not be masked");
            }
        }
        t.steps.push_back(std::move(step));
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
