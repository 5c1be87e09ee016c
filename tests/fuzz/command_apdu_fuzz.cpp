// Command APDU parser. Invariant: whatever parses re-encodes to exactly the input bytes, and the
// re-parsed value equals the first.
#include "hc/card/apdu.hpp"
#include "hc/card/error.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const hc::ByteView in(data, size);
    try {
        const auto cmd = hc::card::CommandApdu::parse(in);
        const hc::Bytes out = cmd.encode();
        if (out.size() != size || !std::equal(out.begin(), out.end(), in.begin())) {
            std::fprintf(stderr, "round trip changed the bytes: %s\n", hc::toHex(out).c_str());
            std::abort();
        }
        if (!(hc::card::CommandApdu::parse(out) == cmd)) {
            std::fprintf(stderr, "re-parse differs\n");
            std::abort();
        }
        if (cmd.data().size() > hc::card::kExtendedMaxNc || cmd.ne() > hc::card::kExtendedMaxNe) {
            std::abort();
        }
    } catch (const hc::InputError&) { }
    return 0;
}
