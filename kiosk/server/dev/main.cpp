// kiosk-ui-dev: the kiosk web UI over a scripted fake engine (ScriptedPort), for working on the
// UI and for the browser tests, without devices or back ends.
//
//   kiosk-ui-dev [--port 8088] [--address 127.0.0.1] [--ui-dir kiosk/ui] [--seconds 60]
//
// Prints "listening on http://127.0.0.1:<port>/" once it accepts connections; SIGINT/SIGTERM
// stop it.
#include "hc/base/program_options.hpp"
#include "hc/base/stop_signals.hpp"
#include "hc/kiosk/web_server.hpp"
#include "scripted_port.hpp"

#include <iostream>

int main(int argc, char** argv) {
    namespace po = boost::program_options;
    unsigned short port = 8088;
    std::string address = "127.0.0.1";
    std::string uiDir;
    int seconds = 60;
    hc::ProgramOptions opts(
        "kiosk-ui-dev", "kiosk-ui-dev: the kiosk UI over a scripted fake engine");
    opts.add()("port", po::value(&port)->default_value(port), "TCP port (0 = pick one)")(
        "address", po::value(&address)->default_value(address), "address to bind")(
        "ui-dir", po::value(&uiDir), "UI folder (default: kiosk/ui of the source tree)")(
        "seconds", po::value(&seconds)->default_value(seconds), "countdown per screen");
    if (const auto exit = opts.parse(argc, argv)) {
        return *exit;
    }
    hc::StopSignals signals; // before the server's threads
    try {
        hc::kiosk::dev::ScriptedPort engine(seconds);
        hc::kiosk::WebServerOptions options; // no access token: a development tool
        options.address = address;
        options.port = port;
        options.docroot = uiDir;
        hc::kiosk::WebServer server(engine, options);
        server.start();
        std::cout << "listening on " << server.url() << std::endl;
        (void)signals.wait();
        server.stop();
    } catch (const std::exception& e) {
        std::cerr << "kiosk-ui-dev: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
