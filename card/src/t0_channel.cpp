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
    return transmitT0(*m_inner, command, m_options);
}

ResponseApdu transmitT0(
    CardChannel& channel, const CommandApdu& command, const T0Options& options, T0Exchange* cost) {
    T0Exchange local;
    T0Exchange& c = cost ? *cost : local;
    c = {};
    ResponseApdu rsp = channel.transmit(command);
    if (rsp.sw().wrongLe()) {
        ++c.wrongLe;
        rsp = channel.transmit(command.withNe(lengthFromSw2(rsp.sw().sw2())));
    }
    if (!rsp.sw().moreData()) {
        return rsp;
    }

    Bytes data = rsp.data();
    if (data.size() > options.maxResponseBytes) {
        throw CardProtocolError("T=0: first response of " + std::to_string(data.size())
            + " bytes already exceeds " + std::to_string(options.maxResponseBytes));
    }
    const std::uint8_t cla = static_cast<std::uint8_t>(
        options.getResponseCla | ((command.cla() & 0xE0) == 0 ? (command.cla() & 0x03) : 0));
    std::size_t& count = c.getResponses;
    while (rsp.sw().moreData() || (count > 0 && rsp.sw().wrongLe())) {
        if (count == options.maxGetResponses) {
            throw CardProtocolError("T=0: card still answers " + rsp.sw().hex() + " after "
                + std::to_string(count) + " GET RESPONSE commands (limit "
                + std::to_string(options.maxGetResponses) + ")");
        }
        ++count;
        const CommandApdu getResponse(cla, 0xC0, 0x00, 0x00, {}, lengthFromSw2(rsp.sw().sw2()));
        rsp = channel.transmit(getResponse);
        if (rsp.data().size() > options.maxResponseBytes - data.size()) {
            throw CardProtocolError("T=0: response exceeds "
                + std::to_string(options.maxResponseBytes) + " bytes after " + std::to_string(count)
                + " GET RESPONSE commands");
        }
        data.insert(data.end(), rsp.data().begin(), rsp.data().end());
    }
    return ResponseApdu(std::move(data), rsp.sw());
}

} // namespace hc::card
