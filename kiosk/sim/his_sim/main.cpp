// his-sim: a hospital information system simulator for tests and the demo. HTTP/JSON on
// 127.0.0.1:<port>, resources modelled on FHIR R4 (Patient, Organization, Practitioner, Slot
// with hold-then-book, Appointment, ChargeItem, Invoice, DiagnosticReport with Observations),
// generated deterministically from --seed. A fault switch (POST /admin/faults {"delay_ms",
// "fail_5xx", "drop_after_commit"}) lets tests produce the kiosk's UNKNOWN outcomes.
//
//   his-sim --port 8080 [--seed 42] [--today 2026-11-24] [--hold-seconds 300]
//           [--cancel-cutoff-minutes 30] [--now 2026-11-24T07:30]
//
// See docs/kiosk.md for the routes. One thread per connection; the world is behind a mutex.
#include "hc/base/program_options.hpp"
#include "hc/card/health/model.hpp"
#include "his_world.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <ctime>
#include <iostream>
#include <thread>

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

// The request target as logged: the value of an `identifier` query parameter (a citizen ID
// number) masked like every patient identifier in our logs.
std::string loggedTarget(std::string target) {
    for (std::size_t at = target.find("identifier="); at != std::string::npos;
         at = target.find("identifier=", at + 1)) {
        const auto start = at + 11;
        const auto end = std::min(target.find('&', start), target.size());
        const auto masked
            = hc::card::health::maskIdentifier(std::string_view(target).substr(start, end - start));
        target.replace(start, end - start, masked);
    }
    return target;
}

void serve(tcp::socket socket, hc::kiosk::hissim::HisWorld& world) {
    boost::beast::flat_buffer buffer;
    boost::system::error_code ec;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(1U << 20);
        http::read(socket, buffer, parser, ec);
        if (ec) {
            return;
        }
        const auto& req = parser.get();
        const auto delay = world.delayMs();
        if (delay > 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(delay));
        }
        bool drop = false;
        const auto reply = world.handle(
            std::string(req.method_string()), std::string(req.target()), req.body(), drop);
        std::cout << req.method_string() << " " << loggedTarget(std::string(req.target())) << " -> "
                  << reply.status << (drop ? " (reply dropped by the fault switch)" : "")
                  << std::endl;
        if (drop) {
            socket.shutdown(tcp::socket::shutdown_both, ec);
            return;
        }
        http::response<http::string_body> res(static_cast<http::status>(reply.status), 11);
        res.set(http::field::content_type, "application/fhir+json; charset=utf-8");
        res.set(http::field::server, "his-sim");
        res.keep_alive(req.keep_alive());
        res.body() = boost::json::serialize(reply.body);
        res.prepare_payload();
        http::write(socket, res, ec);
        if (ec || !req.keep_alive()) {
            socket.shutdown(tcp::socket::shutdown_send, ec);
            return;
        }
    }
}

// Today in the hospital's time zone (UTC+8).
std::string todayLocal() {
    const auto t = std::time(nullptr) + 8 * 3600;
    std::tm tm {};
    ::gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

} // namespace

int main(int argc, char** argv) {
    namespace po = boost::program_options;
    unsigned short port = 8080;
    unsigned seed = 42;
    std::string today = todayLocal();
    double holdSeconds = 300;
    int cancelCutoff = 30;
    std::string now;
    hc::ProgramOptions opts("his-sim", "his-sim options");
    opts.add()("port", po::value(&port), "port on 127.0.0.1")(
        "seed", po::value(&seed), "seed of the generated hospital")("today", po::value(&today),
        "first day of the 14 days of slots (YYYY-MM-DD)")("hold-seconds", po::value(&holdSeconds),
        "how long a slot hold lasts")("cancel-cutoff-minutes", po::value(&cancelCutoff),
        "退号 closes this many minutes before the slot starts")(
        "now", po::value(&now), "fixed local time YYYY-MM-DDTHH:MM (UTC+8) for the cut-off");
    if (const auto exit = opts.parse(argc, argv)) {
        return *exit;
    }
    try {
        hc::kiosk::hissim::HisWorld world(
            seed, today, std::chrono::milliseconds(static_cast<long long>(holdSeconds * 1000)));
        world.setCancelCutoffMinutes(cancelCutoff);
        world.setClockDay(today);
        world.setNow(now);
        asio::io_context io;
        tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        std::cout << "his-sim: listening on 127.0.0.1:" << port << " (seed " << seed << ", from "
                  << today << ")" << std::endl;
        for (;;) {
            tcp::socket socket(io);
            acceptor.accept(socket);
            std::thread(serve, std::move(socket), std::ref(world)).detach();
        }
    } catch (const std::exception& e) {
        std::cerr << "his-sim: " << e.what() << "\n";
        return 2;
    }
}
