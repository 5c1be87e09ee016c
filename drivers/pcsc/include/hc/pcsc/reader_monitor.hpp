// Watches every reader for card insertion and removal, and the reader list itself for readers
// that come and go (through the PnP pseudo-reader "\\?PnP?\Notification"). Blocks in
// SCardGetStatusChange: no polling, no busy wait. cancel() from any thread ends a wait.
#pragma once

#include "hc/card/bytes.hpp"
#include "hc/pcsc/context.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hc::pcsc {

/** One change seen by the monitor. */
struct ReaderEvent {
    enum class Kind { ReaderAdded, ReaderRemoved, CardInserted, CardRemoved };
    Kind kind;
    std::string reader;
    /** The card's ATR, for CardInserted. */
    hc::Bytes atr;
};

/** "card-inserted" and friends, for logs and JSON. */
std::string_view eventName(ReaderEvent::Kind kind);

/** Blocking event source over all readers. Not copyable; one thread waits at a time. */
class ReaderMonitor {
public:
    ReaderMonitor();
    explicit ReaderMonitor(ContextPtr context);

    /**
     * Waits until something changes or the timeout passes, and returns the changes (empty on
     * timeout). The first call reports the present state: every reader as ReaderAdded and every
     * card already in a reader as CardInserted. Throws Cancelled when cancel() was called.
     */
    std::vector<ReaderEvent> wait(std::optional<std::chrono::milliseconds> timeout = std::nullopt);
    /** Ends a wait in progress on another thread (it throws Cancelled). */
    void cancel() const { m_context->cancel(); }

private:
    struct State {
        unsigned long eventState = 0;
        bool present = false;
    };
    void syncReaders(std::vector<ReaderEvent>& out);
    ContextPtr m_context;
    std::map<std::string, State> m_readers;
    unsigned long m_pnpState = 0;
    bool m_first = true;
};

} // namespace hc::pcsc
