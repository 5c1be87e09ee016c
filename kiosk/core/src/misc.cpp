#include "hc/kiosk/core/devices.hpp"
#include "hc/kiosk/core/service_error.hpp"

#include <cstdio>
#include <ctime>

namespace hc::kiosk::core {

const char* describe(CallOutcome outcome) {
    switch (outcome) {
    case CallOutcome::NotSent:
        return "not_sent";
    case CallOutcome::Refused:
        return "refused";
    case CallOutcome::Unknown:
        return "unknown";
    }
    return "unknown";
}

void journalOutcome(JournalStep& step, const ServiceError& error) {
    if (error.outcome() == CallOutcome::Unknown) {
        step.unknown(error.what());
    } else {
        step.failed(error.what());
    }
}

const char* describe(OrderState state) {
    switch (state) {
    case OrderState::Pending:
        return "pending";
    case OrderState::Paid:
        return "paid";
    case OrderState::Closed:
        return "closed";
    case OrderState::Refunded:
        return "refunded";
    }
    return "pending";
}

std::chrono::steady_clock::time_point SystemClock::now() {
    return std::chrono::steady_clock::now();
}

std::string SystemClock::today() {
    const std::time_t t = std::time(nullptr) + 8 * 3600;
    std::tm tm {};
    gmtime_r(&t, &tm);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return buf;
}

} // namespace hc::kiosk::core
