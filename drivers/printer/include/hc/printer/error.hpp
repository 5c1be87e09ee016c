// Errors of the receipt-printer driver. Each says what the kiosk should do next: fix the text
// (EncodingError), retry or call staff (PrinterUnavailable), refill paper or close the cover
// before charging anyone (PrinterNotReady).
#pragma once

#include "hc/card/error.hpp"
#include "hc/printer/printer_status.hpp"

#include <string>

namespace hc::printer {

/** Text that cannot be printed: invalid UTF-8, a control character, or a character GBK lacks. */
class EncodingError : public hc::InputError {
public:
    /** `character` is the offending character in UTF-8 (empty for invalid UTF-8). */
    EncodingError(std::string message, std::string character, std::size_t index);
    /** The character that could not be encoded, in UTF-8 ("" for invalid UTF-8). */
    const std::string& character() const { return m_character; }
    /** Its position in the text, counted in characters (code points) from 0. */
    std::size_t index() const { return m_index; }

private:
    std::string m_character;
    std::size_t m_index;
};

/** The printer could not be reached or stopped answering (connect, write or read failed). */
class PrinterUnavailable : public hc::Error {
public:
    /** An unreachable printer; the message names the transport and the system error. */
    explicit PrinterUnavailable(std::string message)
        : hc::Error(std::move(message), NextStep::Retry) { }
};

/** The printer answered but cannot print now (paper out, cover open, cutter error, offline). */
class PrinterNotReady : public hc::Error {
public:
    /** The status that made printing impossible. */
    explicit PrinterNotReady(PrinterStatus status);
    /** The status the printer reported. */
    const PrinterStatus& status() const { return m_status; }

private:
    PrinterStatus m_status;
};

} // namespace hc::printer
