// PinMailer: delivers a card's initial PIN (and PUK) to its holder, the one place a generated PIN
// leaves the personalization engine. EscPosPinMailer prints a sealed-slip letter on an ESC/POS
// printer (TCP 9100, serial or file; hc/printer/transport_spec.hpp); a site with a laser PIN-mailer
// printer adds its own PinMailer.
//
// How the batch uses it (BatchRunner, PersoCardWriter):
//   - before each card is claimed, checkReady(): a printer out of paper, with its cover open or
//     unreachable stops the reader's worker (PinMailerError, NextStep::CallStaff) before a card is
//     written, so no PIN is generated that cannot be printed;
//   - right after the card is written, deliver() with the PIN the engine returned; the writer
//     wipes the PIN afterwards whatever happened;
//   - a delivery that fails after the card was written leaves the card issued, notes
//     "pin_undelivered" in the register and stops the worker: that card needs an issuer PIN reset
//     (`hcperso pin-reset`) before it is handed out.
// The PIN and PUK are never logged, never stored, and never part of an exception's text.
//
// Threading: deliver() and checkReady() may be called from every worker; an implementation
// serializes its printer (EscPosPinMailer holds a mutex).
#pragma once

#include "hc/card/error.hpp"
#include "hc/printer/escpos_printer.hpp"

#include <mutex>
#include <string>

namespace hc::issuance {

/** What one letter carries. The PIN and PUK are wiped when the letter is destroyed. */
struct PinLetter {
    std::string cardNo; ///< 18-digit card number (printed masked: first 6 and last 4)
    std::string name; ///< the holder's name, as on the card
    std::string address; ///< postal address ("" when the register has none)
    std::string issuerName; ///< the issuing center
    std::string batch; ///< batch id, for the operator who sorts the letters
    std::string pin; ///< initial PIN (digits)
    std::string puk; ///< PUK ("" when the card has none)

    PinLetter() = default;
    PinLetter(const PinLetter&) = delete;
    PinLetter& operator=(const PinLetter&) = delete;
    ~PinLetter();
};

/** The letter could not be printed. Never contains the PIN. */
class PinMailerError : public hc::Error {
public:
    /** `message` names the printer and the problem. */
    explicit PinMailerError(std::string message)
        : Error(std::move(message), NextStep::CallStaff) { }
};

/** Delivers PIN letters. */
class PinMailer {
public:
    virtual ~PinMailer() = default;
    /** Throws PinMailerError when a letter could not be printed now (paper, cover, offline). */
    virtual void checkReady() = 0;
    /** Prints the letter. Throws PinMailerError. */
    virtual void deliver(const PinLetter& letter) = 0;
    /** "escpos tcp 127.0.0.1:9100", for messages. */
    virtual std::string describe() const = 0;
};

/** A PIN slip on an ESC/POS printer: GBK text, the PIN large between blank bands, a full cut. */
class EscPosPinMailer final : public PinMailer {
public:
    /** Takes the printer's transport (hc::printer::makeTransport). */
    explicit EscPosPinMailer(hc::printer::TransportPtr transport);

    void checkReady() override;
    void deliver(const PinLetter& letter) override;
    std::string describe() const override;

    /** The ESC/POS job for `letter` (exposed for tests; contains the PIN: wipe or drop it). */
    static hc::printer::EscPosJob render(const PinLetter& letter);

private:
    std::mutex m_mutex;
    hc::printer::EscPosPrinter m_printer;
};

/** "110100********1234": the first 6 and the last 4 digits of a card number. */
std::string maskCardNumberForLetter(const std::string& cardNo);

} // namespace hc::issuance
