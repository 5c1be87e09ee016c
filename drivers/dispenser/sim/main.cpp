// dispenser-sim: a card dispenser on 127.0.0.1 speaking the frame protocol of
// hc/dispenser/frame.hpp (docs/dispenser.md).
//
//   dispenser-sim --port P [--stock 20] [--low 3] [--bin-capacity 10]
//                 [--hcemu PATH --slot 2] [--dir DIR]
//
// Prints "dispenser-sim: listening on 127.0.0.1:P" once ready (P chosen when --port 0). One
// connection at a time, any number of frames per connection. Commands: ST, MI, EJ, CP (the
// device), XT (the patient takes the card at the gate; answers IMG=<image>), XJ (the next move
// jams), XR (staff clear the jam), XS N (stock = N), XE (staff empty the bin).
#include "hc/dispenser/frame.hpp"
#include "sim_device.hpp"

#include <arpa/inet.h>
#include <boost/program_options.hpp>
#include <csignal>
#include <iostream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace po = boost::program_options;
namespace sim = hc::dispenser::sim;

namespace {

volatile std::sig_atomic_t g_stop = 0;

void onSignal(int) {
    g_stop = 1;
}

void serve(int client, sim::SimDevice& device) {
    hc::dispenser::FrameReader reader;
    std::uint8_t buf[512];
    for (;;) {
        try {
            while (auto payload = reader.next()) {
                const auto reply = hc::dispenser::encodeFrame(device.handle(*payload));
                if (::write(client, reply.data(), reply.size())
                    != static_cast<ssize_t>(reply.size())) {
                    return;
                }
            }
        } catch (const std::exception& e) {
            std::cerr << "dispenser-sim: bad frame: " << e.what() << std::endl;
            const auto reply = hc::dispenser::encodeFrame("ER FRAME S=0 L=1 B=0 F=0 P=N J=0");
            (void)!::write(client, reply.data(), reply.size());
            return;
        }
        const auto n = ::read(client, buf, sizeof buf);
        if (n <= 0) {
            return;
        }
        reader.feed(std::span<const std::uint8_t>(buf, static_cast<std::size_t>(n)));
    }
}

} // namespace

int main(int argc, char** argv) {
    int port = 0;
    sim::SimOptions o;
    std::string hcemu, dir;
    po::options_description desc("dispenser-sim options");
    desc.add_options()("help", "this text")(
        "port", po::value(&port)->default_value(0), "TCP port on 127.0.0.1 (0 = any)")(
        "stock", po::value(&o.stock)->default_value(20), "blank cards in the stack")(
        "low", po::value(&o.lowMark)->default_value(3), "low-stock mark")(
        "bin-capacity", po::value(&o.binCapacity)->default_value(10), "reject bin capacity")(
        "hcemu", po::value(&hcemu), "hcemu binary: move to IC starts hcemu --blank on --slot")(
        "slot", po::value(&o.slot)->default_value(2), "vpcd slot of the issuance reader")(
        "dir", po::value(&dir)->default_value("dispenser-cards"), "folder for the card images");
    try {
        po::variables_map vm;
        po::store(po::parse_command_line(argc, argv, desc), vm);
        po::notify(vm);
        if (vm.count("help")) {
            std::cout << desc;
            return 0;
        }
        if (port < 0 || port > 65535 || o.slot < 0 || o.slot > 15) {
            throw std::invalid_argument("--port 0..65535, --slot 0..15");
        }
        o.hcemu = hcemu;
        o.dir = dir;
        sim::SimDevice device(o);
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a {};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(static_cast<unsigned short>(port));
        if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 8) != 0) {
            throw std::runtime_error("cannot listen on 127.0.0.1:" + std::to_string(port));
        }
        socklen_t len = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        struct sigaction sa { };
        sa.sa_handler = onSignal;
        ::sigaction(SIGTERM, &sa, nullptr);
        ::sigaction(SIGINT, &sa, nullptr);
        ::signal(SIGPIPE, SIG_IGN);
        std::cout << "dispenser-sim: listening on 127.0.0.1:" << ntohs(a.sin_port) << std::endl;
        while (g_stop == 0) {
            const int client = ::accept(fd, nullptr, nullptr);
            if (client < 0) {
                continue;
            }
            serve(client, device);
            ::close(client);
        }
        ::close(fd);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "dispenser-sim: " << e.what() << std::endl;
        return 2;
    }
}
