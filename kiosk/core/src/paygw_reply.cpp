#include "hc/kiosk/core/paygw_reply.hpp"

#include "hc/base/json_in.hpp"

namespace hc::kiosk::core {

PaygwReply parsePaygwReply(std::string_view body) {
    try {
        const auto v = hc::parseJson(body, "paygw reply", { 64 * 1024, 4 });
        const hc::JsonIn in(v, "paygw reply");
        PaygwReply r;
        const auto s = in.str("state", 16);
        if (s == "pending") {
            r.state = OrderState::Pending;
        } else if (s == "paid") {
            r.state = OrderState::Paid;
        } else if (s == "closed") {
            r.state = OrderState::Closed;
        } else if (s == "refunded") {
            r.state = OrderState::Refunded;
        } else {
            throw hc::JsonFieldError(in.at("state"), "unknown state");
        }
        r.orderId = in.strOr("orderId", "", 1024);
        r.qr = in.strOr("qr", "", 1024);
        return r;
    } catch (const hc::JsonFieldError& e) {
        // A malformed reply to a mutating call may hide a done one: the outcome is unknown.
        throw ServiceError(CallOutcome::Unknown, e.what());
    }
}

} // namespace hc::kiosk::core
