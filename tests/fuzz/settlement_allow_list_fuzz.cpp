// Fuzz: settlementd's allow-list file ("terminal-id z85-public-key" lines) through
// parseAllowList. Anything but a 40-character key on a non-comment line is an InputError.
#include "hc/settle/allow_list.hpp"
#include "hc/settle/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const auto allow = hc::settle::parseAllowList(text, "fuzz");
        for (const auto& [key, id] : allow) {
            if (key.size() != 40) {
                __builtin_trap(); // only well-formed keys get in
            }
            (void)id;
        }
    } catch (const hc::settle::InputError&) { }
    return 0;
}
