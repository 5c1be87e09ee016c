// IPP replies (drivers/printer, links hc_printer): the bytes a report printer sends back to
// Get-Printer-Attributes and Get-Job-Attributes, parsed by libcups' ippReadIO and reduced by our
// code to a printer status and a job result. Invariants: parsing never throws or reads out of
// bounds; a reply that is not a complete, successful IPP message is never Ready nor finished
// (Offline / Unknown); a Ready status has a printer-state; the status's reasons are the reply's.
#include "hc/printer/ipp_printer.hpp"

#include <cstdint>
#include <cstdlib>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> reply(data, size);
    const hc::printer::IppPrinterStatus status = hc::printer::parsePrinterAttributesReply(reply);
    if (status.canPrint() && status.printerState.empty()) {
        std::abort();
    }
    if (status.state == hc::printer::IppPrinterState::Ready && size < 8) {
        std::abort(); // no IPP message is shorter than its 8-byte header
    }
    (void)status.nextStep();
    (void)hc::printer::describe(status.state);

    const hc::printer::IppJobResult job = hc::printer::parseJobAttributesReply(reply);
    if (size < 8 && job.state != hc::printer::IppJobState::Unknown) {
        std::abort();
    }
    (void)job.nextStep();
    (void)hc::printer::describe(job.state);
    return 0;
}
