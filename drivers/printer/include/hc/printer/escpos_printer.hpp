// EscPosPrinter: sends ESC/POS jobs over a Transport and asks the printer for its state with
// DLE EOT 1-4. Blocking (network/serial I/O bounded by the transport's timeout): keep it off a UI
// thread. One thread at a time per printer.
//
// The kiosk calls status() BEFORE charging a patient for anything that ends in a receipt, and
// refuses (or offers "no receipt") when status().canPrint() is false.
#pragma once

#include "hc/printer/escpos_job.hpp"
#include "hc/printer/printer_status.hpp"
#include "hc/printer/transport.hpp"

namespace hc::printer {

/** An ESC/POS receipt printer behind a transport. */
class EscPosPrinter {
public:
    /** Takes ownership of the transport. `statusTimeout` bounds the wait for each DLE EOT reply. */
    explicit EscPosPrinter(TransportPtr transport,
        std::chrono::milliseconds statusTimeout = std::chrono::milliseconds(1000));

    /** Queries DLE EOT 1, 2, 3, 4 on a fresh connection. Never throws for an unreachable or
     * silent printer: that is reported as an offline Error status. */
    PrinterStatus status();

    /** Sends the job (open, write, close). Throws PrinterUnavailable on transport failure. */
    void print(const EscPosJob& job);

    /** status() first; throws PrinterNotReady when it is Error, else prints. Returns the status
     * seen (Warning when the paper is near its end). */
    PrinterStatus printChecked(const EscPosJob& job);

    /** The transport's description. */
    std::string describe() const { return m_transport->describe(); }

private:
    TransportPtr m_transport;
    std::chrono::milliseconds m_statusTimeout;
};

} // namespace hc::printer
