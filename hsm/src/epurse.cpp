#include "hc/hsm/epurse.hpp"

#include "hc/hsm/error.hpp"

namespace hc::hsm {

namespace {
void appendU32(Bytes& out, std::uint32_t v)
{
    out.push_back(static_cast<std::uint8_t>(v >> 24));
    out.push_back(static_cast<std::uint8_t>(v >> 16));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}
template <typename C> void append(Bytes& out, const C& c) { out.insert(out.end(), c.begin(), c.end()); }
} // namespace

Bytes loadSessionData(const LoadRequest& load)
{
    Bytes out;
    append(out, load.random);
    append(out, load.onlineAtc);
    out.push_back(0x80);
    out.push_back(0x00);
    return out;
}

Bytes loadMac1Input(const LoadRequest& load)
{
    Bytes out;
    appendU32(out, load.balanceBefore);
    appendU32(out, load.amount);
    out.push_back(load.transactionType);
    append(out, load.terminalId);
    return out;
}

Bytes loadMac2Input(const LoadRequest& load)
{
    Bytes out;
    appendU32(out, load.amount);
    out.push_back(load.transactionType);
    append(out, load.terminalId);
    append(out, load.date);
    append(out, load.time);
    return out;
}

Bytes purchaseSessionData(ByteView random4, ByteView offlineAtc2, ByteView ttsn4)
{
    if (random4.size() != 4 || offlineAtc2.size() != 2 || ttsn4.size() != 4) {
        throw InvalidArgumentError("purchase session data needs random(4), offline ATC(2) and "
                                   "TTSN(4)");
    }
    Bytes out;
    append(out, random4);
    append(out, offlineAtc2);
    out.push_back(ttsn4[2]);
    out.push_back(ttsn4[3]);
    return out;
}

Bytes purchaseTacInput(const PurchaseRecord& purchase)
{
    Bytes out;
    appendU32(out, purchase.amount);
    out.push_back(purchase.transactionType);
    append(out, purchase.terminalId);
    append(out, purchase.ttsn);
    append(out, purchase.date);
    append(out, purchase.time);
    return out;
}

} // namespace hc::hsm
