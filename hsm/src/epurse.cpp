#include "hc/hsm/epurse.hpp"

#include "hc/base/crypto/pboc_mac_input.hpp"
#include "hc/hsm/error.hpp"

namespace hc::hsm {

namespace {
std::uint16_t u16(const std::array<std::uint8_t, 2>& b) {
    return static_cast<std::uint16_t>(readBigEndian(b));
}
} // namespace

Bytes loadSessionData(const LoadRequest& load) {
    return pboc::loadSessionInput(load.random, u16(load.onlineAtc));
}

Bytes loadMac1Input(const LoadRequest& load) {
    return pboc::loadMac1Input(
        load.balanceBefore, { load.amount, load.transactionType, load.terminalId, {}, {} });
}

Bytes loadMac2Input(const LoadRequest& load) {
    return pboc::loadMac2Input(
        { load.amount, load.transactionType, load.terminalId, load.date, load.time });
}

Bytes purchaseSessionData(ByteView random4, ByteView offlineAtc2, ByteView ttsn4) {
    if (random4.size() != 4 || offlineAtc2.size() != 2 || ttsn4.size() != 4) {
        throw InvalidArgumentError("purchase session data needs random(4), offline ATC(2) and "
                                   "TTSN(4)");
    }
    return pboc::purchaseSessionInput(random4,
        static_cast<std::uint16_t>(readBigEndian(offlineAtc2)),
        static_cast<std::uint32_t>(readBigEndian(ttsn4)));
}

Bytes purchaseTacInput(const PurchaseRecord& purchase) {
    return pboc::purchaseTacInput({ purchase.amount, purchase.transactionType, purchase.terminalId,
                                      purchase.date, purchase.time },
        static_cast<std::uint32_t>(readBigEndian(purchase.ttsn)));
}

} // namespace hc::hsm
