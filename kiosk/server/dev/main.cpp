// kiosk-ui-dev: the kiosk web UI over a scripted fake engine (ScriptedPort), for working on the
// UI and for the browser tests, without devices or back ends.
//
//   kiosk-ui-dev [--port 8088] [--address 127.0.0.1] [--ui-dir kiosk/ui] [--seconds 60]
//
// Prints "listening on http://127.0.0.1:<port>/" once it accepts connections; SIGINT/SIGTERM
// stop it.
#include "hc/kiosk/web_server.hpp"
#include "scripted_port.hpp"

#include <boost/program_options.hpp>
#include <csignal>
#include <iostream>

int main(int argc, char** argv) {
    namespace po = boost::program_options;
    unsigned short port = 8088;
    std::string address = "127.0.0.1";
    std::string uiDir;
    int seconds = 60;
    po::options_description desc("kiosk-ui-dev: the kiosk UI over a scripted fake engine");
    desc.add_options()("help", "this text")(
        "port", po::value(&port)->default_value(port), "TCP port (0 = pick one)")(
        "address", po::value(&address)->default_value(address), "address to bind")(
        "ui-dir", po::value(&uiDir), "UI folder (default: kiosk/ui of the source tree)")(
        "seconds", po::value(&seconds)->default_value(seconds), "countdown per screen");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, desc), vm);
        po::notify(vm);
    } catch (const std::exception& e) {
        std::cerr << "kiosk-ui-dev: " << e.what() << "\n" << desc;
        return 2;
    }
    if (vm.count("help") != 0U) {
        std::cout << desc;
        return 0;
    }
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    try {
        hc::kiosk::dev::ScriptedPort engine(seconds);
        hc::kiosk::WebServerOptions options; // no access token: a development tool
        options.address = address;
        options.port = port;
        options.docroot = uiDir;
        hc::kiosk::WebServer server(engine, options);
        server.start();
        std::cout << "listening on " << server.url() << std::endl;
        int sig = 0;
        sigwait(&signals, &sig);
        server.stop();
    } catch (const std::exception& e) {
        std::cerr << "kiosk-ui-dev: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
