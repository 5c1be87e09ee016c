// Fuzz: the personalization profile file (hc-perso-profile/1, firmware-tools/perso/profiles).
// Every input must either parse into a profile that survives its own JSON round trip, or throw
// hc::InputError; nothing else may escape, and nothing may read out of bounds.
#include "hc/card/error.hpp"
#include "hc/perso/profile.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto p = hc::perso::PersoProfile::fromJson(text);
        const std::string again = p.toJson();
        if (hc::perso::PersoProfile::fromJson(again).toJson() != again) {
            __builtin_trap();
        }
    } catch (const hc::InputError&) { }
    return 0;
}
