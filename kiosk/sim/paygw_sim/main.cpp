// paygw-sim: a QR payment gateway simulator (WeChat / Alipay aggregated) for tests and the demo.
// HTTP/JSON on 127.0.0.1:<port>; orders keyed by the merchant's request id (out_trade_no).
//
//   POST /orders {"requestId","amountFen","subject"}     create (idempotent by requestId)
//   GET  /orders/{requestId}                             {"state","orderId","qr","amountFen"}
//   POST /orders/{requestId}/pay                         the patient's phone pays (demo/tests)
//   POST /orders/{requestId}/refund {"refundRequestId","amountFen"}   paid -> refunded (once)
//   POST /orders/{requestId}/close                       pending -> closed
//   GET  /orders                                         every order with its refund count
//   POST /admin/pay-all                                  pays every pending order
//   POST /admin/faults {"fail_5xx": N, "drop_after_commit": N, "delay_ms": D}
//
//   paygw-sim --port 8090 [--auto-pay-ms 0]    (--auto-pay-ms: orders pay themselves after D ms)
//
// One thread per connection; the orders are behind a mutex. States: pending, paid, closed,
// refunded. A refund of an order not paid is 409; an unknown order is 404.
#include "hc/base/program_options.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Order {
    std::string requestId;
    std::string orderId;
    std::int64_t amountFen = 0;
    std::string state = "pending";
    int refunds = 0;
    Clock::time_point created;
};

struct World {
    std::mutex mutex;
    std::map<std::string, Order> orders;
    int fail5xx = 0;
    int dropAfterCommit = 0;
    int delayMs = 0;
    int autoPayMs = 0;
    int next = 1;
};

json::object describeOrder(const Order& o) {
    return { { "requestId", o.requestId }, { "orderId", o.orderId }, { "amountFen", o.amountFen },
        { "state", o.state }, { "qr", "weixin://wxpay/bizpayurl?pr=" + o.orderId },
        { "refunds", o.refunds } };
}

struct Reply {
    int status = 200;
    json::object body;
};

Reply handle(World& w, const std::string& method, const std::string& target,
    const std::string& body, bool& drop) {
    std::lock_guard lock(w.mutex);
    if (target.rfind("/admin/", 0) != 0 && w.fail5xx > 0) {
        --w.fail5xx;
        return { 503, { { "error", "fault switch: 503" } } };
    }
    json::object in;
    if (method == "POST" && !body.empty()) {
        boost::system::error_code ec;
        auto v = json::parse(body, ec);
        if (ec || !v.is_object()) {
            return { 400, { { "error", "body: expected a JSON object" } } };
        }
        in = v.as_object();
    }
    const auto commit = [&] {
        if (w.dropAfterCommit > 0) {
            --w.dropAfterCommit;
            drop = true;
        }
    };
    if (w.autoPayMs > 0) {
        for (auto& [k, o] : w.orders) {
            if (o.state == "pending"
                && Clock::now() - o.created > std::chrono::milliseconds(w.autoPayMs)) {
                o.state = "paid";
            }
        }
    }
    if (method == "POST" && target == "/admin/faults") {
        const auto get = [&](const char* n) {
            const auto* v = in.if_contains(n);
            return v != nullptr && v->is_int64() ? static_cast<int>(v->as_int64()) : 0;
        };
        w.fail5xx = get("fail_5xx");
        w.dropAfterCommit = get("drop_after_commit");
        w.delayMs = get("delay_ms");
        return { 200, { { "ok", true } } };
    }
    if (method == "POST" && target == "/admin/pay-all") {
        int n = 0;
        for (auto& [k, o] : w.orders) {
            if (o.state == "pending") {
                o.state = "paid";
                ++n;
            }
        }
        return { 200, { { "paid", n } } };
    }
    if (method == "GET" && target == "/orders") {
        json::array all;
        for (const auto& [k, o] : w.orders) {
            all.push_back(describeOrder(o));
        }
        return { 200, { { "orders", std::move(all) } } };
    }
    if (method == "POST" && target == "/orders") {
        const auto* rid = in.if_contains("requestId");
        const auto* amt = in.if_contains("amountFen");
        if (rid == nullptr || !rid->is_string() || rid->as_string().empty()
            || rid->as_string().size() > 64) {
            return { 400, { { "error", "requestId: expected a string of 1..64 bytes" } } };
        }
        if (amt == nullptr || !amt->is_int64() || amt->as_int64() <= 0) {
            return { 400, { { "error", "amountFen: expected a positive integer" } } };
        }
        const std::string id(rid->as_string());
        auto it = w.orders.find(id);
        if (it == w.orders.end()) {
            Order o;
            o.requestId = id;
            o.orderId = "WX" + std::to_string(1000000 + w.next++);
            o.amountFen = amt->as_int64();
            o.created = Clock::now();
            it = w.orders.emplace(id, o).first;
        }
        commit();
        return { 201, describeOrder(it->second) };
    }
    if (target.rfind("/orders/", 0) == 0) {
        auto rest = target.substr(8);
        std::string action;
        if (const auto slash = rest.find('/'); slash != std::string::npos) {
            action = rest.substr(slash + 1);
            rest = rest.substr(0, slash);
        }
        const auto it = w.orders.find(rest);
        if (it == w.orders.end()) {
            return { 404, { { "error", "no order " + rest }, { "state", "closed" } } };
        }
        auto& o = it->second;
        if (method == "GET" && action.empty()) {
            return { 200, describeOrder(o) };
        }
        if (method == "POST" && action == "pay") {
            if (o.state != "pending") {
                return { 409, { { "error", "order is " + o.state } } };
            }
            o.state = "paid";
            return { 200, describeOrder(o) };
        }
        if (method == "POST" && action == "close") {
            if (o.state == "pending") {
                o.state = "closed";
            }
            commit();
            return { 200, describeOrder(o) };
        }
        if (method == "POST" && action == "refund") {
            if (o.state == "refunded") {
                return { 200, describeOrder(o) }; // idempotent
            }
            if (o.state != "paid") {
                return { 409, { { "error", "order is " + o.state } } };
            }
            o.state = "refunded";
            ++o.refunds;
            commit();
            return { 200, describeOrder(o) };
        }
    }
    return { 404, { { "error", "no route " + method + " " + target } } };
}

