// hcard: read and talk to cards through PC/SC.
//
//   hcard readers                  list readers and whether a card is in each
//   hcard wait [--count N] [--timeout S]   print insert/remove events as they happen
//   hcard atr [HEX]                the card's ATR, decoded (or decode HEX without a card)
//   hcard apdu [--reader R] [APDU ...|--file F]   send APDUs, print responses and SW meanings
//
// Options for every command: --reader NAME|INDEX, --json, --trace FILE (masked APDU trace),
// --raw (no GET RESPONSE / Le retry), --strategy-cache FILE|none (what cards of each kind taught
// the reader; default ~/.cache/hc/card-strategies.json). Exit codes: 0 done, 1 card/reader
// error, 2 bad input.
#include "hc/card/error.hpp"
#include "hcard.hpp"

#include <algorithm>
#include <functional>
#include <iostream>
#include <map>

namespace {
void usage() {
    std::cerr << "usage: hcard <command> [options]\ncommands:\n";
    for (const auto& [name, info] : hc::tool::commands()) {
        std::string u = info.usage;
        u.resize(std::max<std::size_t>(u.size(), 40), ' ');
        std::cerr << "  " << u << " " << info.help << "\n";
    }
    std::cerr << "options for every command: --reader NAME|INDEX  --json  --trace FILE  --raw  "
                 "--strategy-cache FILE|none\n";
}
} // namespace

int main(int argc, char** argv) {
    const auto& commands = hc::tool::commands();
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
        usage();
        return argc < 2 ? 2 : 0;
    }
    const std::string name = argv[1];
    const auto it = commands.find(name);
    hc::tool::CommonOptions opt;
    if (it == commands.end()) {
        std::cerr << "hcard: unknown command \"" << name << "\"\n";
        usage();
        return 2;
    }
    std::vector<std::string> rest;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&](const char* flag) -> std::string {
            if (i + 1 >= argc) {
                throw hc::InputError(std::string(flag) + " needs a value");
            }
            return argv[++i];
        };
        try {
            if (a == "--json") {
                opt.json = true;
            } else if (a == "--raw") {
                opt.raw = true;
            } else if (a == "--reader" || a == "-r") {
                opt.reader = value("--reader");
            } else if (a == "--trace") {
                opt.traceFile = value("--trace");
            } else if (a == "--strategy-cache") {
                opt.strategyCache = value("--strategy-cache");
            } else {
                rest.push_back(a);
            }
        } catch (const hc::Error& e) {
            std::cerr << "hcard: " << e.what() << "\n";
            return 2;
        }
    }
    try {
        return it->second.run(opt, rest);
    } catch (const hc::Error& e) {
        std::cerr << "hcard: " << e.what() << " (next: " << hc::describe(e.nextStep()) << ")\n";
        return e.nextStep() == hc::NextStep::FixInput ? 2 : 1;
    } catch (const std::exception& e) {
        std::cerr << "hcard: " << e.what() << "\n";
        return 2;
    }
}
