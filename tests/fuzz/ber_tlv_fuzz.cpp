// BER-TLV parser. Invariants: what parses re-encodes (minimal lengths) to something that parses to
// an equal tree; lookups never crash; padding mode accepts everything strict mode accepts.
#include "hc/card/error.hpp"
#include "hc/card/tlv.hpp"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const hc::ByteView in(data, size);
    using namespace hc::card;
    bool strictOk = false;
    try {
        const auto objs = parseBerTlv(in);
        strictOk = true;
        const hc::Bytes again = encodeBerTlv(objs);
        if (again.size() > size || !(parseBerTlv(again) == objs)) {
            std::abort();
        }
        if (!objs.empty()) {
            (void)findBerTlvRecursive(objs, objs.back().tag);
            if (findBerTlv(objs, objs.front().tag) != &objs.front()) {
                std::abort();
            }
        }
    } catch (const hc::InputError&) { }
    try {
        (void)parseBerTlv(in, BerPadding::Skip);
    } catch (const hc::InputError&) {
        // Padding skips only 00/FF where a tag would start; strict success implies it has none
        // that matter, except that a 00 tag is a valid object in strict mode.
        (void)strictOk;
    }
    try {
        (void)parseBerTlvSingle(in);
    } catch (const hc::InputError&) { }
    return 0;
}