void serve(tcp::socket socket, World& world) {
    boost::beast::flat_buffer buffer;
    boost::system::error_code ec;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(64 * 1024);
        http::read(socket, buffer, parser, ec);
        if (ec) {
            return;
        }
        const auto& req = parser.get();
        int delay = 0;
        {
            std::lock_guard lock(world.mutex);
            delay = world.delayMs;
        }
        if (delay > 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(delay));
        }
        bool drop = false;
        const auto reply = handle(
            world, std::string(req.method_string()), std::string(req.target()), req.body(), drop);
        std::cout << req.method_string() << " " << req.target() << " -> " << reply.status
                  << (drop ? " (reply dropped)" : "") << std::endl;
        if (drop) {
            socket.shutdown(tcp::socket::shutdown_both, ec);
            return;
        }
        http::response<http::string_body> res(static_cast<http::status>(reply.status), 11);
        res.set(http::field::content_type, "application/json");
        res.keep_alive(req.keep_alive());
        res.body() = json::serialize(reply.body);
        res.prepare_payload();
        http::write(socket, res, ec);
        if (ec || !req.keep_alive()) {
            socket.shutdown(tcp::socket::shutdown_send, ec);
            return;
        }
    }
}

} // namespace

int main(int argc, char** argv) {
    namespace po = boost::program_options;
    hc::ProgramOptions opts("paygw-sim", "paygw-sim options");
    unsigned short port = 0;
    World world;
    opts.add()("port", po::value(&port)->required(), "TCP port on 127.0.0.1")("auto-pay-ms",
        po::value(&world.autoPayMs)->default_value(0), "orders pay themselves after this long");
    if (const auto exit = opts.parse(argc, argv)) {
        return *exit;
    }
    asio::io_context io;
    tcp::acceptor acceptor(io, { asio::ip::make_address("127.0.0.1"), port });
    std::cout << "paygw-sim listening on 127.0.0.1:" << port << std::endl;
    for (;;) {
        tcp::socket socket(io);
        acceptor.accept(socket);
        std::thread([s = std::move(socket), &world]() mutable {
            serve(std::move(s), world);
        }).detach();
    }
}
