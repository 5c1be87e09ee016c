#include "hc/pcsc/error.hpp"

#include "scard_call.hpp"

#include <cstdio>

namespace hc::pcsc {

PcscError::PcscError(
    std::string function, std::uint32_t code, std::string reader, std::string what, NextStep next)
    : hc::Error(std::move(what), next)
    , m_function(std::move(function))
    , m_code(code)
    , m_reader(std::move(reader)) {
}

std::string pcscCodeName(std::uint32_t code) {
    switch (static_cast<LONG>(code)) {
#define HC_CODE(c)                                                                                 \
    case c:                                                                                        \
        return #c;
        HC_CODE(SCARD_S_SUCCESS)
        HC_CODE(SCARD_E_CANCELLED)
        HC_CODE(SCARD_E_INVALID_HANDLE)
        HC_CODE(SCARD_E_INVALID_PARAMETER)
        HC_CODE(SCARD_E_INVALID_VALUE)
        HC_CODE(SCARD_E_NO_MEMORY)
        HC_CODE(SCARD_E_INSUFFICIENT_BUFFER)
        HC_CODE(SCARD_E_UNKNOWN_READER)
        HC_CODE(SCARD_E_TIMEOUT)
        HC_CODE(SCARD_E_SHARING_VIOLATION)
        HC_CODE(SCARD_E_NO_SMARTCARD)
        HC_CODE(SCARD_E_PROTO_MISMATCH)
        HC_CODE(SCARD_E_NOT_READY)
        HC_CODE(SCARD_E_SYSTEM_CANCELLED)
        HC_CODE(SCARD_E_NOT_TRANSACTED)
        HC_CODE(SCARD_E_READER_UNAVAILABLE)
        HC_CODE(SCARD_E_NO_SERVICE)
        HC_CODE(SCARD_E_SERVICE_STOPPED)
        HC_CODE(SCARD_E_NO_READERS_AVAILABLE)
        HC_CODE(SCARD_E_UNSUPPORTED_FEATURE)
        HC_CODE(SCARD_F_COMM_ERROR)
        HC_CODE(SCARD_F_INTERNAL_ERROR)
        HC_CODE(SCARD_F_UNKNOWN_ERROR)
        HC_CODE(SCARD_W_UNSUPPORTED_CARD)
        HC_CODE(SCARD_W_UNRESPONSIVE_CARD)
        HC_CODE(SCARD_W_UNPOWERED_CARD)
        HC_CODE(SCARD_W_RESET_CARD)
        HC_CODE(SCARD_W_REMOVED_CARD)
#undef HC_CODE
    default: {
        char buf[16];
        std::snprintf(buf, sizeof buf, "0x%08X", code);
        return buf;
    }
    }
}

namespace detail {

void throwPcscError(const char* function, LONG code, const std::string& reader) {
    const auto ucode = static_cast<std::uint32_t>(code);
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08X", ucode);
    const std::string where = reader.empty() ? std::string() : " on reader \"" + reader + "\"";
    const std::string base
        = std::string(function) + " returned " + pcscCodeName(ucode) + " (" + hex + ")" + where;
    switch (code) {
    case SCARD_E_NO_SERVICE:
    case SCARD_E_SERVICE_STOPPED:
        throw ServiceUnavailable(function, ucode, reader,
            base + ": the PC/SC service (pcscd) is not running; start it and retry",
            NextStep::CheckConfiguration);
    case SCARD_E_NO_READERS_AVAILABLE:
        throw NoReaders(function, ucode, reader, base + ": no card reader is attached",
            NextStep::CheckConfiguration);
    case SCARD_E_UNKNOWN_READER:
    case SCARD_E_READER_UNAVAILABLE:
        throw ReaderUnavailable(function, ucode, reader,
            base + ": the reader is not available; check that it is plugged in",
            NextStep::CheckConfiguration);
    case SCARD_E_NO_SMARTCARD:
        throw NoCard(function, ucode, reader, base + ": no card in the reader; insert the card",
            NextStep::ReinsertCard);
    case SCARD_W_REMOVED_CARD:
    case SCARD_W_UNPOWERED_CARD:
    case SCARD_W_UNRESPONSIVE_CARD:
        throw CardRemoved(function, ucode, reader,
            base + ": the card was removed or does not respond; insert the card again",
            NextStep::ReinsertCard);
    case SCARD_W_RESET_CARD:
        throw CardReset(function, ucode, reader,
            base + ": the card was reset by another application; select the application again",
            NextStep::ReselectApplication);
    case SCARD_E_SHARING_VIOLATION:
        throw SharingViolation(function, ucode, reader,
            base + ": another application is using the card; retry in a moment", NextStep::Retry);
    case SCARD_E_CANCELLED:
    case SCARD_E_TIMEOUT:
        throw Cancelled(function, ucode, reader, base + ": the wait was cancelled or timed out",
            NextStep::Retry);
    default:
        throw CommunicationError(function, ucode, reader,
            base + ": communication with the card failed; retry, and call staff if it persists",
            NextStep::Retry);
    }
}

} // namespace detail
} // namespace hc::pcsc
