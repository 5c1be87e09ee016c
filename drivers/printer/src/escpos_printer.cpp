#include "hc/printer/escpos_printer.hpp"

#include "hc/printer/error.hpp"

#include <array>
#include <optional>

namespace hc::printer {

EscPosPrinter::EscPosPrinter(TransportPtr transport, std::chrono::milliseconds statusTimeout)
    : m_transport(std::move(transport))
    , m_statusTimeout(statusTimeout) {
}

PrinterStatus EscPosPrinter::status() {
    if (!m_transport->canReadStatus()) {
        PrinterStatus s;
        s.reported = false;
        s.message = "status not available on " + m_transport->describe();
        return s;
    }
    std::array<std::optional<std::uint8_t>, 4> replies;
    try {
        m_transport->open();
        for (std::uint8_t n = 1; n <= 4; ++n) {
            const std::array<std::uint8_t, 3> query { 0x10, 0x04, n };
            m_transport->write(query);
            std::array<std::uint8_t, 1> reply {};
            if (m_transport->read(reply, m_statusTimeout) == 0) {
                m_transport->close();
                if (n == 1) {
                    return PrinterStatus::offline("no answer to DLE EOT 1 within "
                        + std::to_string(m_statusTimeout.count()) + " ms");
                }
                break; // older printers answer DLE EOT 1 only: use what we have
            }
            replies[n - 1U] = reply[0];
        }
        m_transport->close();
    } catch (const PrinterUnavailable& e) {
        m_transport->close();
        return PrinterStatus::offline(e.what());
    }
    return PrinterStatus::fromDleEot(replies[0], replies[1], replies[2], replies[3]);
}

void EscPosPrinter::print(const EscPosJob& job) {
    try {
        m_transport->open();
        m_transport->write(job.bytes());
        m_transport->close();
    } catch (...) {
        m_transport->close();
        throw;
    }
}

PrinterStatus EscPosPrinter::printChecked(const EscPosJob& job) {
    auto s = status();
    if (!s.canPrint()) {
        throw PrinterNotReady(s);
    }
    print(job);
    return s;
}

} // namespace hc::printer
