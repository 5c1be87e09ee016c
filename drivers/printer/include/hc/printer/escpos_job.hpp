// EscPosJob: builds the bytes of one ESC/POS print job (initialise, Chinese mode, GBK text,
// bold, double size, alignment, QR codes, feed, cut). A value type; not thread-safe, cheap to copy.
//
//   hc::printer::EscPosJob job;
//   job.align(Align::Center).bold(true).size(2, 2).line("门诊缴费凭条").size(1, 1).bold(false)
//      .align(Align::Left).line("金额: 12.50 元").qrCode("https://h.example/r/123").feed(3).cut();
//   printer.print(job);
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hc::printer {

/** Horizontal alignment (ESC a n). */
enum class Align : std::uint8_t { Left = 0, Center = 1, Right = 2 };

/** QR error-correction level (GS ( k fn 69): L 7 %, M 15 %, Q 25 %, H 30 %. */
enum class QrErrorCorrection : std::uint8_t { L = 48, M = 49, Q = 50, H = 51 };

/** How a QR code is printed. Model 2 always. */
struct QrOptions {
    /** Module size in dots, 1..16 (GS ( k fn 67). */
    int moduleSize = 6;
    /** Error-correction level (GS ( k fn 69). */
    QrErrorCorrection errorCorrection = QrErrorCorrection::M;
};

/** Cut type (GS V). */
enum class Cut : std::uint8_t { Full = 0, Partial = 1 };

/** Builder of one ESC/POS job. Every call appends commands; bytes() returns the whole job. */
class EscPosJob {
public:
    /** Starts with ESC @ (initialise) and FS & (Chinese double-byte mode for GBK). */
    EscPosJob();

    /** Appends UTF-8 text converted to GBK (no line feed). Throws EncodingError (see utf8ToGbk). */
    EscPosJob& text(std::string_view utf8);
    /** Appends text and a line feed. */
    EscPosJob& line(std::string_view utf8 = {});
    /** Bold on/off (ESC E n). */
    EscPosJob& bold(bool on);
    /** Character size multipliers, 1..8 each (GS ! n); throws hc::InputError out of range. */
    EscPosJob& size(int width, int height);
    /** Alignment for the following lines (ESC a n). */
    EscPosJob& align(Align a);
    /** Prints a QR code (model 2) of `data` (1..7089 bytes, else hc::InputError): GS ( k fn 65,
     * 67, 69, 80, 81. Centre it with align() first if wanted. */
    EscPosJob& qrCode(std::string_view data, QrOptions options = {});
    /** Prints and feeds `lines` lines, 0..255 (ESC d n). */
    EscPosJob& feed(int lines);
    /** Cuts the paper (GS V 0 full, GS V 1 partial). */
    EscPosJob& cut(Cut type = Cut::Partial);
    /** Appends raw bytes (vendor commands); the caller answers for them. */
    EscPosJob& raw(std::span<const std::uint8_t> bytes);

    /** The job's bytes so far. */
    const std::vector<std::uint8_t>& bytes() const { return m_bytes; }
    /** Overwrites the bytes with zeros and empties the job (for a job that carried a secret,
     * such as a PIN letter). */
    void wipe() noexcept;

private:
    void put(std::uint8_t b) { m_bytes.push_back(b); }
    std::vector<std::uint8_t> m_bytes;
};

} // namespace hc::printer
