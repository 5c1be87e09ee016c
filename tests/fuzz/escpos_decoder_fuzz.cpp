// The ESC/POS decoder (drivers/printer, links hc_printer). Invariants: decoding never throws and
// never reads out of bounds; every event's offset lies inside the input and its raw bytes are at
// most 16; decoding the input in two pieces (split where its first byte says) gives the same
// text and the same non-text events as decoding it whole; renderText never throws.
#include "hc/printer/escpos_decoder.hpp"

#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

namespace {

using hc::printer::EscPosEvent;
using hc::printer::EventKind;

/** Text joined, other events as (kind, offset, value, text). */
struct Summary {
    std::string text;
    std::vector<std::string> others;
    bool operator==(const Summary&) const = default;
};

Summary summarize(const std::vector<EscPosEvent>& events) {
    Summary s;
    for (const auto& e : events) {
        if (e.kind == EventKind::Text) {
            s.text += e.text;
        } else {
            s.others.push_back(std::string(hc::printer::eventName(e.kind)) + "@"
                + std::to_string(e.offset) + ":" + std::to_string(e.value) + ":" + e.text);
        }
    }
    return s;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> input(data, size);
    const auto whole = hc::printer::EscPosDecoder::decode(input);
    for (const auto& e : whole) {
        if ((size > 0 && e.offset >= size) || e.raw.size() > 16) {
            std::abort();
        }
    }
    (void)hc::printer::renderText(whole, 32);

    const std::size_t cut = size == 0 ? 0 : data[0] % (size + 1);
    hc::printer::EscPosDecoder d;
    auto pieces = d.feed(input.first(cut));
    for (auto& e : d.feed(input.subspan(cut))) {
        pieces.push_back(std::move(e));
    }
    for (auto& e : d.finish()) {
        pieces.push_back(std::move(e));
    }
    if (!(summarize(pieces) == summarize(whole))) {
        std::abort();
    }
    return 0;
}
