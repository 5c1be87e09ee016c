#include "hc/printer/printer_status.hpp"

namespace hc::printer {

const char* describe(StatusLevel level) {
    switch (level) {
    case StatusLevel::Ok:
        return "ok";
    case StatusLevel::Warning:
        return "warning";
    case StatusLevel::Error:
        return "error";
    }
    return "error";
}

namespace {
bool wellFormed(std::uint8_t b) {
    return (b & 0x93) == 0x12; // bits 1 and 4 set, bits 0 and 7 clear
}
void note(std::string& message, const char* what) {
    if (message == "ok") {
        message.clear();
    }
    if (!message.empty()) {
        message += "; ";
    }
    message += what;
}
} // namespace

PrinterStatus PrinterStatus::offline(std::string why) {
    PrinterStatus s;
    s.level = StatusLevel::Error;
    s.online = false;
    s.message = "offline: " + why;
    return s;
}

PrinterStatus PrinterStatus::fromDleEot(std::optional<std::uint8_t> printer,
    std::optional<std::uint8_t> offlineCause, std::optional<std::uint8_t> errorCause,
    std::optional<std::uint8_t> paperSensor) {
    if (!printer) {
        return offline("no answer to DLE EOT 1");
    }
    PrinterStatus s;
    for (const auto& b : { printer, offlineCause, errorCause, paperSensor }) {
        if (b && !wellFormed(*b)) {
            s.level = StatusLevel::Error;
            s.otherError = true;
            note(s.message, "malformed status reply");
            return s;
        }
    }
    s.online = (*printer & 0x08) == 0;
    if (offlineCause) {
        s.coverOpen = (*offlineCause & 0x04) != 0;
        s.paperOut = (*offlineCause & 0x20) != 0;
        s.otherError = (*offlineCause & 0x40) != 0;
    }
    if (errorCause) {
        s.cutterError = (*errorCause & 0x08) != 0;
        s.otherError = s.otherError || (*errorCause & 0x60) != 0;
    }
    if (paperSensor) {
        s.paperNearEnd = (*paperSensor & 0x0C) != 0;
        s.paperOut = s.paperOut || (*paperSensor & 0x60) != 0;
    }
    if (s.paperOut) {
        note(s.message, "paper out");
    }
    if (s.coverOpen) {
        note(s.message, "cover open");
    }
    if (s.cutterError) {
        note(s.message, "cutter error");
    }
    if (s.otherError && !s.cutterError) {
        note(s.message, "printer error");
    }
    if (!s.online && !s.paperOut && !s.coverOpen && !s.otherError && !s.cutterError) {
        note(s.message, "offline");
    }
    if (s.paperOut || s.coverOpen || s.cutterError || s.otherError || !s.online) {
        s.level = StatusLevel::Error;
    } else if (s.paperNearEnd) {
        s.level = StatusLevel::Warning;
        note(s.message, "paper near end");
    }
    return s;
}

std::uint8_t dleEotReply(int n, const PrinterStatus& state) {
    std::uint8_t b = 0x12;
    switch (n) {
    case 1:
        if (!state.online || state.paperOut || state.coverOpen || state.cutterError) {
            b |= 0x08;
        }
        break;
    case 2:
        if (state.coverOpen) {
            b |= 0x04;
        }
        if (state.paperOut) {
            b |= 0x20;
        }
        if (state.cutterError || state.otherError) {
            b |= 0x40;
        }
        break;
    case 3:
        if (state.cutterError) {
            b |= 0x08;
        }
        if (state.otherError) {
            b |= 0x20;
        }
        break;
    case 4:
        if (state.paperNearEnd) {
            b |= 0x0C;
        }
        if (state.paperOut) {
            b |= 0x60;
        }
        break;
    default:
        break;
    }
    return b;
}

} // namespace hc::printer
