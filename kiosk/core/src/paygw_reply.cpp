#include "hc/kiosk/core/paygw_reply.hpp"

#include <boost/json.hpp>

namespace hc::kiosk::core {

namespace json = boost::json;

PaygwReply parsePaygwReply(std::string_view body) {
    if (body.size() > 64 * 1024) {
        throw ServiceError(CallOutcome::Unknown, "paygw reply: larger than 64 KiB");
    }
    json::parse_options opts;
    opts.max_depth = 4;
    boost::system::error_code ec;
    auto v = json::parse(body, ec, {}, opts);
    if (ec || !v.is_object()) {
        throw ServiceError(CallOutcome::Unknown, "paygw reply: not a JSON object");
    }
    const auto& o = v.get_object();
    PaygwReply r;
    const auto* st = o.if_contains("state");
    if (st == nullptr || !st->is_string()) {
        throw ServiceError(CallOutcome::Unknown, "paygw reply.state: expected a string");
    }
    const auto s = st->get_string();
    if (s == "pending") {
        r.state = OrderState::Pending;
    } else if (s == "paid") {
        r.state = OrderState::Paid;
    } else if (s == "closed") {
        r.state = OrderState::Closed;
    } else if (s == "refunded") {
        r.state = OrderState::Refunded;
    } else {
        throw ServiceError(CallOutcome::Unknown, "paygw reply.state: unknown state");
    }
    for (const auto* name : { "orderId", "qr" }) {
        if (const auto* f = o.if_contains(name)) {
            if (!f->is_string() || f->get_string().size() > 1024) {
                throw ServiceError(CallOutcome::Unknown,
                    std::string("paygw reply.") + name + ": expected a string of ≤ 1024 bytes");
            }
            (std::string_view(name) == "qr" ? r.qr : r.orderId) = std::string(f->get_string());
        }
    }
    return r;
}

} // namespace hc::kiosk::core
