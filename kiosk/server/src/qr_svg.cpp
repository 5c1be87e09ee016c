#include "qr_svg.hpp"

#include <memory>
#include <qrencode.h>

namespace hc::kiosk::detail {

std::optional<std::string> qrSvg(std::string_view text) {
    if (text.empty() || text.size() > 1000) {
        return std::nullopt;
    }
    const std::string data(text);
    std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
        QRcode_encodeString8bit(data.c_str(), 0, QR_ECLEVEL_M), &QRcode_free);
    if (!code) {
        return std::nullopt;
    }
    const int width = code->width;
    const int size = width + 8;
    std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "
        + std::to_string(size) + " " + std::to_string(size)
        + "\" shape-rendering=\"crispEdges\"><rect width=\"100%\" "
          "height=\"100%\" fill=\"#fff\"/><path fill=\"#000\" d=\"";
    for (int y = 0; y < width; ++y) {
        for (int x = 0; x < width; ++x) {
            const auto module
                = code->data[static_cast<std::size_t>(y) * static_cast<std::size_t>(width)
                    + static_cast<std::size_t>(x)];
            if ((module & 1U) != 0) {
                svg += "M" + std::to_string(x + 4) + " " + std::to_string(y + 4) + "h1v1h-1z";
            }
        }
    }
    svg += "\"/></svg>";
    return svg;
}

} // namespace hc::kiosk::detail
