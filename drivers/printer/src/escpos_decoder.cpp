#include "hc/printer/escpos_decoder.hpp"

#include "hc/card/error.hpp"
#include "hc/printer/gbk.hpp"

#include <cstdio>

namespace hc::printer {

const char* eventName(EventKind kind) {
    switch (kind) {
    case EventKind::Text:
        return "text";
    case EventKind::LineFeed:
        return "lf";
    case EventKind::Init:
        return "init";
    case EventKind::Bold:
        return "bold";
    case EventKind::Align:
        return "align";
    case EventKind::Size:
        return "size";
    case EventKind::Feed:
        return "feed";
    case EventKind::Cut:
        return "cut";
    case EventKind::QrCode:
        return "qr";
    case EventKind::StatusQuery:
        return "status-query";
    case EventKind::Setting:
        return "setting";
    case EventKind::Unknown:
        return "unknown";
    case EventKind::Truncated:
        return "truncated";
    }
    return "unknown";
}

namespace {

constexpr std::uint8_t ESC = 0x1B;
constexpr std::uint8_t GS = 0x1D;
constexpr std::uint8_t FS = 0x1C;
constexpr std::uint8_t DLE = 0x10;

bool isGbkLead(std::uint8_t b) {
    return b >= 0x81 && b <= 0xFE;
}
bool isGbkTrail(std::uint8_t b) {
    return b >= 0x40 && b <= 0xFE && b != 0x7F;
}

std::string hexByte(std::uint8_t b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", b);
    return buf;
}

/** Text bytes (ASCII and well-formed GBK pairs) to UTF-8; an unassigned pair becomes U+FFFD. */
std::string textToUtf8(std::span<const std::uint8_t> run) {
    try {
        return gbkToUtf8(run);
    } catch (const hc::InputError&) {
        std::string out;
        for (std::size_t i = 0; i < run.size();) {
            if (run[i] < 0x80) {
                out.push_back(static_cast<char>(run[i]));
                ++i;
                continue;
            }
            auto ch = i + 1 < run.size() ? gbkPairToUtf8(run[i], run[i + 1]) : std::string();
            out += ch.empty() ? std::string("\xEF\xBF\xBD") : ch;
            i += 2;
        }
        return out;
    }
}

/** The parse of one item at the front of the buffer. */
struct Step {
    bool needMore = false;
    std::size_t consumed = 0;
    std::vector<EscPosEvent> events;
};

class Parser {
public:
    Parser(std::span<const std::uint8_t> buf, std::size_t base, bool final, std::string& qrData,
        int& qrSize, char& qrEcc)
        : m_buf(buf)
        , m_base(base)
        , m_final(final)
        , m_qrData(qrData)
        , m_qrSize(qrSize)
        , m_qrEcc(qrEcc) { }

    Step at(std::size_t pos) {
        m_pos = pos;
        const auto b = m_buf[pos];
        if (b == 0x0A) {
            return one(EventKind::LineFeed, 1);
        }
        if (b == 0x0D) {
            return skip(1);
        }
        if (b == 0x09) {
            return text(pos);
        }
        if (b == DLE) {
            return dle();
        }
        if (b == ESC) {
            return esc();
        }
        if (b == GS) {
            return gs();
        }
        if (b == FS) {
            return fs();
        }
        if (b >= 0x20 && b != 0x7F && b != 0x80 && b != 0xFF) {
            return text(pos);
        }
        return unknown(1, "byte " + hexByte(b) + " is neither a command nor text");
    }

private:
    std::size_t left() const { return m_buf.size() - m_pos; }
    std::uint8_t byte(std::size_t k) const { return m_buf[m_pos + k]; }

