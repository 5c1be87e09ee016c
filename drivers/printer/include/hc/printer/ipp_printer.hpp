// IppPrinter: an A4 printer (laser or inkjet) reached over IPP, for lab reports in PDF.
//
// The kiosk asks status() BEFORE it charges a patient for a report (paper out, jam, door open
// and offline all mean "do not charge"), then print()s the PDF once and follows the job until
// the printer says completed, aborted or canceled. If the printer stops answering while the job
// runs, or the job does not finish within the timeout, the outcome is Unknown: the report may or
// may not be on paper, so the kiosk must neither reprint nor refund blind (call staff, who look
// at the tray and allow a reprint).
//
// Uses libcups' IPP client (ipp_t requests over http_t); model: Chromium's
// printing/backend/cups_jobs.h (RFC 8011 job states, printer-state-reasons).
//
// Threading: an IppPrinter is used by one thread at a time. Every call blocks on the network
// (status() for at most the connect/request timeout, print() for at most the job timeout plus
// one request): keep it off the UI thread.
#pragma once

#include "hc/card/error.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace hc::printer {

/** What an IPP printer's printer-state and printer-state-reasons amount to for the kiosk. */
enum class IppPrinterState {
    Ready, ///< idle or processing, no error reason: a report can be printed
    MediaEmpty, ///< media-empty / media-needed: no paper (call staff)
    MediaJam, ///< media-jam: paper jammed (call staff)
    DoorOpen, ///< door-open / cover-open / input-tray-missing (call staff)
    Offline, ///< no answer, or an offline / shutdown reason (retry, then call staff)
    Other, ///< another *-error reason (toner-empty, ...) or stopped for no known reason
};

/** Readable name of a state ("ready", "media-empty", "media-jam", "door-open", "offline",
 * "other"). */
const char* describe(IppPrinterState state);

/** A printer's state as Get-Printer-Attributes reported it (or Offline when it did not). */
struct IppPrinterStatus {
    /** The state the kiosk acts on. */
    IppPrinterState state = IppPrinterState::Offline;
    /** printer-state: "idle", "processing", "stopped" ("" when the printer did not answer). */
    std::string printerState;
    /** The raw printer-state-reasons keywords ("none", "media-empty-error", ...). */
    std::vector<std::string> reasons;
    /** printer-state-message, or why the printer could not be reached. */
    std::string message;
    /** True only for Ready: anything else means do not charge for a report. */
    bool canPrint() const { return state == IppPrinterState::Ready; }
    /** What to do when canPrint() is false: CallStaff for paper, jam, door, other; Retry for
     * Offline. */
    hc::NextStep nextStep() const;

    /** Reduces printer-state ("idle", "processing", "stopped") and printer-state-reasons to a
     * state. A reason counts by its keyword without the severity suffix (-error, -warning,
     * -report), because printers differ: ippeveprinter reports a jam as media-jam-warning while
     * processing and media-jam-report when idle. media-empty / media-needed → MediaEmpty,
     * media-jam → MediaJam, door-open / cover-open / interlock-open / input-tray-missing →
     * DoorOpen, offline / shutdown → Offline, in any severity; any other reason only with
     * -error (or a stopped printer) → Other; media-low-warning and the like do not stop
     * printing. */
    static IppPrinterStatus fromAttributes(
        std::string printerState, std::vector<std::string> reasons, std::string message);
};

/** RFC 8011 job-state, plus Unknown: the job was submitted but its end was not seen. */
enum class IppJobState {
    Pending,
    Held,
    Processing,
    Stopped,
    Canceled,
    Aborted,
    Completed,
    Unknown
};

/** Readable name ("pending", ..., "completed", "unknown"). */
const char* describe(IppJobState state);

/** The end of a submitted job. */
struct IppJobResult {
    /** job-id the printer assigned. */
    int jobId = 0;
    /** Completed, Aborted, Canceled, or Unknown (timeout, printer lost while following). */
    IppJobState state = IppJobState::Unknown;
    /** The last job-state-reasons seen ("job-completed-successfully", "aborted-by-system"). */
    std::vector<std::string> reasons;
    /** The printer's state when the job ended (a jam shows here), if it could be read. */
    std::optional<IppPrinterStatus> printer;
    /** A short English summary for logs and the journal. */
    std::string message;
    /** True when the printer said completed. */
    bool completed() const { return state == IppJobState::Completed; }
    /** What to do unless completed(): CallStaff for Unknown (do not reprint or refund blind) and
     * for an abort with paper, jam or door reasons; Retry for other aborts and cancels (and,
     * meaninglessly, for a completed job). */
    hc::NextStep nextStep() const;
};

