#include "hc/card/tracing_channel.hpp"

#include "hc/card/error.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>

namespace hc::card {

namespace {

std::string utcNow() {
    const auto now = std::chrono::system_clock::now();
    const auto micros
        = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
    const std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
    std::tm tm {};
    ::gmtime_r(&seconds, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
        static_cast<int>(micros % 1000000));
    return buf;
}

} // namespace

TracingChannel::TracingChannel(CardChannelPtr inner, LineSink sink, MaskPolicy policy)
    : m_inner(std::move(inner))
    , m_sink(std::move(sink))
    , m_masker(std::move(policy)) {
    if (!m_inner || !m_sink) {
        throw Error("TracingChannel: inner channel or sink is null", NextStep::CallStaff);
    }
}

TracingChannel::TracingChannel(CardChannelPtr inner, std::ostream& out, MaskPolicy policy)
    : TracingChannel(std::move(inner), ostreamSink(out), std::move(policy)) {
}

ResponseApdu TracingChannel::transmit(const CommandApdu& command) {
    const std::string prefix = utcNow() + " [" + m_inner->readerName()
        + "] C: " + m_masker.command(command).toTraceText();
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&start] {
        return std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::steady_clock::now() - start)
                                  .count())
            + " us";
    };
    ResponseApdu rsp;
    try {
        rsp = m_inner->transmit(command);
    } catch (const std::exception& e) {
        m_masker.reset();
        m_sink(prefix + " E: " + e.what() + " " + elapsed());
        throw;
    }
    const std::string took = elapsed();
    m_sink(prefix + " R: " + m_masker.response(command, rsp).toTraceText() + " (" + rsp.sw().hex()
        + " " + rsp.sw().meaning() + ") " + took);
    return rsp;
}

void TracingChannel::reset() {
    const std::string prefix = utcNow() + " [" + m_inner->readerName() + "] RESET";
    const auto start = std::chrono::steady_clock::now();
    m_masker.reset();
    try {
        m_inner->reset();
    } catch (const std::exception& e) {
        m_sink(prefix + " E: " + e.what());
        throw;
    }
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start)
                        .count();
    m_sink(prefix + " ATR: " + toHex(m_inner->atr()) + " " + std::to_string(us) + " us");
}

} // namespace hc::card
