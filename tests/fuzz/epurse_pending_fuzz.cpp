// The journaled PendingTransaction JSON (outcome.hpp). Invariants: fromJson returns or throws
// InputError; what it accepts re-serialises and parses to the same JSON.
#include "hc/card/epurse/outcome.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const auto p = hc::card::epurse::PendingTransaction::fromJson(text);
        const auto json = p.toJson();
        if (hc::card::epurse::PendingTransaction::fromJson(json).toJson() != json) {
            std::abort();
        }
    } catch (const hc::InputError&) { }
    return 0;
}
