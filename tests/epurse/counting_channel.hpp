// Test helper: counts the APDUs that pass through it (put it right above the reader, below the
// T=0 layer, to count what really crosses the wire), and a counted channel to a pcscd reader.
#pragma once

#include "hc/card/card_channel.hpp"
#include "hc/card/t0_channel.hpp"
#include "hc/pcsc.hpp"

#include <string>

namespace hc::testing {

/** Counts transmit() calls to the channel it owns. */
class CountingChannel final : public hc::card::CardChannel {
public:
    CountingChannel(hc::card::CardChannelPtr inner, std::size_t& counter)
        : m_inner(std::move(inner))
        , m_counter(counter) { }
    hc::card::ResponseApdu transmit(const hc::card::CommandApdu& c) override {
        ++m_counter;
        return m_inner->transmit(c);
    }
    hc::Bytes atr() const override { return m_inner->atr(); }
    void reset() override { m_inner->reset(); }
    std::string readerName() const override { return m_inner->readerName(); }

private:
    hc::card::CardChannelPtr m_inner;
    std::size_t& m_counter;
};

/** A T=0 channel to `reader` through pcscd that counts the APDUs crossing the wire in `counter`. */
inline hc::card::CardChannelPtr connectCounted(const std::string& reader, std::size_t& counter) {
    return std::make_unique<hc::card::T0Channel>(
        std::make_unique<CountingChannel>(std::make_unique<hc::pcsc::PcscCard>(reader), counter));
}

} // namespace hc::testing
