// Errors from the PC/SC layer. Every failure names the PC/SC function, its return code and the
// reader, and its class says what the application should do: CardRemoved → ask for the card,
// CardReset → select the application again, ServiceUnavailable → start pcscd, and so on.
#pragma once

#include "hc/card/error.hpp"

#include <cstdint>
#include <string>

namespace hc::pcsc {

/** Any PC/SC failure. */
class PcscError : public hc::Error {
public:
    PcscError(std::string function, std::uint32_t code, std::string reader, std::string what,
        NextStep next);
    /** The pcsc-lite function that failed, e.g. "SCardTransmit". */
    const std::string& function() const { return m_function; }
    /** The raw PC/SC return code (SCARD_E_..., SCARD_W_...). */
    std::uint32_t code() const { return m_code; }
    /** The reader involved; empty for context-level calls. */
    const std::string& reader() const { return m_reader; }

private:
    std::string m_function;
    std::uint32_t m_code;
    std::string m_reader;
};

/** pcscd is not running or went away. Start pcscd (or check its socket) and retry. */
class ServiceUnavailable : public PcscError {
    using PcscError::PcscError;
};
/** No reader is attached. */
class NoReaders : public PcscError {
    using PcscError::PcscError;
};
/** The named reader does not exist (any more). */
class ReaderUnavailable : public PcscError {
    using PcscError::PcscError;
};
/** No card in the reader at connect time. */
class NoCard : public PcscError {
    using PcscError::PcscError;
};
/** The card was pulled (or lost power) during or before the command: ask for the card again.
 * The outcome of a command whose response was lost is unknown. */
class CardRemoved : public PcscError {
    using PcscError::PcscError;
};
/** Another application reset the card. The handle was reconnected; the card's volatile state
 * (selected file, PIN and key authentication, SM session) is gone: select and authenticate again,
 * then repeat the command. */
class CardReset : public PcscError {
    using PcscError::PcscError;
};
/** Another application holds the card exclusively. Retry later. */
class SharingViolation : public PcscError {
    using PcscError::PcscError;
};
/** A wait was cancelled (SCardCancel) or timed out. */
class Cancelled : public PcscError {
    using PcscError::PcscError;
};
/** Card or reader protocol failure with the card still present. Retry; call staff if it persists.
 */
class CommunicationError : public PcscError {
    using PcscError::PcscError;
};

/** Readable name of a PC/SC code ("SCARD_W_REMOVED_CARD"). */
std::string pcscCodeName(std::uint32_t code);

} // namespace hc::pcsc
