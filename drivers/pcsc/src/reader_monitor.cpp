#include "hc/pcsc/reader_monitor.hpp"

#include "scard_call.hpp"

#include <algorithm>
#include <set>

namespace hc::pcsc {

namespace {
constexpr const char* kPnpReader = "\\\\?PnP?\\Notification";

unsigned eventCounter(DWORD state) {
    return static_cast<unsigned>((state >> 16) & 0xFFFF);
}
} // namespace

std::string_view eventName(ReaderEvent::Kind kind) {
    switch (kind) {
    case ReaderEvent::Kind::ReaderAdded:
        return "reader-added";
    case ReaderEvent::Kind::ReaderRemoved:
        return "reader-removed";
    case ReaderEvent::Kind::CardInserted:
        return "card-inserted";
    case ReaderEvent::Kind::CardRemoved:
        return "card-removed";
    }
    return "unknown";
}

ReaderMonitor::ReaderMonitor()
    : ReaderMonitor(std::make_shared<Context>()) {
}

ReaderMonitor::ReaderMonitor(ContextPtr context)
    : m_context(std::move(context)) {
}

void ReaderMonitor::syncReaders(std::vector<ReaderEvent>& out) {
    const auto names = m_context->listReaders();
    const std::set<std::string> now(names.begin(), names.end());
    for (auto it = m_readers.begin(); it != m_readers.end();) {
        if (!now.contains(it->first)) {
            if (it->second.present) {
                out.push_back({ ReaderEvent::Kind::CardRemoved, it->first, {} });
            }
            out.push_back({ ReaderEvent::Kind::ReaderRemoved, it->first, {} });
            it = m_readers.erase(it);
        } else {
            ++it;
        }
    }
    for (const auto& name : names) {
        if (!m_readers.contains(name)) {
            m_readers.emplace(name, State {});
            out.push_back({ ReaderEvent::Kind::ReaderAdded, name, {} });
        }
    }
}

std::vector<ReaderEvent> ReaderMonitor::wait(std::optional<std::chrono::milliseconds> timeout) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = timeout ? Clock::now() + *timeout : Clock::time_point::max();
    std::vector<ReaderEvent> out;
    if (m_first) {
        syncReaders(out);
    }

    while (true) {
        std::vector<SCARD_READERSTATE> states;
        states.reserve(m_readers.size() + 1);
        for (auto& [name, st] : m_readers) {
            SCARD_READERSTATE rs {};
            rs.szReader = name.c_str();
            rs.dwCurrentState = st.eventState;
            states.push_back(rs);
        }
        SCARD_READERSTATE pnp {};
        pnp.szReader = kPnpReader;
        pnp.dwCurrentState = m_pnpState;
        states.push_back(pnp);

        DWORD waitMs = INFINITE;
        if (m_first) {
            waitMs = 0;
        } else if (timeout) {
            const auto left
                = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            waitMs = static_cast<DWORD>(std::max<long long>(0, left.count()));
        }
        const LONG rv = ::SCardGetStatusChange(
            m_context->handle(), waitMs, states.data(), static_cast<DWORD>(states.size()));
        const bool first = m_first;
        m_first = false;
        if (rv == SCARD_E_TIMEOUT) {
            if (first || !out.empty()) {
                return out;
            }
            return {};
        }
        if (rv == SCARD_E_UNKNOWN_READER || rv == SCARD_E_READER_UNAVAILABLE) {
            syncReaders(out); // a reader went away between listing and waiting
            if (!out.empty()) {
                return out;
            }
            continue;
        }
        detail::check("SCardGetStatusChange", rv);

        for (std::size_t i = 0; i + 1 < states.size(); ++i) {
            const auto& rs = states[i];
            if (!(rs.dwEventState & SCARD_STATE_CHANGED)) {
                continue;
            }
            auto it = m_readers.find(rs.szReader);
            if (it == m_readers.end()) {
                continue;
            }
            auto& st = it->second;
            const bool present = (rs.dwEventState & SCARD_STATE_PRESENT) != 0;
            const bool unavailable
                = (rs.dwEventState & (SCARD_STATE_UNAVAILABLE | SCARD_STATE_UNKNOWN)) != 0;
            // The event counter in the upper 16 bits moves once per insertion and once per
            // removal: a card pulled and put back between two waits shows as a jump of 2.
            const bool quickSwap = st.present && present && st.eventState != 0
                && eventCounter(rs.dwEventState) - eventCounter(st.eventState) >= 2;
            if (st.present && (!present || quickSwap || unavailable)) {
                out.push_back({ ReaderEvent::Kind::CardRemoved, it->first, {} });
            }
            if (present && !unavailable && (!st.present || quickSwap)) {
                out.push_back({ ReaderEvent::Kind::CardInserted, it->first,
                    hc::Bytes(rs.rgbAtr, rs.rgbAtr + rs.cbAtr) });
            }
            st.present = present && !unavailable;
            st.eventState = rs.dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
        }
        const auto& pnpOut = states.back();
        if (pnpOut.dwEventState & SCARD_STATE_CHANGED) {
            m_pnpState = pnpOut.dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
            syncReaders(out);
        }
        if (!out.empty() || first) {
            return out;
        }
        if (timeout && Clock::now() >= deadline) {
            return {};
        }
    }
}

} // namespace hc::pcsc
