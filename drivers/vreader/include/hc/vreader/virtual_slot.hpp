// One slot of the virtual reader: a TCP listening socket the emulator (hcemu) connects to, and
// the connection while it lasts. Connected = card inserted; the connection closing (hcemu
// "remove", hcemu killed, a broken frame) = card removed.
//
// Threading: every public member may be called from any thread. pcscd calls waitForEvent() from
// its event thread without holding its reader lock, concurrently with present()/powerUp()/
// transmit() from other threads; an internal mutex serialises the socket I/O, and waitForEvent()
// holds it only to pick the descriptor to wait on. stop() wakes a waitForEvent() in progress.
#pragma once

#include "hc/card/error.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace hc::vreader {

/** The slot could not be set up (the port is taken, the address is not IPv4). Next step: fix the
 * reader configuration (DEVICENAME / CHANNELID) or free the port. */
class VreaderError : public hc::Error {
public:
    /** An error with its message; the next step is CheckConfiguration. */
    explicit VreaderError(std::string message)
        : hc::Error(std::move(message), hc::NextStep::CheckConfiguration) { }
};

/** Severity of a log line. */
enum class LogLevel { Debug, Info, Error };

/** Where log lines go (pcscd's log in the driver; a vector in tests). Lines never hold APDU
 * bodies: only lengths, the port and what went wrong. */
using LogSink = std::function<void(LogLevel, const std::string&)>;

/** How a slot is set up. */
struct SlotOptions {
    std::string bindAddress = "127.0.0.1"; ///< IPv4 address to listen on
    std::uint16_t port = 0; ///< TCP port; 0 picks a free one (tests), see VirtualSlot::port()
    /** How long to wait for each answer of the emulator before calling the card gone. */
    std::chrono::milliseconds responseTimeout { 10000 };
};

/** Outcome of a card operation. */
enum class SlotResult {
    Ok,
    NoCard, ///< no emulator connected
    CommunicationError, ///< the emulator broke the protocol or went away: it is disconnected
    BufferTooSmall, ///< the R-APDU is larger than the caller's buffer (the link stays up)
    BadCommand, ///< the C-APDU is shorter than 4 or longer than 65535 bytes (nothing was sent)
};

/** What ended a waitForEvent(). */
enum class Wake {
    Event, ///< an emulator is connecting, the connection closed, or the state changed: re-check
    Timeout, ///< nothing happened within the timeout
    Stopped, ///< stop() was called
};

/** One virtual reader slot. Not copyable: owns its sockets. */
class VirtualSlot {
public:
    /** Listens on options.bindAddress:options.port (SO_REUSEADDR, so a port in TIME_WAIT after
     * an earlier pcscd is taken at once). Throws VreaderError when that fails. */
    VirtualSlot(SlotOptions options, LogSink log);
    ~VirtualSlot();
    VirtualSlot(const VirtualSlot&) = delete;
    VirtualSlot& operator=(const VirtualSlot&) = delete;

    /** The port listened on. */
    std::uint16_t port() const { return m_port; }

    /** True while an emulator is connected. Accepts a pending connection; finds a closed one
     * (end of stream, error, or unsolicited bytes) and drops it. Sends nothing to the emulator. */
    bool present();

    /** Power on, then get the ATR (checked with checkAtr). On Ok `atr` holds it. */
    SlotResult powerUp(std::vector<std::uint8_t>& atr);
    /** Warm reset, then get the ATR. */
    SlotResult reset(std::vector<std::uint8_t>& atr);
    /** Power off (no answer expected). */
    SlotResult powerDown();
    /** The ATR of the last power up or reset; empty when unpowered or absent. */
    std::vector<std::uint8_t> atr() const;

    /** Sends a C-APDU and reads the R-APDU into `response` (2..`capacity` bytes). */
    SlotResult transmit(std::span<const std::uint8_t> command, std::vector<std::uint8_t>& response,
        std::size_t capacity);

    /** Blocks until an emulator connects (when none is), the connection closes (when one is),
     * another thread changes the state, stop() is called, or `timeout` passes. A negative
     * timeout waits without limit. Does not accept or read: present() does that. */
    Wake waitForEvent(std::chrono::milliseconds timeout);

    /** Makes the current and every later waitForEvent() return Stopped at once. */
    void stop();

private:
    void acceptLocked();
    bool aliveLocked();
    void dropLocked(const std::string& why);
    void signalLocked();
    bool sendLocked(std::span<const std::uint8_t> frame);
    bool readFrameLocked(std::size_t maxPayload, std::vector<std::uint8_t>& payload);
    SlotResult powerLocked(bool reset, std::vector<std::uint8_t>& atr);
    void log(LogLevel level, const std::string& line) const;

    SlotOptions m_options;
    LogSink m_log;
    mutable std::mutex m_mutex;
    int m_listen = -1;
    int m_conn = -1;
    int m_wake = -1; ///< eventfd: written on every state change and by stop()
    bool m_stopped = false;
    std::uint16_t m_port = 0;
    std::vector<std::uint8_t> m_atr;
};

} // namespace hc::vreader
