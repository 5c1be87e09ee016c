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
#include "hc/base/program_options.hpp"
#include "hc/base/stop_signals.hpp"
#include "hc/dispenser/frame.hpp"
#include "sim_device.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <iostream>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace po = boost::program_options;
namespace sim = hc::dispenser::sim;

namespace {

/** The stop request: written by the signal watcher, watched by every wait of the main loop. */
class StopPipe {
public:
    StopPipe() {
        if (::pipe2(m_fd, O_CLOEXEC | O_NONBLOCK) != 0) {
            throw std::runtime_error("pipe failed");
        }
    }
    ~StopPipe() {
        ::close(m_fd[0]);
        ::close(m_fd[1]);
    }
    StopPipe(const StopPipe&) = delete;
    StopPipe& operator=(const StopPipe&) = delete;
    void request() {
        const char c = 'q';
        [[maybe_unused]] auto r = ::write(m_fd[1], &c, 1);
    }
    /** Waits until `fd` is readable (true) or a stop was requested (false). */
    bool waitReadable(int fd) const {
        for (;;) {
            pollfd fds[2] = { { fd, POLLIN, 0 }, { m_fd[0], POLLIN, 0 } };
            if (::poll(fds, 2, -1) < 0) {
                if (errno == EINTR) {
                    continue;
                }
                return false;
            }
            if (fds[1].revents != 0) {
                return false; // the byte stays: every later wait sees it too
            }
            if (fds[0].revents != 0) {
                return true;
            }
        }
    }

private:
    int m_fd[2] = { -1, -1 };
};

void serve(int client, sim::SimDevice& device, const StopPipe& stop) {
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
        if (!stop.waitReadable(client)) {
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
    hc::ProgramOptions opts("dispenser-sim", "dispenser-sim options");
    opts.quietUsageOnError(); // a bad command line: the message only, as before
    opts.add()("port", po::value(&port)->default_value(0), "TCP port on 127.0.0.1 (0 = any)")(
        "stock", po::value(&o.stock)->default_value(20), "blank cards in the stack")(
        "low", po::value(&o.lowMark)->default_value(3), "low-stock mark")(
        "bin-capacity", po::value(&o.binCapacity)->default_value(10), "reject bin capacity")(
        "hcemu", po::value(&hcemu), "hcemu binary: move to IC starts hcemu --blank on --slot")(
        "slot", po::value(&o.slot)->default_value(2), "vpcd slot of the issuance reader")(
        "dir", po::value(&dir)->default_value("dispenser-cards"), "folder for the card images");
    opts.check([&](const po::variables_map&) {
        if (port < 0 || port > 65535 || o.slot < 0 || o.slot > 15) {
            throw std::invalid_argument("--port 0..65535, --slot 0..15");
        }
    });
    if (const auto exit = opts.parse(argc, argv)) {
        return *exit;
    }
    try {
        // SIGINT/SIGTERM blocked and taken by a watcher that writes the stop pipe, which the
        // accept and the reads wait on. The hcemu children unblock them before exec
        // (SimDevice::startCard). Declared before the device: its destructor stops the card.
        StopPipe stop;
        hc::StopSignals signals;
        signals.watch([&stop](int) { stop.request(); });
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
        std::cout << "dispenser-sim: listening on 127.0.0.1:" << ntohs(a.sin_port) << std::endl;
        while (stop.waitReadable(fd)) {
            const int client = ::accept(fd, nullptr, nullptr);
            if (client < 0) {
                continue;
            }
            serve(client, device, stop);
            ::close(client);
        }
        ::close(fd);
        // Ending anyway: a later SIGINT/SIGTERM is dropped rather than delivered with its default
        // action (killed instead of exit 0) when StopSignals restores the signal mask.
        std::signal(SIGINT, SIG_IGN);
        std::signal(SIGTERM, SIG_IGN);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "dispenser-sim: " << e.what() << std::endl;
        return 2;
    }
}
