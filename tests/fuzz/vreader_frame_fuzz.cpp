// libifdhcvr.so's reader side of the vpcd protocol (drivers/vreader frame.hpp): a byte stream as
// an emulator (or anything that connects to the reader's port) could send it, cut into frames
// the way VirtualSlot reads answers. The first input byte picks what the reader is waiting for:
// bit 0 = an ATR (limit 33) or an R-APDU (limit 65535); the next byte is the receive buffer's
// size for R-APDUs (times 16, at least 2).
//
// Invariants: splitFrame never reads past the stream, never announces more than the limit, and
// consumes exactly 2 + payload bytes; an accepted ATR is 1..33 bytes starting 3B or 3F; an
// accepted R-APDU is 2..capacity bytes; the frame encoders never exceed 65537 bytes and frame
// back to what they were given.
#include "hc/vreader/frame.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

namespace {
void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "vreader_frame invariant broken: %s\n", what);
        std::abort();
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace hc::vreader;
    if (size < 2) {
        return 0;
    }
    const bool wantAtr = (data[0] & 1) != 0;
    const std::size_t capacity = std::max<std::size_t>(2, std::size_t { data[1] } * 16);
    const std::size_t limit = wantAtr ? kMaxAtrSize : kMaxFramePayload;
    std::span<const std::uint8_t> stream(data + 2, size - 2);

    // The command encoder round-trips the same bytes.
    const auto cmd = encodeCommand(stream);
    if (!cmd.empty()) {
        require(cmd.size() == stream.size() + 2, "command frame size");
        const FrameSplit back = splitFrame(cmd, kMaxFramePayload);
        require(back.status == FrameStatus::Complete && back.consumed == cmd.size(),
            "command frame splits back");
        require(std::equal(back.payload.begin(), back.payload.end(), stream.begin(), stream.end()),
            "command frame payload");
    }

    while (!stream.empty()) {
        const FrameSplit s = splitFrame(stream, limit);
        if (s.status == FrameStatus::NeedMore || s.status == FrameStatus::TooLong) {
            break;
        }
        if (s.status == FrameStatus::Empty) {
            require(s.consumed == 2, "empty frame consumes its header");
            stream = stream.subspan(2);
            continue;
        }
        require(s.payload.size() <= limit, "payload within the limit");
        require(s.consumed == s.payload.size() + 2, "consumed = header + payload");
        require(s.consumed <= stream.size(), "consumed within the stream");
        require(s.payload.data() == stream.data() + 2, "payload follows the header");
        if (wantAtr) {
            if (checkAtr(s.payload) == AtrStatus::Ok) {
                require(!s.payload.empty() && s.payload.size() <= kMaxAtrSize, "ATR size");
                require(s.payload[0] == 0x3B || s.payload[0] == 0x3F, "ATR TS");
            }
        } else if (checkResponse(s.payload, capacity) == ResponseStatus::Ok) {
            require(s.payload.size() >= 2 && s.payload.size() <= capacity, "R-APDU size");
        }
        (void)describe(checkAtr(s.payload));
        stream = stream.subspan(s.consumed);
    }
    return 0;
}
