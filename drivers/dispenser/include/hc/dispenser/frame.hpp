// The frame of the dispenser protocol (docs/dispenser.md), modelled on the STX/ETX framing of
// kiosk card dispensers (CRT-591, K720 class), which is vendor-specific and not implemented here:
//
//   STX (0x02) | LEN (1 byte, 1..200) | PAYLOAD (LEN bytes, printable ASCII 0x20..0x7E)
//   | ETX (0x03) | BCC (XOR of LEN and every payload byte)
//
// encodeFrame() builds one; FrameReader takes bytes as they arrive (from a socket or serial line)
// and hands out whole payloads. Bytes before an STX are line noise and skipped (counted). The
// reader is bounds-checked and fuzzed (tests/fuzz/dispenser_reply_fuzz.cpp). One reader per
// stream; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hc::dispenser {

/** Start of a frame. */
inline constexpr std::uint8_t kStx = 0x02;
/** End of a frame's payload. */
inline constexpr std::uint8_t kEtx = 0x03;
/** The longest payload. */
inline constexpr std::size_t kMaxPayload = 200;

/** The frame of `payload`. Throws DispenserProtocolError when it is empty, longer than
 * kMaxPayload or holds a byte outside 0x20..0x7E. */
std::vector<std::uint8_t> encodeFrame(std::string_view payload);

/** Cuts a byte stream into frames. */
class FrameReader {
public:
    /** Appends received bytes (at most 4 KiB are kept waiting; more is a protocol error). */
    void feed(std::span<const std::uint8_t> bytes);
    /** The next whole frame's payload, or nullopt when more bytes are needed. Throws
     * DispenserProtocolError on a bad length, a payload byte outside 0x20..0x7E, a missing ETX or
     * a wrong BCC; the bad frame's STX is dropped, so the next call resynchronises. */
    std::optional<std::string> next();
    /** Bytes skipped as noise before an STX so far. */
    std::size_t skipped() const { return m_skipped; }

private:
    std::vector<std::uint8_t> m_buffer;
    std::size_t m_skipped = 0;
};

} // namespace hc::dispenser
