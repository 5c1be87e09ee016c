// libifdhcvr.so: the IFD handler (pcsc-lite driver API 3.0) over VirtualSlot.
//
// Lun: pcscd numbers readers loaded from the same library 0xDDDD0000 (DDDD: the reader, given
// because TAG_IFD_SIMULTANEOUS_ACCESS > 1) plus the slot 0..kSlots-1 in the low 16 bits. Each
// Lun has its own VirtualSlot, listening on the reader's base port + the slot: no state shared
// between readers or slots except the map below.
//
// Threading: pcscd calls these functions from its client threads and from one event thread per
// slot; the event thread calls the polling function without any pcscd lock. The map is guarded
// by g_mutex; a slot is held by shared_ptr while in use, so CloseChannel never frees a slot
// under a running call.
#include "hc/vreader/virtual_slot.hpp"

#include <arpa/inet.h>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>

extern "C" {
#include <ifdhandler.h>
#include <reader.h>

// pcscd's logger (debuglog.h). Weak: a program that loads the driver without pcscd (a test) has
// no log_msg; lines then go to stderr.
void log_msg(const int priority, const char* fmt, ...) __attribute__((weak));
}

#define HC_IFD_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

using hc::vreader::LogLevel;
using hc::vreader::SlotOptions;
using hc::vreader::SlotResult;
using hc::vreader::VirtualSlot;

constexpr unsigned char kSlots = 2; ///< slots per reader, as vpcd: base port and base port + 1
constexpr unsigned char kReaders
    = 16; ///< readers one loaded copy serves (TAG_IFD_SIMULTANEOUS_ACCESS)

std::mutex g_mutex;
std::map<DWORD, std::shared_ptr<VirtualSlot>> g_slots;

void logLine(LogLevel level, const std::string& line) {
    // PCSC_LOG_DEBUG 0, PCSC_LOG_INFO 1, PCSC_LOG_ERROR 2 (debuglog.h)
    const int priority = level == LogLevel::Debug ? 0 : level == LogLevel::Info ? 1 : 2;
    if (log_msg != nullptr) {
        log_msg(priority, "hcvr: %s", line.c_str());
    } else {
        std::fprintf(stderr, "hcvr: %s\n", line.c_str());
    }
}

std::shared_ptr<VirtualSlot> slotFor(DWORD lun) {
    const std::lock_guard lock(g_mutex);
    const auto it = g_slots.find(lun);
    return it == g_slots.end() ? nullptr : it->second;
}

std::string lunText(DWORD lun) {
    char b[32];
    std::snprintf(b, sizeof b, "Lun 0x%lX", static_cast<unsigned long>(lun));
    return b;
}

RESPONSECODE openSlot(DWORD lun, const std::string& address, unsigned long basePort) {
    const unsigned long slot = lun & 0xFFFF;
    if (slot >= kSlots) {
        logLine(LogLevel::Error,
            lunText(lun) + ": no such slot (the reader has " + std::to_string(kSlots) + ")");
        return IFD_NO_SUCH_DEVICE;
    }
    const unsigned long port = basePort + slot;
    if (basePort == 0 || port > 0xFFFF) {
        logLine(LogLevel::Error,
            lunText(lun) + ": port " + std::to_string(port)
                + " out of range (CHANNELID or DEVICENAME <address>:<port>)");
        return IFD_COMMUNICATION_ERROR;
    }
    SlotOptions o;
    o.bindAddress = address;
    o.port = static_cast<std::uint16_t>(port);
    try {
        auto s = std::make_shared<VirtualSlot>(o, logLine);
        const std::lock_guard lock(g_mutex);
        g_slots[lun] = std::move(s);
    } catch (const std::exception& e) {
        logLine(LogLevel::Error, lunText(lun) + ": " + e.what());
        return IFD_COMMUNICATION_ERROR;
    }
    logLine(LogLevel::Info,
        lunText(lun) + ": listening on " + address + ":" + std::to_string(port)
            + " for the emulator (event-driven: the polling thread wakes on connect and close)");
    return IFD_SUCCESS;
}

// TAG_IFD_POLLING_THREAD_WITH_TIMEOUT: pcscd's event thread for the slot calls this in a loop
// and re-reads the presence after each return. IFD_SUCCESS on timeout too: anything else makes
// pcscd sleep its 400 ms poll period before the next call, the very delay this driver removes.
RESPONSECODE pollSlot(DWORD lun, int timeoutMs) {
    const auto s = slotFor(lun);
    if (!s) {
        return IFD_COMMUNICATION_ERROR;
    }
    (void)s->waitForEvent(std::chrono::milliseconds(timeoutMs));
    return IFD_SUCCESS;
}

// TAG_IFD_STOP_POLLING_THREAD: pcscd calls it (after flagging the thread to exit) when it
// removes the reader or stops, then joins the thread.
RESPONSECODE stopPolling(DWORD lun) {
    if (const auto s = slotFor(lun)) {
        s->stop();
    }
    return IFD_SUCCESS;
}

