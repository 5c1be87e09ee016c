// The QR payment gateway's reply parser (paygw-sim's HTTP/JSON), kept in hc_kiosk_core so the
// fuzz target links it without the network code. Pure function; thread-safe.
#pragma once

#include "hc/kiosk/core/devices.hpp"

#include <string_view>

namespace hc::kiosk::core {

/** Parses a paygw-sim reply body: {"state": "pending"|"paid"|"closed"|"refunded", "qr"?: str,
 * "orderId"?: str}. Throws ServiceError(Unknown) naming the field for anything else (a
 * malformed reply to a mutating call may hide a done one). */
struct PaygwReply {
    OrderState state = OrderState::Pending; ///< order state
    std::string orderId; ///< gateway id ("" when absent)
    std::string qr; ///< QR text ("" when absent)
};
/** Parses one reply body (≤ 64 KiB, depth ≤ 4). */
PaygwReply parsePaygwReply(std::string_view body);

} // namespace hc::kiosk::core