/** Timeouts of an IppPrinter. */
struct IppPrinterOptions {
    /** Connecting and each IPP request. */
    std::chrono::milliseconds requestTimeout { 5000 };
    /** From Print-Job to a terminal job state; after it the outcome is Unknown. */
    std::chrono::milliseconds jobTimeout { 60000 };
    /** Between two Get-Job-Attributes while following a job. */
    std::chrono::milliseconds pollInterval { 200 };
};

/** The printer could not be asked to print (unreachable, refused the job, bad reply) and NO job
 * was created: nothing is on paper. Retry, or CheckConfiguration for a wrong URI. */
class IppError : public hc::Error {
public:
    /** An error; `ippStatus` is the IPP status code of the reply, 0 when there was none. */
    IppError(std::string message, hc::NextStep next, int ippStatus = 0)
        : hc::Error(std::move(message), next)
        , m_ippStatus(ippStatus) { }
    /** The IPP status code (0x0400 client-error-bad-request, ...), 0 without a reply. */
    int ippStatus() const { return m_ippStatus; }

private:
    int m_ippStatus;
};

/** print() found the printer not ready (paper out, jam, door open, offline) and did not submit
 * the job. NextStep from the status: CallStaff, or Retry when offline. */
class IppPrinterNotReady : public hc::Error {
public:
    /** The status that stopped printing. */
    explicit IppPrinterNotReady(IppPrinterStatus status);
    /** The printer's status. */
    const IppPrinterStatus& status() const { return m_status; }

private:
    IppPrinterStatus m_status;
};

/** printChecked() saw the job end other than completed: aborted or canceled (nothing or part of
 * the report on paper), or Unknown (the report may be on paper: never reprint or refund blind).
 * NextStep from IppJobResult::nextStep(). */
class IppJobFailed : public hc::Error {
public:
    /** The job's end. */
    explicit IppJobFailed(IppJobResult result);
    /** The job as last seen (job id, state, reasons, printer status). */
    const IppJobResult& result() const { return m_result; }
    /** True when the outcome is Unknown (journal it as UNKNOWN, not FAILED). */
    bool outcomeUnknown() const { return m_result.state == IppJobState::Unknown; }

private:
    IppJobResult m_result;
};

/** Parses a raw IPP Get-Printer-Attributes reply (the HTTP body) into a status; a reply that
 * does not parse, or has an error status, gives Offline with the reason in message. Used by
 * IppPrinter, exposed for tests and the ipp_reply fuzz target. Never throws. */
IppPrinterStatus parsePrinterAttributesReply(std::span<const std::uint8_t> reply);

/** Parses a raw IPP Get-Job-Attributes reply into a job result (state Unknown when the reply
 * does not parse, has an error status or lacks job-state). Never throws. */
IppJobResult parseJobAttributesReply(std::span<const std::uint8_t> reply);

/** An IPP printer at a URI ("ipp://127.0.0.1:8631/ipp/print"). */
class IppPrinter {
public:
    /** A printer at `uri` (ipp:// or ipps://). Nothing is sent until the first call; a URI that
     * does not parse throws IppError (CheckConfiguration). */
    explicit IppPrinter(std::string uri, IppPrinterOptions options = {});

    /** The printer URI. */
    const std::string& uri() const { return m_uri; }

    /** Get-Printer-Attributes (printer-state, printer-state-reasons, printer-state-message).
     * Never throws for a printer that cannot be reached: that is state Offline, with the reason
     * in message. */
    IppPrinterStatus status() const;

    /** Checks status() (throws IppPrinterNotReady unless Ready), sends Print-Job with the PDF
     * (document-format application/pdf, job-name, requesting-user-name) and follows the job with
     * Get-Job-Attributes until completed, aborted or canceled, or until the job timeout, which
     * gives Unknown. Throws IppError when no job was created (nothing printed). */
    IppJobResult print(std::span<const std::uint8_t> pdf, const std::string& jobName,
        const std::string& requestingUser) const;

    /** print(), then throws IppJobFailed unless the job completed: for a caller that treats
     * anything but a printed report as an error (the journal still needs outcomeUnknown()). */
    IppJobResult printChecked(std::span<const std::uint8_t> pdf, const std::string& jobName,
        const std::string& requestingUser) const;

    /** Get-Job-Attributes of one job (e.g. a job from before a restart, found in the journal):
     * its current state (Unknown when the printer cannot be asked or forgot the job). */
    IppJobResult jobState(int jobId) const;

private:
    std::string m_uri;
    IppPrinterOptions m_options;
    std::string m_host;
    int m_port = 631;
    std::string m_resource;
    bool m_tls = false;
};

} // namespace hc::printer