RESPONSECODE putByte(PDWORD length, PUCHAR value, unsigned char b) {
    if (*length < 1) {
        return IFD_ERROR_INSUFFICIENT_BUFFER;
    }
    *length = 1;
    value[0] = b;
    return IFD_SUCCESS;
}

template <typename F> RESPONSECODE putFunction(PDWORD length, PUCHAR value, F* f) {
    if (*length < sizeof f) {
        return IFD_ERROR_INSUFFICIENT_BUFFER;
    }
    *length = sizeof f;
    std::memcpy(value, &f, sizeof f);
    return IFD_SUCCESS;
}

} // namespace

HC_IFD_EXPORT RESPONSECODE IFDHCreateChannelByName(DWORD Lun, LPSTR DeviceName) {
    try {
        // DEVICENAME <address>:<port>; an address that is not IPv4 (vpcd's "/dev/null") means
        // 127.0.0.1. The port is decimal or 0x hex, like CHANNELID.
        const std::string name = DeviceName != nullptr ? DeviceName : "";
        const auto colon = name.rfind(':');
        if (colon == std::string::npos) {
            logLine(LogLevel::Error,
                lunText(Lun) + ": DEVICENAME \"" + name
                    + "\" has no :<port> (e.g. /dev/null:0x8C7B)");
            return IFD_COMMUNICATION_ERROR;
        }
        const std::string portText = name.substr(colon + 1);
        char* end = nullptr;
        const unsigned long port = std::strtoul(portText.c_str(), &end, 0);
        if (portText.empty() || end == nullptr || *end != '\0') {
            logLine(LogLevel::Error,
                lunText(Lun) + ": DEVICENAME port \"" + portText + "\" is not a number");
            return IFD_COMMUNICATION_ERROR;
        }
        std::string address = name.substr(0, colon);
        unsigned char probe[4];
        if (::inet_pton(AF_INET, address.c_str(), probe) != 1) {
            address = "127.0.0.1";
        }
        return openSlot(Lun, address, port);
    } catch (...) {
        return IFD_COMMUNICATION_ERROR;
    }
}

HC_IFD_EXPORT RESPONSECODE IFDHCreateChannel(DWORD Lun, DWORD Channel) {
    try {
        return openSlot(Lun, "127.0.0.1", Channel);
    } catch (...) {
        return IFD_COMMUNICATION_ERROR;
    }
}

HC_IFD_EXPORT RESPONSECODE IFDHCloseChannel(DWORD Lun) {
    try {
        std::shared_ptr<VirtualSlot> s;
        {
            const std::lock_guard lock(g_mutex);
            const auto it = g_slots.find(Lun);
            if (it != g_slots.end()) {
                s = std::move(it->second);
                g_slots.erase(it);
            }
        }
        if (s) {
            s->stop();
            logLine(LogLevel::Info, lunText(Lun) + ": closed");
        }
        return IFD_SUCCESS;
    } catch (...) {
        return IFD_COMMUNICATION_ERROR;
    }
}

HC_IFD_EXPORT RESPONSECODE IFDHGetCapabilities(DWORD Lun, DWORD Tag, PDWORD Length, PUCHAR Value) {
    if (Length == nullptr || Value == nullptr) {
        return IFD_COMMUNICATION_ERROR;
    }
    try {
        switch (Tag) {
        case TAG_IFD_ATR:
        case SCARD_ATTR_ATR_STRING: {
            const auto s = slotFor(Lun);
            const auto atr = s ? s->atr() : std::vector<std::uint8_t> {};
            if (*Length < atr.size()) {
                return IFD_ERROR_INSUFFICIENT_BUFFER;
            }
            *Length = static_cast<DWORD>(atr.size());
            std::memcpy(Value, atr.data(), atr.size());
            return IFD_SUCCESS;
        }
        case TAG_IFD_SIMULTANEOUS_ACCESS:
            return putByte(Length, Value, kReaders);
        case TAG_IFD_SLOTS_NUMBER:
            return putByte(Length, Value, kSlots);
        case TAG_IFD_THREAD_SAFE:
        case TAG_IFD_SLOT_THREAD_SAFE:
            return putByte(Length, Value, 1);
        case TAG_IFD_POLLING_THREAD_KILLABLE:
            // Not killable: pcscd then asks for TAG_IFD_STOP_POLLING_THREAD, which ends the wait
            // cleanly instead of cancelling a thread that may hold the slot's lock.
            return putByte(Length, Value, 0);
        case TAG_IFD_POLLING_THREAD_WITH_TIMEOUT:
            return putFunction(Length, Value, &pollSlot);
        case TAG_IFD_STOP_POLLING_THREAD:
            return putFunction(Length, Value, &stopPolling);
        default:
            return IFD_ERROR_TAG;
        }
    } catch (...) {
        return IFD_COMMUNICATION_ERROR;
    }
}

