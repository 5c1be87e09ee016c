#include "hc/card/atr.hpp"
#include "hcard.hpp"

#include <boost/json.hpp>
#include <iostream>

namespace hc::tool {

int cmdAtr(const CommonOptions& o, const std::vector<std::string>& args) {
    hc::Bytes raw;
    std::string reader;
    if (!args.empty()) { // decode an ATR given as hex, no card needed
        std::string hex;
        for (const auto& a : args) {
            hex += a;
        }
        raw = hc::fromHex(hex);
    } else {
        auto ch = openCard(o);
        raw = ch->atr();
        reader = ch->readerName();
    }
    const auto atr = hc::card::Atr::parse(raw);
    boost::json::array protocols;
    for (int t : atr.protocols()) {
        protocols.push_back(t);
    }
    if (o.json) {
        boost::json::object j { { "atr", hc::toHex(raw) }, { "protocols", protocols },
            { "historical", hc::toHex(atr.historicalBytes()) },
            { "contactless", atr.isContactless() } };
        if (!reader.empty()) {
            j["reader"] = reader;
        }
        if (atr.tck()) {
            j["tck"] = *atr.tck();
        }
        printJson(j);
        return 0;
    }
    if (!reader.empty()) {
        std::cout << "reader:      " << reader << "\n";
    }
    std::cout << "ATR:         " << hc::toHex(raw) << "\n";
    std::cout << "convention:  "
              << (atr.convention() == hc::card::AtrConvention::Direct ? "direct" : "inverse")
              << "\n";
    std::cout << "protocols:  ";
    for (int t : atr.protocols()) {
        std::cout << " T=" << t;
    }
    std::cout << "\n";
    if (auto fi = atr.fi(), di = atr.di(); fi && di) {
        std::cout << "Fi/Di:       " << *fi << "/" << *di << "\n";
    }
    std::cout << "historical:  " << hc::toHex(atr.historicalBytes()) << "\n";
    if (atr.isContactless()) {
        std::cout << "contactless: PC/SC part 3 pseudo-ATR\n";
    }
    return 0;
}

namespace {
const CommandRegistrar registrar(
    "atr", { "atr [HEX]", "show and decode the ATR (of the card, or of HEX)", cmdAtr });
} // namespace

} // namespace hc::tool
