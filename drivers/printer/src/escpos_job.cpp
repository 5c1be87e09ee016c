#include "hc/printer/escpos_job.hpp"

#include "hc/card/error.hpp"
#include "hc/printer/gbk.hpp"

namespace hc::printer {

namespace {
constexpr std::uint8_t ESC = 0x1B;
constexpr std::uint8_t GS = 0x1D;
constexpr std::uint8_t FS = 0x1C;
constexpr std::uint8_t LF = 0x0A;
} // namespace

EscPosJob::EscPosJob() {
    put(ESC);
    put('@');
    put(FS);
    put('&');
}

EscPosJob& EscPosJob::text(std::string_view utf8) {
    for (const char c : utf8ToGbk(utf8)) {
        put(static_cast<std::uint8_t>(c));
    }
    return *this;
}

EscPosJob& EscPosJob::line(std::string_view utf8) {
    text(utf8);
    put(LF);
    return *this;
}

EscPosJob& EscPosJob::bold(bool on) {
    put(ESC);
    put('E');
    put(on ? 1 : 0);
    return *this;
}

EscPosJob& EscPosJob::size(int width, int height) {
    if (width < 1 || width > 8 || height < 1 || height > 8) {
        throw hc::InputError("character size " + std::to_string(width) + "x"
            + std::to_string(height) + " is outside 1..8");
    }
    put(GS);
    put('!');
    put(static_cast<std::uint8_t>(((width - 1) << 4) | (height - 1)));
    return *this;
}

EscPosJob& EscPosJob::align(Align a) {
    put(ESC);
    put('a');
    put(static_cast<std::uint8_t>(a));
    return *this;
}

EscPosJob& EscPosJob::qrCode(std::string_view data, QrOptions options) {
    if (data.empty() || data.size() > 7089) {
        throw hc::InputError(
            "QR code data of " + std::to_string(data.size()) + " bytes is outside 1..7089");
    }
    if (options.moduleSize < 1 || options.moduleSize > 16) {
        throw hc::InputError(
            "QR module size " + std::to_string(options.moduleSize) + " is outside 1..16");
    }
    const auto fn = [this](std::uint8_t f, std::uint8_t a, std::uint8_t b, bool withB) {
        put(GS);
        put('(');
        put('k');
        put(withB ? 4 : 3);
        put(0);
        put('1');
        put(f);
        put(a);
        if (withB) {
            put(b);
        }
    };
    fn(65, '2', 0, true); // model 2
    fn(67, static_cast<std::uint8_t>(options.moduleSize), 0, false); // module size
    fn(69, static_cast<std::uint8_t>(options.errorCorrection), 0, false); // error correction
    const auto len = data.size() + 3;
    put(GS);
    put('(');
    put('k');
    put(static_cast<std::uint8_t>(len & 0xFF));
    put(static_cast<std::uint8_t>(len >> 8));
    put('1');
    put(80); // store
    put('0');
    for (const char c : data) {
        put(static_cast<std::uint8_t>(c));
    }
    fn(81, '0', 0, false); // print
    return *this;
}

EscPosJob& EscPosJob::feed(int lines) {
    if (lines < 0 || lines > 255) {
        throw hc::InputError("feed of " + std::to_string(lines) + " lines is outside 0..255");
    }
    put(ESC);
    put('d');
    put(static_cast<std::uint8_t>(lines));
    return *this;
}

EscPosJob& EscPosJob::cut(Cut type) {
    put(GS);
    put('V');
    put(static_cast<std::uint8_t>(type));
    return *this;
}

EscPosJob& EscPosJob::raw(std::span<const std::uint8_t> bytes) {
    for (const auto b : bytes) {
        put(b);
    }
    return *this;
}

void EscPosJob::wipe() noexcept {
    volatile std::uint8_t* p = m_bytes.data();
    for (std::size_t i = 0; i < m_bytes.size(); ++i) {
        p[i] = 0;
    }
    m_bytes.clear();
}

} // namespace hc::printer
