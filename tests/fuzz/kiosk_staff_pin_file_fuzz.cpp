// Fuzz target: the staff PIN file reader (parseStaffPinFile) never crashes; it returns only
// members whose value is a PBKDF2 hash in the documented format, or throws hc::Error whose next
// step is CheckConfiguration.
#include "hc/base/error.hpp"
#include "hc/kiosk/core/staff_auth.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        for (const auto& [id, hash] : hc::kiosk::core::parseStaffPinFile(text, "pins.json")) {
            if (!hc::kiosk::core::isStaffPinHash(hash)) {
                std::abort();
            }
        }
    } catch (const hc::Error& e) {
        if (e.nextStep() != hc::NextStep::CheckConfiguration) {
            std::abort();
        }
    }
    return 0;
}
