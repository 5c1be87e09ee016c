// FramedDispenser: CardDispenser over the documented frame protocol (frame.hpp,
// docs/dispenser.md) on TCP ("tcp:HOST:PORT", e.g. dispenser-sim) or a serial line (a device
// path, "/dev/ttyUSB0": raw 9600 8N1). One connection per command: the device may restart
// between calls. Commands are ST (status), MI (move to IC), EJ (eject), CP (capture); a reply is
// "OK <status>" or "ER <CODE> <status>" (parseReply). Real CRT-591 / K720 dispensers speak their
// vendor protocols; a site with one writes another CardDispenser (docs/dispenser.md).
//
// Threading: one thread at a time per object.
#pragma once

#include "hc/dispenser/card_dispenser.hpp"
#include "hc/dispenser/error.hpp"

#include <chrono>
#include <map>
#include <string>
#include <string_view>

namespace hc::dispenser {

/** One device reply. */
struct DispenserReply {
    bool ok = false; ///< "OK" (the command was done) or "ER" (refused)
    std::string code; ///< the ER code ("EMPTY", "JAM", "BINFULL", "NOCARD", "BUSY", ...); "" on OK
    DispenserStatus status; ///< the status after the command
    std::map<std::string, std::string> extra; ///< other K=V tokens (the simulator's IMG=path)
};

/** Parses a reply payload: "OK " then the status tokens, or "ER " CODE (1..16 upper-case
 * letters) " " then the status tokens (parseStatus). Throws DispenserProtocolError. */
DispenserReply parseReply(std::string_view payload);

/** The fault of an ER code (Rejected for one this driver does not know). */
DispenserFault faultOfCode(std::string_view code);

/** The protocol driver. */
class FramedDispenser final : public CardDispenser {
public:
    /** `address` is "tcp:HOST:PORT" or a serial device path; `timeout` bounds each command
     * (connect, write, the whole reply). Throws hc::InputError on a malformed address. */
    explicit FramedDispenser(
        std::string address, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    DispenserStatus status() override;
    DispenserStatus moveToIc() override;
    DispenserStatus eject() override;
    DispenserStatus capture() override;
    std::string address() const override { return m_address; }
    /**
     * Sends one command payload and returns the parsed reply, OK or ER, without turning ER into
     * an exception (the simulator's own commands XT, XJ, XS go through here in tests). Throws
     * DispenserUnavailable or DispenserProtocolError.
     */
    DispenserReply command(std::string_view payload);

private:
    DispenserStatus move(std::string_view payload, const char* what);
    int open() const;
    std::string m_address;
    std::string m_host;
    unsigned short m_port = 0;
    std::chrono::milliseconds m_timeout;
};

} // namespace hc::dispenser