    EscPosEvent make(EventKind kind) const {
        EscPosEvent e;
        e.kind = kind;
        e.offset = m_base + m_pos;
        return e;
    }
    Step one(EventKind kind, std::size_t consumed, int value = 0, std::string text = {}) {
        Step s;
        s.consumed = consumed;
        auto e = make(kind);
        e.value = value;
        e.text = std::move(text);
        s.events.push_back(std::move(e));
        return s;
    }
    Step skip(std::size_t consumed) {
        Step s;
        s.consumed = consumed;
        return s;
    }
    Step setting(std::size_t consumed, std::string name) {
        return one(EventKind::Setting, consumed, 0, std::move(name));
    }
    Step withRaw(EventKind kind, std::size_t consumed, std::string what) {
        Step s = one(kind, consumed, 0, std::move(what));
        for (std::size_t k = 0; k < consumed && k < 16; ++k) {
            s.events.back().raw.push_back(byte(k));
        }
        return s;
    }
    Step unknown(std::size_t consumed, std::string what) {
        return withRaw(EventKind::Unknown, consumed, std::move(what));
    }
    /** The command needs `n` bytes in all; nullopt-like Step when they are there. */
    bool lacks(std::size_t n, Step& out, const char* name) {
        if (left() >= n) {
            return false;
        }
        if (!m_final) {
            out.needMore = true;
            return true;
        }
        out = withRaw(EventKind::Truncated, left(),
            std::string(name) + " needs " + std::to_string(n) + " bytes, the stream ends after "
                + std::to_string(left()));
        return true;
    }

    Step text(std::size_t pos) {
        std::size_t end = pos;
        while (end < m_buf.size()) {
            const auto b = m_buf[end];
            if ((b >= 0x20 && b < 0x7F) || b == 0x09) {
                ++end;
            } else if (isGbkLead(b)) {
                if (end + 1 >= m_buf.size()) {
                    break; // the trail byte may come with the next read
                }
                if (!isGbkTrail(m_buf[end + 1])) {
                    break;
                }
                end += 2;
            } else {
                break;
            }
        }
        if (end == pos) {
            // A GBK lead byte alone: at the end of the buffer, or with a bad trail byte.
            if (pos + 1 >= m_buf.size()) {
                Step s;
                if (lacks(2, s, "GBK character")) {
                    return s;
                }
            }
            return unknown(
                1, "byte " + hexByte(m_buf[pos]) + " is not followed by a GBK trail byte");
        }
        return one(EventKind::Text, end - pos, 0, textToUtf8(m_buf.subspan(pos, end - pos)));
    }

    Step dle() {
        Step s;
        if (lacks(2, s, "DLE")) {
            return s;
        }
        if (byte(1) == 0x04) {
            if (lacks(3, s, "DLE EOT")) {
                return s;
            }
            const int n = byte(2);
            if (n >= 1 && n <= 4) {
                return one(EventKind::StatusQuery, 3, n);
            }
            return unknown(3, "DLE EOT " + std::to_string(n) + " is not a status query");
        }
        return unknown(2, "DLE " + hexByte(byte(1)) + " is not supported");
    }

    Step esc() {
        Step s;
        if (lacks(2, s, "ESC")) {
            return s;
        }
        const auto c = byte(1);
        switch (c) {
        case '@':
            return one(EventKind::Init, 2);
        case '2':
            return setting(2, "default line spacing");
        case 'E':
        case 'G':
        case 'a':
        case 'd':
        case '!':
        case '-':
        case 'M':
        case 't':
        case '3':
        case 'J':
        case 'R':
        case 'V':
        case '{':
        case 'c':
            break;
        case 'p':
            if (lacks(5, s, "ESC p")) {
                return s;
            }
            return setting(5, "cash drawer pulse");
        default:
            return unknown(2, "ESC " + hexByte(c) + " is not supported");
        }
        if (c == 'c') {
            // ESC c 3 n / ESC c 4 n / ESC c 5 n: panel and sensor settings (3 argument bytes).
            if (lacks(4, s, "ESC c")) {
                return s;
            }
            return setting(4, "sensor or panel setting");
        }
        if (lacks(3, s, "ESC command")) {
            return s;
        }
        const int n = byte(2);
        switch (c) {
        case 'E':
        case 'G':
            return one(EventKind::Bold, 3, n & 1);
        case 'a':
            if ((n % 48) > 2) {
                return unknown(3, "ESC a " + std::to_string(n) + " is not an alignment");
            }
            return one(EventKind::Align, 3, n % 48);
        case 'd':
            return one(EventKind::Feed, 3, n);
        case '!':
            return setting(3, "print mode");
        case '-':
            return setting(3, "underline");
        case 'M':
            return setting(3, "font");
        case 't':
            return setting(3, "code page");
        case '3':
            return setting(3, "line spacing");
        case 'J':
            return one(EventKind::Feed, 3, (n + 29) / 30);
        case 'R':
            return setting(3, "international character set");
        case 'V':
            return setting(3, "90-degree rotation");
        default:
            return setting(3, "upside-down printing");
        }
    }

