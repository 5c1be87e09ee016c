#include "hc/vreader/frame.hpp"

namespace hc::vreader {

std::vector<std::uint8_t> encodeControl(Control c) {
    std::vector<std::uint8_t> f;
    f.push_back(0x00);
    f.push_back(0x01);
    f.push_back(static_cast<std::uint8_t>(c));
    return f;
}

std::vector<std::uint8_t> encodeCommand(std::span<const std::uint8_t> command) {
    std::vector<std::uint8_t> f;
    if (command.size() < kMinCommandSize || command.size() > kMaxFramePayload) {
        return f;
    }
    f.reserve(command.size() + 2);
    f.push_back(static_cast<std::uint8_t>(command.size() >> 8));
    f.push_back(static_cast<std::uint8_t>(command.size() & 0xFF));
    f.insert(f.end(), command.begin(), command.end());
    return f;
}

std::string_view describe(FrameStatus s) {
    switch (s) {
    case FrameStatus::Complete:
        return "complete frame";
    case FrameStatus::NeedMore:
        return "incomplete frame";
    case FrameStatus::Empty:
        return "empty frame";
    case FrameStatus::TooLong:
        return "frame longer than allowed";
    }
    return "unknown frame status";
}

FrameSplit splitFrame(std::span<const std::uint8_t> stream, std::size_t maxPayload) {
    FrameSplit r;
    if (stream.size() < 2) {
        return r;
    }
    const std::size_t len = (std::size_t { stream[0] } << 8) | stream[1];
    if (len == 0) {
        r.status = FrameStatus::Empty;
        r.consumed = 2;
        return r;
    }
    if (len > maxPayload || len > kMaxFramePayload) {
        r.status = FrameStatus::TooLong;
        return r;
    }
    if (stream.size() - 2 < len) {
        return r;
    }
    r.status = FrameStatus::Complete;
    r.payload = stream.subspan(2, len);
    r.consumed = 2 + len;
    return r;
}

std::string_view describe(AtrStatus s) {
    switch (s) {
    case AtrStatus::Ok:
        return "ATR ok";
    case AtrStatus::Empty:
        return "empty ATR";
    case AtrStatus::TooLong:
        return "ATR longer than 33 bytes";
    case AtrStatus::BadTs:
        return "ATR does not start with 3B or 3F";
    case AtrStatus::Truncated:
        return "ATR shorter than its T0 and TDi bytes announce";
    case AtrStatus::TrailingBytes:
        return "ATR longer than its T0 and TDi bytes announce";
    }
    return "unknown ATR status";
}

AtrStatus checkAtr(std::span<const std::uint8_t> atr) {
    if (atr.empty()) {
        return AtrStatus::Empty;
    }
    if (atr.size() > kMaxAtrSize) {
        return AtrStatus::TooLong;
    }
    if (atr[0] != 0x3B && atr[0] != 0x3F) {
        return AtrStatus::BadTs;
    }
    if (atr.size() < 2) {
        return AtrStatus::Truncated;
    }
    const std::size_t historical = atr[1] & 0x0F;
    std::size_t pos = 2; // next interface byte
    std::uint8_t y = static_cast<std::uint8_t>(atr[1] >> 4); // which of TAi TBi TCi TDi follow
    bool tckNeeded = false; // a TDi offering a protocol other than T=0 makes TCK mandatory
    while (true) {
        const std::size_t count
            = static_cast<std::size_t>((y & 1) + ((y >> 1) & 1) + ((y >> 2) & 1) + ((y >> 3) & 1));
        if (atr.size() < pos + count) {
            return AtrStatus::Truncated;
        }
        if ((y & 0x08) == 0) {
            pos += count;
            break;
        }
        const std::uint8_t td = atr[pos + count - 1];
        tckNeeded = tckNeeded || (td & 0x0F) != 0;
        pos += count;
        y = static_cast<std::uint8_t>(td >> 4);
    }
    const std::size_t expected = pos + historical + (tckNeeded ? 1 : 0);
    if (atr.size() < expected) {
        return AtrStatus::Truncated;
    }
    if (atr.size() > expected) {
        return AtrStatus::TrailingBytes;
    }
    return AtrStatus::Ok;
}

std::string_view describe(ResponseStatus s) {
    switch (s) {
    case ResponseStatus::Ok:
        return "response ok";
    case ResponseStatus::TooShort:
        return "response shorter than a status word";
    case ResponseStatus::TooLong:
        return "response longer than the receive buffer";
    }
    return "unknown response status";
}

ResponseStatus checkResponse(std::span<const std::uint8_t> response, std::size_t capacity) {
    if (response.size() < 2) {
        return ResponseStatus::TooShort;
    }
    if (response.size() > capacity) {
        return ResponseStatus::TooLong;
    }
    return ResponseStatus::Ok;
}

} // namespace hc::vreader
