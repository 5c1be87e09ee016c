// Response APDU parser and status-word catalogue. Invariant: parse/encode round trip.
#include "hc/card/apdu.hpp"
#include "hc/card/error.hpp"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const hc::ByteView in(data, size);
    try {
        const auto rsp = hc::card::ResponseApdu::parse(in);
        const hc::Bytes out = rsp.encode();
        if (out.size() != size || !std::equal(out.begin(), out.end(), in.begin())) {
            std::abort();
        }
        const auto sw = rsp.sw();
        if (sw.meaning().empty() || sw.hex().size() != 4) {
            std::abort();
        }
        (void)sw.category();
        if (auto tries = sw.triesLeft(); tries && (*tries < 0 || *tries > 15)) {
            std::abort();
        }
    } catch (const hc::InputError&) {
        if (size >= 2) {
            std::abort(); // any two or more bytes are a valid response
        }
    }
    return 0;
}
