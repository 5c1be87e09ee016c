// DeviceWatcher: kioskd's eye on the patient card reader. A thread of its own waits on the PC/SC
// reader list (hc::pcsc::ReaderMonitor, no polling) and calls back when a card goes into the
// configured reader, comes out of it, or when the reader cannot be watched any more:
//   - cardInserted / cardRemoved: only for the configured reader (other readers, the SAM's
//     included, are ignored); a card already in the reader at start() counts as inserted;
//   - readerLost(why): the monitor failed (pcscd stopped, its socket gone: the watcher makes a
//     new monitor every `retryEvery`, since a context of a dead pcscd never recovers), or the
//     reader itself was unplugged. Called once per distinct failure, not once per retry;
//   - readerBack(): watching works again after readerLost.
// The callbacks run on the watcher's thread, one at a time; they may take long (a card read).
// RAII: the destructor stops and joins; stop() returns within one wait (`waitSlice`).
// The event source is replaceable (ReaderEventSource) so the logic is tested without pcscd.
#pragma once

#include "hc/pcsc/reader_monitor.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace hc::kiosk::core {

/** Where reader events come from: a ReaderMonitor, or a fake in tests. */
class ReaderEventSource {
public:
    virtual ~ReaderEventSource() = default;
    /** The changes since the last call, waiting at most `timeout` (empty: none). The first
     *  call reports the present state. Throws when the readers cannot be watched. */
    virtual std::vector<hc::pcsc::ReaderEvent> wait(std::chrono::milliseconds timeout) = 0;
};

/** Makes a fresh source (after a failure the old one is dropped). May throw. */
using ReaderEventSourceFactory = std::function<std::unique_ptr<ReaderEventSource>()>;

/** The real source: a new hc::pcsc::ReaderMonitor (a new PC/SC context) each time. */
ReaderEventSourceFactory pcscReaderEvents();

/** Why the reader was lost. */
enum class ReaderLoss {
    MonitorFailed, ///< the source threw (pcscd gone, no readers service); retried
    ReaderRemoved, ///< the reader was unplugged (pcscd still answers)
};

/** What the watcher reports (any may be empty). */
struct DeviceWatcherEvents {
    std::function<void()> cardInserted; ///< a card went into the reader (or was there at start)
    std::function<void()> cardRemoved; ///< the card came out
    /** Cannot watch, or the reader was unplugged; `why` is the failure's own message. */
    std::function<void(ReaderLoss loss, const std::string& why)> readerLost;
    std::function<void()> readerBack; ///< watching again / the reader is back after readerLost
};

/** How the watcher waits. */
struct DeviceWatcherTiming {
    std::chrono::milliseconds waitSlice { 1000 }; ///< one wait; stop() is seen after it
    std::chrono::milliseconds retryEvery { 1000 }; ///< pause before a new source after a failure
};

/** Watches one card reader. */
class DeviceWatcher {
public:
    /** Does not start; `cardReader` is the PC/SC reader name of the patient card. */
    DeviceWatcher(std::string cardReader, DeviceWatcherEvents events,
        ReaderEventSourceFactory source = pcscReaderEvents(), DeviceWatcherTiming timing = {});
    /** stop(). */
    ~DeviceWatcher();
    DeviceWatcher(const DeviceWatcher&) = delete;
    DeviceWatcher& operator=(const DeviceWatcher&) = delete;

    /** Starts the thread. Once. */
    void start();
    /** Ends the thread and joins it (from any thread but a callback). Idempotent. */
    void stop();

private:
    void run();
    void deliver(const std::vector<hc::pcsc::ReaderEvent>& events);
    void lost(ReaderLoss loss, const std::string& why);
    void back();

    std::string m_reader;
    DeviceWatcherEvents m_events;
    ReaderEventSourceFactory m_factory;
    DeviceWatcherTiming m_timing;
    std::string m_lastFailure; // the failure last reported ("" = working)
    bool m_monitorFailed = false; // m_lastFailure is a MonitorFailed
    std::atomic<bool> m_stop { false };
    std::thread m_thread;
};

} // namespace hc::kiosk::core
