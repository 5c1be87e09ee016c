// QR code as SVG for the payment screen (libqrencode). Private to hc_kiosk_server. Any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hc::kiosk::detail {

/** An SVG image (black modules on white, 4-module quiet zone, error correction M) encoding
 * `text` as 8-bit data; nullopt when the text is empty, over 1,000 bytes or cannot be encoded. */
std::optional<std::string> qrSvg(std::string_view text);

} // namespace hc::kiosk::detail
