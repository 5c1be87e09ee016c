#include "hc/printer/escpos_decoder.hpp"
#include "hc/printer/gbk.hpp"

namespace hc::printer {

std::string renderText(const std::vector<EscPosEvent>& events, std::size_t columns) {
    std::string out;
    std::string line;
    int align = 0;
    int widthFactor = 1;
    const auto flush = [&] {
        const auto w = displayWidth(line) * static_cast<std::size_t>(widthFactor);
        std::size_t pad = 0;
        if (w < columns) {
            pad = align == 1 ? (columns - w) / 2 : align == 2 ? columns - w : 0;
        }
        out += std::string(pad, ' ') + line + "\n";
        line.clear();
    };
    for (const auto& e : events) {
        switch (e.kind) {
        case EventKind::Text:
            line += e.text;
            break;
        case EventKind::LineFeed:
            flush();
            break;
        case EventKind::Init:
            align = 0;
            widthFactor = 1;
            break;
        case EventKind::Align:
            align = e.value;
            break;
        case EventKind::Size:
            widthFactor = ((e.value >> 4) & 0x07) + 1;
            break;
        case EventKind::Feed:
            if (!line.empty()) {
                flush();
            }
            for (int i = 0; i < e.value && i < 255; ++i) {
                out += "\n";
            }
            break;
        case EventKind::QrCode:
            if (!line.empty()) {
                flush();
            }
            line = "[QR: " + e.text + "]";
            flush();
            break;
        case EventKind::Cut:
            if (!line.empty()) {
                flush();
            }
            out += std::string(columns, '-') + (e.value == 0 ? " full cut\n" : " cut\n");
            break;
        default:
            break;
        }
    }
    if (!line.empty()) {
        flush();
    }
    return out;
}

} // namespace hc::printer
