// Fuzz target: the QR gateway reply parser never crashes; a reply it cannot read is a
// ServiceError with outcome Unknown (a mutating call may have been done).
#include "hc/kiosk/core/paygw_reply.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto r = hc::kiosk::core::parsePaygwReply(text);
        if (r.qr.size() > 1024 || r.orderId.size() > 1024) {
            std::abort();
        }
    } catch (const hc::kiosk::core::ServiceError& e) {
        if (e.outcome() != hc::kiosk::core::CallOutcome::Unknown) {
            std::abort();
        }
    }
    return 0;
}
