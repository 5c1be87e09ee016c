#include "hc/card/health/strategy.hpp"

#include "hc/card/atr.hpp"
#include "hc/card/error.hpp"

namespace hc::card::health {

std::string_view knownName(Known k) {
    switch (k) {
    case Known::Yes:
        return "yes";
    case Known::No:
        return "no";
    case Known::Unknown:
        break;
    }
    return "unknown";
}

std::string cardKind(ByteView atrBytes, const DiversifierSpec& d) {
    try {
        const Atr atr = Atr::parse(atrBytes);
        const Bytes& hist = atr.historicalBytes();
        if (hist.size() >= d.offsetFromEnd && d.length <= d.offsetFromEnd) {
            Bytes kind(hist.begin(), hist.end() - static_cast<std::ptrdiff_t>(d.offsetFromEnd));
            const auto tail = hist.end() - static_cast<std::ptrdiff_t>(d.offsetFromEnd - d.length);
            kind.insert(kind.end(), tail, hist.end());
            const char* proto = atr.isContactless() ? "cl:" : (atr.offers(1) ? "t1:" : "t0:");
            return proto + toHex(kind);
        }
    } catch (const hc::InputError&) {
        // fall through: the whole ATR is the kind
    }
    return "atr:" + toHex(atrBytes);
}

} // namespace hc::card::health
