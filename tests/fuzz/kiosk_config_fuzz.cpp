// Fuzz target: kioskd's configuration parser never crashes; it returns a config whose mode is
// patient or cashier, or throws ConfigError.
#include "hc/kiosk/core/kioskd_config.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto c = hc::kiosk::core::parseKioskdConfig(text);
        if (c.mode != "patient" && c.mode != "cashier") {
            std::abort();
        }
        (void)hc::kiosk::core::hostPort(c.his, "his");
    } catch (const hc::kiosk::core::ConfigError&) { }
    return 0;
}
