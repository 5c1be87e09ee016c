#include "hc/card/atr.hpp"
#include "hc/pcsc.hpp"
#include "hcard.hpp"

#include <boost/json.hpp>
#include <iostream>

namespace hc::tool {

int cmdReaders(const CommonOptions& o, const std::vector<std::string>&) {
    hc::pcsc::Context ctx;
    const auto readers = ctx.listReaders();
    boost::json::array out;
    for (std::size_t i = 0; i < readers.size(); ++i) {
        std::string atr;
        bool present = false;
        try {
            hc::pcsc::PcscCard card(std::make_shared<hc::pcsc::Context>(), readers[i]);
            atr = hc::toHex(card.atr());
            present = true;
        } catch (const hc::pcsc::PcscError&) { }
        if (o.json) {
            boost::json::object r { { "index", i }, { "name", readers[i] }, { "card", present } };
            if (present) {
                r["atr"] = atr;
            }
            out.push_back(std::move(r));
        } else {
            std::cout << i << "  " << readers[i] << "  " << (present ? "card " + atr : "empty")
                      << "\n";
        }
    }
    if (o.json) {
        printJson(boost::json::object { { "readers", out } });
    } else if (readers.empty()) {
        std::cout << "no readers\n";
    }
    return 0;
}

namespace {
const CommandRegistrar registrar(
    "readers", { "readers", "list readers and whether a card is in each", cmdReaders });
} // namespace

} // namespace hc::tool
