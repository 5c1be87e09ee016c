#include "hc/kiosk/core/device_watcher.hpp"

#include <stdexcept>

namespace hc::kiosk::core {

namespace {

class PcscSource : public ReaderEventSource {
public:
    std::vector<hc::pcsc::ReaderEvent> wait(std::chrono::milliseconds timeout) override {
        return m_monitor.wait(timeout);
    }

private:
    hc::pcsc::ReaderMonitor m_monitor;
};

} // namespace

ReaderEventSourceFactory pcscReaderEvents() {
    return [] { return std::make_unique<PcscSource>(); };
}

DeviceWatcher::DeviceWatcher(std::string cardReader, DeviceWatcherEvents events,
    ReaderEventSourceFactory source, DeviceWatcherTiming timing)
    : m_reader(std::move(cardReader))
    , m_events(std::move(events))
    , m_factory(std::move(source))
    , m_timing(timing) {
}

DeviceWatcher::~DeviceWatcher() {
    stop();
}

void DeviceWatcher::start() {
    if (m_thread.joinable()) {
        throw std::logic_error("DeviceWatcher::start: already started");
    }
    m_stop = false;
    m_thread = std::thread([this] { run(); });
}

void DeviceWatcher::stop() {
    m_stop = true;
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

void DeviceWatcher::lost(ReaderLoss loss, const std::string& why) {
    if (why == m_lastFailure) {
        return; // reported already
    }
    m_lastFailure = why;
    m_monitorFailed = loss == ReaderLoss::MonitorFailed;
    if (m_events.readerLost) {
        m_events.readerLost(loss, why);
    }
}

void DeviceWatcher::back() {
    if (m_lastFailure.empty()) {
        return;
    }
    m_lastFailure.clear();
    m_monitorFailed = false;
    if (m_events.readerBack) {
        m_events.readerBack();
    }
}

void DeviceWatcher::deliver(const std::vector<hc::pcsc::ReaderEvent>& events) {
    using Kind = hc::pcsc::ReaderEvent::Kind;
    for (const auto& ev : events) {
        if (ev.reader != m_reader) {
            continue;
        }
        switch (ev.kind) {
        case Kind::CardInserted:
            if (m_events.cardInserted) {
                m_events.cardInserted();
            }
            break;
        case Kind::CardRemoved:
            if (m_events.cardRemoved) {
                m_events.cardRemoved();
            }
            break;
        case Kind::ReaderRemoved:
            lost(ReaderLoss::ReaderRemoved, "reader '" + m_reader + "' was removed");
            break;
        case Kind::ReaderAdded:
            back();
            break;
        }
    }
}

void DeviceWatcher::run() {
    std::unique_ptr<ReaderEventSource> source;
    while (!m_stop) {
        std::vector<hc::pcsc::ReaderEvent> events;
        try {
            if (!source) {
                source = m_factory();
            }
            events = source->wait(m_timing.waitSlice);
        } catch (const std::exception& e) {
            // A context of a dead pcscd never recovers: drop it, make a new one after a pause.
            lost(ReaderLoss::MonitorFailed, e.what());
            source.reset();
            const auto until = std::chrono::steady_clock::now() + m_timing.retryEvery;
            while (!m_stop && std::chrono::steady_clock::now() < until) {
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
            continue;
        }
        if (m_monitorFailed) {
            back(); // a wait worked again
        }
        deliver(events);
    }
}

} // namespace hc::kiosk::core
