// Health-card simple TLV parser. Invariant: strict parse re-encodes to exactly the input.
#include "hc/card/error.hpp"
#include "hc/card/tlv.hpp"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const hc::ByteView in(data, size);
    using namespace hc::card;
    try {
        const auto elems = parseSimpleTlv(in);
        const hc::Bytes out = encodeSimpleTlv(elems);
        if (out.size() != size || !std::equal(out.begin(), out.end(), in.begin())) {
            std::abort();
        }
        for (const auto& e : elems) {
            if (findSimpleTlv(elems, e.tag) == nullptr || e.offset + 2 + e.value.size() > size) {
                std::abort();
            }
        }
    } catch (const hc::InputError&) { }
    try {
        (void)parseSimpleTlv(in, SimplePadding::AllowTrailing);
    } catch (const hc::InputError&) { }
    return 0;
}
