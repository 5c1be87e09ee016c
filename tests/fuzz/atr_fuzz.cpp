// ATR parser. Invariants: historical bytes match K from T0, a required TCK is present, at least
// one protocol is reported, contactless detection is consistent.
#include "hc/card/atr.hpp"
#include "hc/card/error.hpp"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const hc::ByteView in(data, size);
    try {
        const auto atr = hc::card::Atr::parse(in);
        if (atr.historicalBytes().size() != (atr.t0() & 0x0Fu)) {
            std::abort();
        }
        if (atr.tckRequired() && !atr.tck()) {
            std::abort();
        }
        if (atr.protocols().empty() || atr.groups().empty() || atr.raw().size() != size) {
            std::abort();
        }
        if (atr.isContactless() != atr.contactlessHistoricalBytes().has_value()) {
            std::abort();
        }
        (void)atr.fi();
        (void)atr.di();
        for (std::size_t level = 0; level <= atr.groups().size() + 1; ++level) {
            (void)atr.group(level);
        }
    } catch (const hc::InputError&) { }
    return 0;
}
