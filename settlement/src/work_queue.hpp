// WorkQueue: SettlementServer's hand-off of requests from the socket thread to the workers. A
// worker takes the next request only when it is idle, so a request never waits behind a settle that
// waits for the center while another worker has nothing to do (a PUSH socket deals requests
// round-robin to every worker, busy or not).
//
// Bounded: push() refuses when `capacity` requests are waiting, and the socket thread answers
// "busy, send the same request_id again" instead of queuing without limit.
// Threading: push() and close() from the socket thread, pop() from any number of workers.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

namespace hc::settle {

/** One request as the ROUTER received it. */
struct WorkItem {
    std::string identity; ///< the ROUTER routing id of the terminal's connection
    std::string terminal; ///< the terminal id CURVE authenticated
    std::string body; ///< the request JSON
};

/** A bounded FIFO that idle workers take from. */
class WorkQueue {
public:
    /** At most `capacity` requests wait. */
    explicit WorkQueue(std::size_t capacity)
        : m_capacity(capacity) { }

    /** Appends `item`; false (item untouched) when full or closed. */
    bool push(WorkItem& item) {
        {
            std::lock_guard lock(m_mutex);
            if (m_closed || m_items.size() >= m_capacity) {
                return false;
            }
            m_items.push_back(std::move(item));
        }
        m_ready.notify_one();
        return true;
    }

    /** The oldest request, waiting up to `timeout`; nullopt on timeout or once closed. */
    std::optional<WorkItem> pop(std::chrono::milliseconds timeout) {
        std::unique_lock lock(m_mutex);
        if (!m_ready.wait_for(lock, timeout, [&] { return m_closed || !m_items.empty(); })
            || m_items.empty()) {
            return std::nullopt;
        }
        WorkItem item = std::move(m_items.front());
        m_items.pop_front();
        return item;
    }

    /** Wakes every worker; pop() returns nullopt once the queue is empty. */
    void close() {
        {
            std::lock_guard lock(m_mutex);
            m_closed = true;
        }
        m_ready.notify_all();
    }

    /** True once close() was called (pop() may still return what was waiting). */
    bool closed() const {
        std::lock_guard lock(m_mutex);
        return m_closed;
    }

    /** Requests waiting now. */
    std::size_t size() const {
        std::lock_guard lock(m_mutex);
        return m_items.size();
    }

private:
    const std::size_t m_capacity;
    mutable std::mutex m_mutex;
    std::condition_variable m_ready;
    std::deque<WorkItem> m_items;
    bool m_closed = false;
};

} // namespace hc::settle
