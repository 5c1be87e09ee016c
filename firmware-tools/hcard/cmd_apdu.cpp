#include "hc/card/apdu_mask.hpp"
#include "hc/card/error.hpp"
#include "hcard.hpp"

#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>

namespace hc::tool {

namespace {
struct ScriptLine {
    std::size_t number;
    std::string text;
};

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) {
        return {};
    }
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}
} // namespace

// Sends APDUs given as arguments, or one per line from --file or standard input (scriptor
// style: '#' comments, blank lines, "reset"). Prints each response and its status word's meaning.
int cmdApdu(const CommonOptions& o, const std::vector<std::string>& args) {
    namespace po = boost::program_options;
    po::options_description desc("hcard apdu");
    std::string file;
    std::vector<std::string> apdus;
    desc.add_options()("file,f", po::value(&file), "script file (one APDU per line)")(
        "apdu", po::value(&apdus), "APDU in hex");
    po::positional_options_description pos;
    pos.add("apdu", -1);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
    po::notify(vm);

    std::vector<ScriptLine> lines;
    if (!apdus.empty()) {
        for (std::size_t i = 0; i < apdus.size(); ++i) {
            lines.push_back({ i + 1, apdus[i] });
        }
    } else {
        std::ifstream f;
        if (!file.empty()) {
            f.open(file);
            if (!f) {
                throw hc::Error("cannot read script file " + file, hc::NextStep::FixInput);
            }
        }
        std::istream& in = file.empty() ? std::cin : f;
        std::string line;
        for (std::size_t n = 1; std::getline(in, line); ++n) {
            lines.push_back({ n, line });
        }
    }
    // Parse everything first: a typo on line 9 must not leave lines 1-8 half applied.
    struct Step {
        std::size_t line;
        std::optional<hc::card::CommandApdu> command; // empty = reset
    };
    std::vector<Step> steps;
    for (const auto& l : lines) {
        const std::string t = trim(l.text);
        if (t.empty() || t[0] == '#') {
            continue;
        }
        if (t == "reset" || t == "RESET") {
            steps.push_back({ l.number, std::nullopt });
            continue;
        }
        try {
            steps.push_back({ l.number, hc::card::CommandApdu::parse(hc::fromHex(t)) });
        } catch (const hc::InputError& e) {
            throw hc::InputError("line " + std::to_string(l.number) + ": " + e.what());
        }
    }

    auto ch = openCard(o);
    hc::card::ExchangeMasker masker(hc::card::MaskPolicy::defaults().withReadDataShown());
    for (const auto& s : steps) {
        if (!s.command) {
            ch->reset();
            if (o.json) {
                printJson(boost::json::object {
                    { "line", s.line }, { "reset", true }, { "atr", hc::toHex(ch->atr()) } });
            } else {
                std::cout << "> reset\n< ATR " << hc::toHex(ch->atr()) << "\n";
            }
            continue;
        }
        const auto rsp = ch->transmit(*s.command);
        const auto shown = masker.command(*s.command).toHex(); // PINs and keys never echo
        masker.response(*s.command, rsp);
        if (o.json) {
            printJson(boost::json::object { { "line", s.line }, { "command", shown },
                { "data", hc::toHex(rsp.data()) }, { "sw", rsp.sw().hex() },
                { "meaning", rsp.sw().meaning() } });
        } else {
            std::cout << "> " << shown << "\n< ";
            if (!rsp.data().empty()) {
                std::cout << hc::toHex(rsp.data()) << " ";
            }
            std::cout << rsp.sw().hex() << " : " << rsp.sw().meaning() << "\n";
        }
    }
    return 0;
}

namespace {
const CommandRegistrar registrar("apdu",
    { "apdu [APDU ...] [--file F]", "send APDUs (hex; or one per line on stdin), explain each SW",
        cmdApdu });
} // namespace

} // namespace hc::tool