    Step gsParen() {
        Step s;
        if (lacks(5, s, "GS ( header")) {
            return s;
        }
        const std::size_t len = byte(3) | (static_cast<std::size_t>(byte(4)) << 8);
        if (lacks(5 + len, s, "GS ( parameters")) {
            return s;
        }
        const auto total = 5 + len;
        if (byte(2) != 'k') {
            return setting(total, std::string("GS ( ") + static_cast<char>(byte(2)) + " function");
        }
        if (len < 2) {
            return unknown(total, "GS ( k with " + std::to_string(len) + " parameter bytes");
        }
        const auto cn = byte(5);
        const auto fn = byte(6);
        if (cn != '1') {
            return setting(total, "2D code symbol " + hexByte(cn));
        }
        switch (fn) {
        case 65:
            return setting(total, "QR model");
        case 67:
            if (len >= 3) {
                m_qrSize = byte(7);
            }
            return setting(total, "QR module size");
        case 69:
            if (len >= 3 && byte(7) >= 48 && byte(7) <= 51) {
                m_qrEcc = "LMQH"[byte(7) - 48];
            }
            return setting(total, "QR error correction");
        case 80:
            if (len < 3) {
                return unknown(total, "QR store without data");
            }
            m_qrData.assign(m_buf.begin() + static_cast<std::ptrdiff_t>(m_pos + 8),
                m_buf.begin() + static_cast<std::ptrdiff_t>(m_pos + total));
            return setting(total, "QR store");
        case 81: {
            Step q = one(EventKind::QrCode, total, m_qrSize, m_qrData);
            q.events.back().qrErrorCorrection = m_qrEcc;
            return q;
        }
        default:
            return setting(total, "QR function " + std::to_string(fn));
        }
    }

    Step gs() {
        Step s;
        if (lacks(2, s, "GS")) {
            return s;
        }
        const auto c = byte(1);
        if (c == '(') {
            return gsParen();
        }
        if (c == 'V') {
            if (lacks(3, s, "GS V")) {
                return s;
            }
            const int m = byte(2);
            if (m == 0 || m == 48) {
                return one(EventKind::Cut, 3, 0);
            }
            if (m == 1 || m == 49) {
                return one(EventKind::Cut, 3, 1);
            }
            if (m == 65 || m == 66) {
                if (lacks(4, s, "GS V m n")) {
                    return s;
                }
                return one(EventKind::Cut, 4, m == 65 ? 0 : 1);
            }
            return unknown(3, "GS V " + std::to_string(m) + " is not a cut");
        }
        if (c == 'v') {
            if (lacks(8, s, "GS v 0 header")) {
                return s;
            }
            const std::size_t width = byte(4) | (static_cast<std::size_t>(byte(5)) << 8);
            const std::size_t height = byte(6) | (static_cast<std::size_t>(byte(7)) << 8);
            const auto size = width * height;
            if (byte(2) != '0' || size > EscPosDecoder::maxCommandBytes) {
                return unknown(8, "GS v raster image header not supported or larger than 1 MiB");
            }
            if (lacks(8 + size, s, "GS v 0 image data")) {
                return s;
            }
            return setting(8 + size,
                "raster image " + std::to_string(width * 8) + "x" + std::to_string(height));
        }
        if (c == 'k') {
            return barcode();
        }
        switch (c) {
        case '!':
            if (lacks(3, s, "GS !")) {
                return s;
            }
            return one(EventKind::Size, 3, byte(2));
        case 'B':
        case 'a':
        case 'H':
        case 'h':
        case 'w':
        case 'f':
        case 'r':
            if (lacks(3, s, "GS command")) {
                return s;
            }
            return setting(3, c == 'r' ? "status transmission" : "setting");
        case 'L':
        case 'W':
            if (lacks(4, s, "GS L/W")) {
                return s;
            }
            return setting(4, c == 'L' ? "left margin" : "print area width");
        default:
            return unknown(2, "GS " + hexByte(c) + " is not supported");
        }
    }

