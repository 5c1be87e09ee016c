// Test helpers: an in-process CardOs as a CardChannel, with an optional "lose the answer of INS
// xx" switch that mimics "tear after" / "tear before" without pcscd.
#pragma once

#include "hc/card/card_channel.hpp"
#include "hc/card/error.hpp"
#include "hc/emu/card_os.hpp"
#include "hc/emu/profile.hpp"

#include <optional>

namespace hc::testing {

/** Talks to a CardOs in process. */
class OsChannel final : public hc::card::CardChannel {
public:
    explicit OsChannel(hc::emu::CardOs& os)
        : m_os(os) {
        m_os.powerOn();
    }
    hc::card::ResponseApdu transmit(const hc::card::CommandApdu& c) override {
        ++count;
        if (tearBefore && *tearBefore == c.ins()) {
            tearBefore.reset();
            throw hc::Error(
                "card removed (simulated, before processing)", hc::NextStep::ReinsertCard);
        }
        auto raw = m_os.processRaw(c.encode());
        if (tearAfter && *tearAfter == c.ins()) {
            tearAfter.reset();
            throw hc::Error(
                "card removed (simulated, after processing)", hc::NextStep::ReinsertCard);
        }
        return hc::card::ResponseApdu::parse(raw);
    }
    hc::Bytes atr() const override { return m_os.atr(); }
    void reset() override { m_os.reset(); }
    std::string readerName() const override { return "in-process CardOs"; }

    std::optional<std::uint8_t> tearBefore;
    std::optional<std::uint8_t> tearAfter;
    std::size_t count = 0;

private:
    hc::emu::CardOs& m_os;
};

} // namespace hc::testing