HC_IFD_EXPORT RESPONSECODE IFDHSetCapabilities(DWORD, DWORD, DWORD, PUCHAR) {
    return IFD_ERROR_TAG;
}

HC_IFD_EXPORT RESPONSECODE IFDHSetProtocolParameters(
    DWORD, DWORD Protocol, UCHAR, UCHAR, UCHAR, UCHAR) {
    // The emulator takes APDUs whatever the protocol: T=0 and T=1 are both fine.
    return (Protocol == SCARD_PROTOCOL_T0 || Protocol == SCARD_PROTOCOL_T1)
        ? IFD_SUCCESS
        : IFD_PROTOCOL_NOT_SUPPORTED;
}

HC_IFD_EXPORT RESPONSECODE IFDHPowerICC(DWORD Lun, DWORD Action, PUCHAR Atr, PDWORD AtrLength) {
    try {
        const auto s = slotFor(Lun);
        if (!s) {
            return IFD_COMMUNICATION_ERROR;
        }
        if (Action == IFD_POWER_DOWN) {
            if (AtrLength != nullptr) {
                *AtrLength = 0;
            }
            return s->powerDown() == SlotResult::CommunicationError ? IFD_COMMUNICATION_ERROR
                                                                    : IFD_SUCCESS;
        }
        if (Action != IFD_POWER_UP && Action != IFD_RESET) {
            return IFD_NOT_SUPPORTED;
        }
        if (AtrLength != nullptr) {
            *AtrLength = 0;
        }
        std::vector<std::uint8_t> atr;
        const SlotResult r = Action == IFD_RESET ? s->reset(atr) : s->powerUp(atr);
        if (r == SlotResult::NoCard) {
            return IFD_ERROR_POWER_ACTION;
        }
        if (r != SlotResult::Ok) {
            return IFD_COMMUNICATION_ERROR;
        }
        if (Atr != nullptr && AtrLength != nullptr) {
            std::memcpy(Atr, atr.data(), atr.size()); // checkAtr: at most MAX_ATR_SIZE
            *AtrLength = static_cast<DWORD>(atr.size());
        }
        return IFD_SUCCESS;
    } catch (...) {
        return IFD_COMMUNICATION_ERROR;
    }
}

HC_IFD_EXPORT RESPONSECODE IFDHTransmitToICC(DWORD Lun, SCARD_IO_HEADER SendPci, PUCHAR TxBuffer,
    DWORD TxLength, PUCHAR RxBuffer, PDWORD RxLength, PSCARD_IO_HEADER RecvPci) {
    if (TxBuffer == nullptr || RxBuffer == nullptr || RxLength == nullptr) {
        return IFD_COMMUNICATION_ERROR;
    }
    const DWORD capacity = *RxLength;
    *RxLength = 0;
    try {
        const auto s = slotFor(Lun);
        if (!s) {
            return IFD_COMMUNICATION_ERROR;
        }
        std::vector<std::uint8_t> rsp;
        switch (s->transmit(std::span<const std::uint8_t>(TxBuffer, TxLength), rsp, capacity)) {
        case SlotResult::Ok:
            std::memcpy(RxBuffer, rsp.data(), rsp.size());
            *RxLength = static_cast<DWORD>(rsp.size());
            if (RecvPci != nullptr) {
                RecvPci->Protocol = SendPci.Protocol;
                RecvPci->Length = 0;
            }
            return IFD_SUCCESS;
        case SlotResult::BufferTooSmall:
            return IFD_ERROR_INSUFFICIENT_BUFFER;
        case SlotResult::NoCard:
            return IFD_ICC_NOT_PRESENT;
        case SlotResult::BadCommand:
        case SlotResult::CommunicationError:
            return IFD_COMMUNICATION_ERROR;
        }
        return IFD_COMMUNICATION_ERROR;
    } catch (...) {
        return IFD_COMMUNICATION_ERROR;
    }
}

HC_IFD_EXPORT RESPONSECODE IFDHControl(
    DWORD, DWORD, PUCHAR, DWORD, PUCHAR, DWORD, LPDWORD pdwBytesReturned) {
    if (pdwBytesReturned != nullptr) {
        *pdwBytesReturned = 0;
    }
    return IFD_ERROR_NOT_SUPPORTED;
}

HC_IFD_EXPORT RESPONSECODE IFDHICCPresence(DWORD Lun) {
    try {
        const auto s = slotFor(Lun);
        if (!s) {
            return IFD_COMMUNICATION_ERROR;
        }
        return s->present() ? IFD_ICC_PRESENT : IFD_ICC_NOT_PRESENT;
    } catch (...) {
        return IFD_COMMUNICATION_ERROR;
    }
}
