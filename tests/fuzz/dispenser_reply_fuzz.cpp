// Fuzz target: the card dispenser's frame reader and reply parser (hc_dispenser) never crash and
// never hand out a payload longer than the protocol allows; anything malformed is a
// DispenserProtocolError.
#include "hc/dispenser/error.hpp"
#include "hc/dispenser/frame.hpp"
#include "hc/dispenser/framed_dispenser.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    hc::dispenser::FrameReader reader;
    // Bytes arrive in two pieces, as from a socket.
    const std::size_t half = size / 2;
    for (const auto& piece : { std::span<const std::uint8_t>(data, half),
             std::span<const std::uint8_t>(data + half, size - half) }) {
        try {
            reader.feed(piece);
        } catch (const hc::dispenser::DispenserProtocolError&) {
            return 0;
        }
        for (int guard = 0; guard < 4096; ++guard) {
            try {
                const auto payload = reader.next();
                if (!payload) {
                    break;
                }
                if (payload->empty() || payload->size() > hc::dispenser::kMaxPayload) {
                    std::abort();
                }
                const auto r = hc::dispenser::parseReply(*payload);
                if (r.ok != r.code.empty() || r.extra.size() > 16) {
                    std::abort();
                }
            } catch (const hc::dispenser::DispenserProtocolError&) {
                // Refused; the reader resynchronises on the next STX.
            }
        }
    }
    // The payload alone, as a reply.
    try {
        (void)hc::dispenser::parseReply(
            std::string_view(reinterpret_cast<const char*>(data), size));
    } catch (const hc::dispenser::DispenserProtocolError&) { }
    return 0;
}
