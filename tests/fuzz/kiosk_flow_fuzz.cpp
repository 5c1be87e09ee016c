// Fuzz target: the kiosk flow-file parser (kiosk/flows/*.json) never crashes and either returns
// a flow whose every `next` names a step or throws FlowError.
#include "hc/kiosk/core/engine.hpp"
#include "hc/kiosk/core/flow.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto flow = hc::kiosk::core::parseFlow(text, hc::kiosk::core::engineHandlers());
        for (const auto& s : flow.steps) {
            if (!s.next.empty() && flow.step(s.next) == nullptr) {
                std::abort();
            }
        }
    } catch (const hc::kiosk::core::FlowError&) { }
    return 0;
}
