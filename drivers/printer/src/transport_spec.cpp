#include "hc/printer/transport_spec.hpp"

#include "hc/card/error.hpp"
#include "hc/printer/file_transport.hpp"
#include "hc/printer/serial_transport.hpp"
#include "hc/printer/tcp_transport.hpp"

#include <string>

namespace hc::printer {

namespace {

[[noreturn]] void bad(std::string_view spec, const std::string& what) {
    throw hc::InputError("printer \"" + std::string(spec) + "\": " + what
        + " (expected tcp:HOST:PORT, serial:DEVICE[:BAUD] or file:PATH)");
}

// A decimal number of 1 to 6 digits within [1, max]; -1 otherwise.
long number(std::string_view text, long max) {
    if (text.empty() || text.size() > 6) {
        return -1;
    }
    long v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') {
            return -1;
        }
        v = v * 10 + (c - '0');
    }
    return v >= 1 && v <= max ? v : -1;
}

} // namespace

TransportPtr makeTransport(std::string_view spec) {
    if (spec.starts_with("tcp:")) {
        const auto rest = spec.substr(4);
        const auto colon = rest.rfind(':');
        if (colon == std::string_view::npos || colon == 0) {
            bad(spec, "a TCP printer needs a host and a port");
        }
        const long port = number(rest.substr(colon + 1), 65535);
        if (port < 0) {
            bad(spec, "the port must be a number from 1 to 65535");
        }
        return std::make_unique<TcpTransport>(
            std::string(rest.substr(0, colon)), static_cast<unsigned short>(port));
    }
    if (spec.starts_with("serial:")) {
        auto rest = spec.substr(7);
        int baud = 115200;
        const auto colon = rest.rfind(':');
        if (colon != std::string_view::npos) {
            const long b = number(rest.substr(colon + 1), 115200);
            if (b < 0) {
                bad(spec, "the baud rate must be a number (9600 ... 115200)");
            }
            baud = static_cast<int>(b);
            rest = rest.substr(0, colon);
        }
        if (rest.empty()) {
            bad(spec, "a serial printer needs a device path");
        }
        return std::make_unique<SerialTransport>(std::string(rest), baud);
    }
    if (spec.starts_with("file:")) {
        if (spec.size() == 5) {
            bad(spec, "a file printer needs a path");
        }
        return std::make_unique<FileTransport>(std::string(spec.substr(5)));
    }
    bad(spec, "unknown kind of printer");
}

} // namespace hc::printer
