// Transport: how ESC/POS bytes reach a printer (TCP 9100, a serial port, a file). An instance is
// used by one thread at a time; every call blocks for at most the transport's timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace hc::printer {

/** A byte channel to a printer. Failures throw PrinterUnavailable. */
class Transport {
public:
    virtual ~Transport() = default;
    /** Opens the channel (connect, open the device or file). Idempotent. */
    virtual void open() = 0;
    /** Closes the channel. Never throws. */
    virtual void close() noexcept = 0;
    /** Writes all bytes (blocks up to the timeout). */
    virtual void write(std::span<const std::uint8_t> bytes) = 0;
    /** Reads up to out.size() bytes, waiting at most `timeout` for the first; 0 on timeout. */
    virtual std::size_t read(std::span<std::uint8_t> out, std::chrono::milliseconds timeout) = 0;
    /** False when the printer cannot answer (a file): status queries are skipped. */
    virtual bool canReadStatus() const = 0;
    /** "tcp 127.0.0.1:9100", "serial /dev/ttyS0 115200", "file /tmp/x.bin". */
    virtual std::string describe() const = 0;
};

/** Owning pointer to a transport. */
using TransportPtr = std::unique_ptr<Transport>;

} // namespace hc::printer
