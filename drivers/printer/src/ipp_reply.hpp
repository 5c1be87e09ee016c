// Internal: IPP replies (libcups ipp_t) reduced to IppPrinterStatus / IppJobResult, shared by the
// client (ipp_printer.cpp) and the raw-reply parsers (ipp_reply.cpp). Not installed.
#pragma once

#include "hc/printer/ipp_printer.hpp"

#include <cups/ipp.h>
#include <memory>
#include <span>

namespace hc::printer::detail {

/** Owns an ipp_t. */
struct IppDeleter {
    void operator()(ipp_t* ipp) const { ippDelete(ipp); }
};
using IppPtr = std::unique_ptr<ipp_t, IppDeleter>;

/** Reads one IPP message from bytes; nullptr when it does not parse. */
IppPtr readIpp(std::span<const std::uint8_t> bytes);

/** printer-state, printer-state-reasons, printer-state-message of a reply (nullptr: Offline). */
IppPrinterStatus statusFromReply(ipp_t* reply, const char* noReplyWhy);

/** job-id, job-state, job-state-reasons, job-state-message of a reply (nullptr: Unknown). */
IppJobResult jobFromReply(ipp_t* reply, const char* noReplyWhy);

} // namespace hc::printer::detail
