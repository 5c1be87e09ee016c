// PrinterStatus: what a receipt printer reports through DLE EOT 1 (printer), 2 (offline cause),
// 3 (error cause) and 4 (roll paper sensor), reduced to one level the kiosk checks before it
// charges a patient: Ok, Warning (paper near end) or Error (paper out, cover open, cutter,
// offline, other error). Plain value; thread-safe to copy.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace hc::printer {

/** Severity of a printer status (after e-kiosk's OK / Warning / Error split). */
enum class StatusLevel { Ok, Warning, Error };

/** Readable name of a level ("ok", "warning", "error"). */
const char* describe(StatusLevel level);

/** A printer's state as reported by DLE EOT. */
struct PrinterStatus {
    /** Ok, Warning or Error; Error means do not charge for anything that needs this printer. */
    StatusLevel level = StatusLevel::Ok;
    /** DLE EOT 1 bit 3 clear, and the printer answered at all. */
    bool online = true;
    /** DLE EOT 2 bit 2. */
    bool coverOpen = false;
    /** DLE EOT 4 bits 2-3: the roll is nearly used up (print, but call staff soon). */
    bool paperNearEnd = false;
    /** DLE EOT 4 bits 5-6 (or DLE EOT 2 bit 5): no paper. */
    bool paperOut = false;
    /** DLE EOT 3 bit 3: the autocutter failed. */
    bool cutterError = false;
    /** DLE EOT 2 bit 6 / DLE EOT 3 bits 5-6: another error (unrecoverable or auto-recoverable). */
    bool otherError = false;
    /** False for a transport that cannot report status (a file): level stays Ok. */
    bool reported = true;
    /** A short English summary ("paper out; cover open"), "ok" when nothing is wrong. */
    std::string message = "ok";

    /** True unless level is Error. */
    bool canPrint() const { return level != StatusLevel::Error; }

    /** Builds a status from the four DLE EOT reply bytes; a byte that does not have the fixed
     * bits of a status reply (0xx1xx10 pattern: bit 1 and 4 set, bits 0 and 7 clear) makes the
     * status Error "malformed reply". A missing reply (std::nullopt) means offline. */
    static PrinterStatus fromDleEot(std::optional<std::uint8_t> printer,
        std::optional<std::uint8_t> offlineCause, std::optional<std::uint8_t> errorCause,
        std::optional<std::uint8_t> paperSensor);
    /** The status of a printer that did not answer at all. */
    static PrinterStatus offline(std::string why);
};

/** DLE EOT reply bytes for a state (used by escpos-sim and tests): n = 1..4. */
std::uint8_t dleEotReply(int n, const PrinterStatus& state);

} // namespace hc::printer
