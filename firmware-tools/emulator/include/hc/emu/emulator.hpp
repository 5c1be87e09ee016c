// Emulator: runs a CardOs as the card in a vpcd reader slot, and takes control commands.
//
// The card connects to vpcd (pcscd's virtual reader driver) as a TCP client: connecting is
// inserting the card, closing the link is pulling it. Frames go out in one send each with
// TCP_NODELAY, and TCP_QUICKACK is set before each read; without both a card costs ~48 ms per
// APDU on loopback instead of ~0.1 ms.
//
// Control (line protocol on 127.0.0.1:<control port>, one reply line each):
//   remove                    pull the card now (close the link)
//   insert                    put it back (connect again)
//   tear before|after [INS]   at the next APDU (with that INS, hex), pull the card before the
//                             card processes it, or after processing but before answering
//   forge mac2                a counterfeit card, once: the next DEBIT FOR PURCHASE (INS 54) is
//                             not given to the card OS but answered 9000 with a made-up TAC and
//                             MAC2 (nothing debited, no proof kept; a terminal's PSAM refuses it)
//   status                    "ok present|removed apdus=N"
//   quit                      stop the emulator
//
// Threading: run() owns the loop; stop() may be called from any thread or a signal handler.
#pragma once

#include "hc/emu/card_os.hpp"

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

namespace hc::emu {

/** Where the emulator connects and listens. */
struct EmulatorOptions {
    std::string vpcdHost = "127.0.0.1";
    std::uint16_t vpcdPort = 35963;
    /** TCP port on 127.0.0.1 for control commands; none = no control channel. */
    std::optional<std::uint16_t> controlPort;
    /** Log one line per APDU (INS and SW only, never data). */
    bool verbose = false;
};

/** The vpcd card side. */
class Emulator {
public:
    Emulator(CardOs& os, EmulatorOptions options);
    ~Emulator();
    Emulator(const Emulator&) = delete;
    Emulator& operator=(const Emulator&) = delete;

    /** Runs until stop() or a "quit" command. Reconnects when vpcd goes away and comes back. */
    void run();
    /** Ends run() (async-signal-safe). */
    void stop();
    /** The control port actually bound (useful when 0 was asked for). */
    std::uint16_t controlPort() const { return m_boundControlPort; }

private:
    enum class Tear { None, Before, After };
    bool connectVpcd();
    bool waitConnected(int fd);
    void disconnectVpcd();
    bool handleVpcdFrame();
    std::string handleControl(const std::string& line);
    void sendFrame(hc::ByteView payload);

    CardOs& m_os;
    EmulatorOptions m_options;
    int m_vpcd = -1;
    int m_controlListen = -1;
    int m_wake[2] = { -1, -1 };
    std::uint16_t m_boundControlPort = 0;
    bool m_inserted = true;
    bool m_quit = false;
    Tear m_tear = Tear::None;
    std::optional<std::uint8_t> m_tearIns;
    bool m_forgeMac2 = false;
};

} // namespace hc::emu
