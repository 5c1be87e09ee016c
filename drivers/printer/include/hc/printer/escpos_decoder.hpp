// EscPosDecoder: parses an ESC/POS byte stream back into events (text in UTF-8, styles, QR
// payloads, feeds, cuts, status queries), reporting unknown command bytes and truncated commands
// instead of failing. Bounds-checked and fuzzed (tests/fuzz/escpos_decoder_fuzz.cpp). Used by
// escpos-sim and the tests to read receipts back. One decoder per stream; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hc::printer {

/** What a decoded piece of the stream is. */
enum class EventKind {
    Text, ///< Printable text (GBK decoded to UTF-8); `text`.
    LineFeed, ///< LF.
    Init, ///< ESC @.
    Bold, ///< ESC E n / ESC G n; `value` 1 on, 0 off.
    Align, ///< ESC a n; `value` 0 left, 1 centre, 2 right.
    Size, ///< GS ! n; `value` = n (width-1 in the high nibble, height-1 in the low nibble).
    Feed, ///< ESC d n; `value` lines.
    Cut, ///< GS V; `value` 0 full, 1 partial.
    QrCode, ///< GS ( k fn 81 (print); `text` the stored payload, `value` module size.
    StatusQuery, ///< DLE EOT n; `value` n.
    Setting, ///< A known command that does not change the text (code page, underline, ...);
             ///< `text` names it.
    Unknown, ///< Bytes that are not a known command nor text; `raw` holds them.
    Truncated, ///< A command cut off by the end of the stream; `text` says what was missing.
};

/** Readable name of an event kind ("text", "qr", ...). */
const char* eventName(EventKind kind);

/** One decoded event. */
struct EscPosEvent {
    /** The kind. */
    EventKind kind = EventKind::Unknown;
    /** Offset of the event's first byte in the stream. */
    std::size_t offset = 0;
    /** Text (UTF-8), QR payload, setting name or problem description. */
    std::string text;
    /** Numeric argument, see EventKind. */
    int value = 0;
    /** For QrCode: error-correction level letter ('L', 'M', 'Q', 'H'). */
    char qrErrorCorrection = 'M';
    /** For Unknown and Truncated: the bytes concerned (at most 16). */
    std::vector<std::uint8_t> raw;
};

/** Streaming ESC/POS decoder. */
class EscPosDecoder {
public:
    /** Largest command payload accepted (GS ( k data, raster images): 1 MiB. */
    static constexpr std::size_t maxCommandBytes = 1U << 20;

    /** Feeds bytes; returns the events completed by them. An incomplete trailing command is
     * kept until more bytes come or finish() is called. */
    std::vector<EscPosEvent> feed(std::span<const std::uint8_t> bytes);
    /** Ends the stream: a command still incomplete is reported as Truncated. */
    std::vector<EscPosEvent> finish();
    /** Decodes a whole stream (feed + finish). */
    static std::vector<EscPosEvent> decode(std::span<const std::uint8_t> bytes);

private:
    std::vector<EscPosEvent> run(bool final);
    std::vector<std::uint8_t> m_buffer;
    std::size_t m_base = 0; ///< stream offset of m_buffer[0]
    std::string m_qrData;
    int m_qrSize = 3;
    char m_qrEcc = 'L';
};

/** Renders events as plain text the way a receipt would look, `columns` wide (48 for 80 mm
 * paper): alignment by padding, double width doubling the spacing, "[QR: payload]" for a QR
 * code, a dashed line for a cut. */
std::string renderText(const std::vector<EscPosEvent>& events, std::size_t columns = 48);

} // namespace hc::printer
