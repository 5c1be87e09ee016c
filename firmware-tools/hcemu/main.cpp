// hcemu: the card OS emulator. Plugs a card image into a vpcd reader slot of pcscd.
//
//   hcemu --image card.json [--slot 0 | --port 35963] [--vpcd-host 127.0.0.1]
//         [--control-port 35990] [--no-persist] [--verbose] [--cos LIST]
//         --cos plays another COS vendor's card on any image (hc/emu/cos_personality.hpp:
//         no-sfi, no-bulk, no-extended, t0, strict-le, name-only, delay=N, contactless); it
//         replaces the image's own "extensions": {"cos": ...}
//   hcemu --blank --image new.json [--serial 16HEX] [--transport-master 32HEX] ...
//         a blank card (profile "blank-card", docs/issuance-card-os.md) written to the image
//         path first when that file does not exist yet (an existing file is used as it is)
#include "../emulator/profiles/blank_card.hpp"
#include "hc/base/program_options.hpp"
#include "hc/base/stop_signals.hpp"
#include "hc/card/error.hpp"
#include "hc/emu/card_image.hpp"
#include "hc/emu/card_os.hpp"
#include "hc/emu/emulator.hpp"
#include "hc/emu/profile.hpp"

#include <csignal>
#include <iostream>
#include <optional>

namespace po = boost::program_options;

int main(int argc, char** argv) {
    hc::ProgramOptions opts("hcemu", "hcemu: emulated card for pcscd's vpcd reader\nOptions",
        { "help,h", "show this help" });
    std::string image;
    int slot = 0;
    int port = 0;
    int controlPort = -1;
    std::string host;
    std::string serialHex;
    std::string transportMasterHex = hc::emu::kTestTransportMasterHex;
    std::string cos;
    opts.add()("image", po::value(&image)->required(),
        "card image file (JSON, format hcemu-image/1)")("slot", po::value(&slot)->default_value(0),
        "vpcd slot: the card connects to port 35963 + slot")("port", po::value(&port),
        "vpcd port (overrides --slot)")("vpcd-host", po::value(&host)->default_value("127.0.0.1"),
        "host where pcscd's vpcd listens")("control-port", po::value(&controlPort),
        "TCP port on 127.0.0.1 for control commands (remove, insert, tear, forge mac2, status, "
        "quit)")("no-persist", "do not write changes back to the image file")(
        "verbose,v", "log one line per APDU (INS and SW only)")(
        "blank", "create a blank card at --image when the file does not exist yet")("serial",
        po::value(&serialHex), "chip serial of a new blank card (16 hex digits; default random)")(
        "transport-master", po::value(&transportMasterHex),
        "transport master of a new blank card (32 hex digits; default the TEST master)")("cos",
        po::value(&cos),
        "COS personality, comma-separated: standard, no-sfi, no-bulk, no-extended, t0, "
        "strict-le, name-only, delay=N (ms), contactless (replaces the image's extensions.cos)");
    if (const auto exit = opts.parse(argc, argv)) {
        return *exit;
    }
    const auto& vm = opts.values();
    try {
        // SIGINT/SIGTERM are blocked from here on and taken by a watcher thread that stops the
        // emulator (a signal while the image loads waits for it). Declared after the card OS and
        // the emulator, so the watcher ends before they go.
        std::optional<hc::emu::CardOs> os;
        std::optional<hc::emu::Emulator> emu;
        hc::StopSignals signals;
        if (port == 0) {
            if (slot < 0 || slot > 15) {
                throw hc::InputError("--slot must be 0 to 15");
            }
            port = 35963 + slot;
        }
        if (port <= 0 || port > 65535) {
            throw hc::InputError("--port must be 1 to 65535");
        }
        if (vm.count("blank") && !std::filesystem::exists(image)) {
            const hc::Bytes serial
                = serialHex.empty() ? hc::emu::randomChipSerial() : hc::fromHex(serialHex);
            hc::emu::saveCardImage(
                hc::emu::makeBlankCard(serial, hc::fromHex(transportMasterHex)), image);
        }
        auto img = hc::emu::loadCardImage(image);
        hc::emu::CardOs::PersistFn persist;
        if (!vm.count("no-persist")) {
            persist = [image](const hc::emu::CardImage& i) { hc::emu::saveCardImage(i, image); };
        }
        os.emplace(std::move(img), persist);
        if (vm.count("cos")) {
            os->setPersonality(hc::emu::CosPersonality::parse(cos));
        }
        hc::emu::installProfiles(*os);
        hc::emu::EmulatorOptions opt;
        opt.vpcdHost = host;
        opt.vpcdPort = static_cast<std::uint16_t>(port);
        if (controlPort >= 0) {
            opt.controlPort = static_cast<std::uint16_t>(controlPort);
        }
        opt.verbose = vm.count("verbose") > 0;
        emu.emplace(*os, opt);
        signals.watch([&emu](int) { emu->stop(); });
        std::cerr << "hcemu: card \"" << image << "\" (COS " << os->personality().toString()
                  << ") for vpcd " << host << ":" << port;
        if (opt.controlPort) {
            std::cerr << ", control on 127.0.0.1:" << emu->controlPort();
        }
        std::cerr << std::endl;
        emu->run();
        // Ending anyway: a SIGINT/SIGTERM from now on is dropped, not delivered with its default
        // action (killed instead of exit 0) when StopSignals restores the signal mask.
        std::signal(SIGINT, SIG_IGN);
        std::signal(SIGTERM, SIG_IGN);
        return 0;
    } catch (const hc::Error& e) {
        std::cerr << "hcemu: " << e.what() << " (next: " << hc::describe(e.nextStep()) << ")\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "hcemu: " << e.what() << "\n";
        return 1;
    }
}
