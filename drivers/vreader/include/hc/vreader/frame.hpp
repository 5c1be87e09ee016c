// The vpcd wire protocol, reader side: what libifdhcvr.so sends to the emulator and the checks
// on everything the emulator sends back. Pure functions, no sockets, no pcscd: unit-tested and
// fuzzed on their own.
//
// Both directions carry frames [len_hi][len_lo][payload] (16-bit big-endian length). The reader
// speaks first; the emulator only answers:
//   00 01 00 power off, 00 01 01 power on, 00 01 02 reset     (no answer)
//   00 01 04 get ATR                                           (answer: the ATR)
//   LL LL <C-APDU, 4..65535 bytes>                             (answer: the R-APDU, >= 2 bytes)
//
// Threading: every function here is pure and may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace hc::vreader {

/** Largest payload a frame can carry (16-bit length). */
inline constexpr std::size_t kMaxFramePayload = 0xFFFF;
/** Largest ATR ISO 7816-3 allows (and pcsc-lite's MAX_ATR_SIZE). */
inline constexpr std::size_t kMaxAtrSize = 33;
/** Smallest C-APDU (CLA INS P1 P2): shorter payloads would read as control messages. */
inline constexpr std::size_t kMinCommandSize = 4;

/** A one-byte control message from the reader to the emulator. */
enum class Control : std::uint8_t {
    PowerOff = 0x00, ///< no answer
    PowerOn = 0x01, ///< no answer
    Reset = 0x02, ///< no answer
    GetAtr = 0x04, ///< answered by one frame holding the ATR
};

/** The frame carrying a control message: 00 01 <byte>. */
std::vector<std::uint8_t> encodeControl(Control c);

/** The frame carrying a C-APDU. Empty when the command is shorter than kMinCommandSize or
 * longer than kMaxFramePayload (the caller refuses it: IFD_COMMUNICATION_ERROR). */
std::vector<std::uint8_t> encodeCommand(std::span<const std::uint8_t> command);

/** What splitting one frame off the start of a byte stream found. */
enum class FrameStatus {
    Complete, ///< a whole frame: payload and consumed are set
    NeedMore, ///< fewer bytes than the header announces (or than the header): read more
    Empty, ///< a zero-length frame: the emulator sent nothing where an answer was due
    TooLong, ///< the length field exceeds the limit the caller gave: garbage or a hostile peer
};

/** Text for a FrameStatus ("frame longer than allowed"). */
std::string_view describe(FrameStatus s);

/** One frame split off a stream. `payload` points into the stream passed in. */
struct FrameSplit {
    FrameStatus status = FrameStatus::NeedMore;
    std::span<const std::uint8_t> payload; ///< valid when Complete
    std::size_t consumed = 0; ///< header + payload bytes, when Complete (or Empty: 2)
};

/**
 * Splits the first frame off `stream`. `maxPayload` (at most kMaxFramePayload) bounds the
 * length field: a larger announced length is TooLong at once, before any payload is read, so a
 * garbage header never makes the reader wait for or allocate 64 KiB it did not ask for.
 */
FrameSplit splitFrame(std::span<const std::uint8_t> stream, std::size_t maxPayload);

/** Why an ATR was refused. */
enum class AtrStatus {
    Ok,
    Empty, ///< no bytes
    TooLong, ///< more than kMaxAtrSize bytes
    BadTs, ///< the first byte is neither 3B (direct) nor 3F (inverse convention)
    Truncated, ///< shorter than T0, the interface bytes and the historical bytes announce
    TrailingBytes, ///< longer than announced (TCK counted when a protocol other than T=0 is
                   ///< offered)
};

/** Text for an AtrStatus. */
std::string_view describe(AtrStatus s);

/**
 * Checks an ATR's structure (ISO 7816-3 section 8.2): TS, T0, the TAi..TDi chain, K historical
 * bytes, and TCK present exactly when a TDi names a protocol other than T=0. The TCK's value is
 * not checked (pcsc-lite does not either).
 */
AtrStatus checkAtr(std::span<const std::uint8_t> atr);

/** Why an R-APDU was refused. */
enum class ResponseStatus {
    Ok,
    TooShort, ///< fewer than 2 bytes: no status word
    TooLong, ///< more than the caller's buffer holds
};

/** Text for a ResponseStatus. */
std::string_view describe(ResponseStatus s);

/** Checks an R-APDU against the receive buffer's size: 2 (SW1 SW2) to `capacity` bytes. */
ResponseStatus checkResponse(std::span<const std::uint8_t> response, std::size_t capacity);

} // namespace hc::vreader
