// Fuzz target: the audit-log line parser (hc::hsm::parseAuditLine). Lines come from a file an
// attacker may have edited; parsing must never crash, only throw hc::hsm::Error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hc/hsm/audit_log.hpp"
#include "hc/hsm/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view line(reinterpret_cast<const char*>(data), size);
    try {
        auto entry = hc::hsm::parseAuditLine(line);
        // Round trip: a parsed entry formats to a line that parses to the same fields.
        auto again = hc::hsm::parseAuditLine(hc::hsm::formatAuditLine(entry));
        if (again.sequence != entry.sequence || again.actor != entry.actor
            || again.key != entry.key || again.hash != entry.hash) {
            __builtin_trap();
        }
    } catch (const hc::hsm::Error&) {
    }
    return 0;
}
