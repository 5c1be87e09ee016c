// Fuzz: lines of the center's detail list (reconciliation) through parseCenterDetailLine and a
// whole list through DetailMatcher.
#include "hc/settle/detail_match.hpp"
#include "hc/settle/error.hpp"

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        (void)hc::settle::parseCenterDetailLine(text, 1);
    } catch (const hc::settle::Error&) { }
    try {
        std::istringstream in(text);
        hc::settle::DetailMatcher m;
        m.readCenterList(in);
        (void)m.match({});
    } catch (const hc::settle::Error&) { }
    return 0;
}