    Step barcode() {
        Step s;
        if (lacks(3, s, "GS k")) {
            return s;
        }
        const auto m = byte(2);
        if (m <= 6) {
            // NUL-terminated data of at most 255 bytes: the decision depends only on the first
            // 258 bytes, so it is the same however the stream is split into reads.
            constexpr std::size_t limit = 3 + 255;
            for (std::size_t k = 3; k < left() && k < limit; ++k) {
                if (byte(k) == 0) {
                    return setting(k + 1, "barcode");
                }
            }
            if (left() >= limit) {
                return unknown(3, "GS k barcode without a NUL within 255 bytes");
            }
            if (!m_final) {
                s.needMore = true;
                return s;
            }
            return withRaw(EventKind::Truncated, left(), "GS k barcode without its NUL terminator");
        }
        if (lacks(4, s, "GS k m n")) {
            return s;
        }
        const std::size_t n = byte(3);
        if (lacks(4 + n, s, "GS k barcode data")) {
            return s;
        }
        return setting(4 + n, "barcode");
    }

    Step fs() {
        Step s;
        if (lacks(2, s, "FS")) {
            return s;
        }
        const auto c = byte(1);
        if (c == '&') {
            return setting(2, "Chinese character mode on");
        }
        if (c == '.') {
            return setting(2, "Chinese character mode off");
        }
        if (c == '!' || c == 'C' || c == 'W' || c == '-') {
            if (lacks(3, s, "FS command")) {
                return s;
            }
            return setting(3, "Chinese character setting");
        }
        return unknown(2, "FS " + hexByte(c) + " is not supported");
    }

    std::span<const std::uint8_t> m_buf;
    std::size_t m_base;
    bool m_final;
    std::string& m_qrData;
    int& m_qrSize;
    char& m_qrEcc;
    std::size_t m_pos = 0;
};

} // namespace

std::vector<EscPosEvent> EscPosDecoder::run(bool final) {
    std::vector<EscPosEvent> events;
    Parser parser(m_buffer, m_base, final, m_qrData, m_qrSize, m_qrEcc);
    std::size_t pos = 0;
    while (pos < m_buffer.size()) {
        auto step = parser.at(pos);
        if (step.needMore) {
            break;
        }
        for (auto& e : step.events) {
            // Adjacent text pieces (split by reads) are joined.
            if (e.kind == EventKind::Text && !events.empty()
                && events.back().kind == EventKind::Text) {
                events.back().text += e.text;
            } else {
                events.push_back(std::move(e));
            }
        }
        pos += step.consumed;
    }
    m_buffer.erase(m_buffer.begin(), m_buffer.begin() + static_cast<std::ptrdiff_t>(pos));
    m_base += pos;
    return events;
}

std::vector<EscPosEvent> EscPosDecoder::feed(std::span<const std::uint8_t> bytes) {
    m_buffer.insert(m_buffer.end(), bytes.begin(), bytes.end());
    return run(false);
}

std::vector<EscPosEvent> EscPosDecoder::finish() {
    return run(true);
}

std::vector<EscPosEvent> EscPosDecoder::decode(std::span<const std::uint8_t> bytes) {
    EscPosDecoder d;
    auto events = d.feed(bytes);
    auto rest = d.finish();
    for (auto& e : rest) {
        events.push_back(std::move(e));
    }
    return events;
}

} // namespace hc::printer
