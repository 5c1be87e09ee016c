#include "hc/card/t0_channel.hpp"

#include "hc/card/error.hpp"

#include <string>

namespace hc::card {

namespace {
std::size_t lengthFromSw2(std::uint8_t sw2) {
    return sw2 == 0 ? 256 : sw2;
}
} // namespace

T0Channel::T0Channel(CardChannelPtr inner, T0Options options)
    : m_inner(std::move(inner))
    , m_options(options) {
    if (!m_inner) {
        throw Error("T0Channel: inner channel is null", NextStep::CallStaff);
    }
}

ResponseApdu T0Channel::transmit(const CommandApdu& command) {
    ResponseApdu rsp = m_inner->transmit(command);
    if (rsp.sw().wrongLe()) {
        rsp = m_inner->transmit(command.withNe(lengthFromSw2(rsp.sw().sw2())));
    }
    if (!rsp.sw().moreData()) {
        return rsp;
    }

    Bytes data = rsp.data();
    if (data.size() > m_options.maxResponseBytes) {
        throw CardProtocolError("T=0: first response of " + std::to_string(data.size())
            + " bytes already exceeds " + std::to_string(m_options.maxResponseBytes));
    }
    const std::uint8_t cla = static_cast<std::uint8_t>(
        m_options.getResponseCla | ((command.cla() & 0xE0) == 0 ? (command.cla() & 0x03) : 0));
    std::size_t count = 0;
    while (rsp.sw().moreData() || (count > 0 && rsp.sw().wrongLe())) {
        if (count == m_options.maxGetResponses) {
            throw CardProtocolError("T=0: card still answers " + rsp.sw().hex() + " after "
                + std::to_string(count) + " GET RESPONSE commands (limit "
                + std::to_string(m_options.maxGetResponses) + ")");
        }
        ++count;
        const CommandApdu getResponse(cla, 0xC0, 0x00, 0x00, {}, lengthFromSw2(rsp.sw().sw2()));
        rsp = m_inner->transmit(getResponse);
        if (rsp.data().size() > m_options.maxResponseBytes - data.size()) {
            throw CardProtocolError("T=0: response exceeds "
                + std::to_string(m_options.maxResponseBytes) + " bytes after "
                + std::to_string(count) + " GET RESPONSE commands");
        }
        data.insert(data.end(), rsp.data().begin(), rsp.data().end());
    }
    return ResponseApdu(std::move(data), rsp.sw());
}

} // namespace hc::card
