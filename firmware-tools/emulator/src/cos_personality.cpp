#include "hc/emu/cos_personality.hpp"

#include "hc/card/atr.hpp"
#include "hc/card/error.hpp"

#include <charconv>

namespace hc::emu {

CosPersonality CosPersonality::parse(std::string_view list) {
    CosPersonality p;
    std::size_t pos = 0;
    while (pos <= list.size()) {
        const std::size_t comma = std::min(list.find(',', pos), list.size());
        std::string_view w = list.substr(pos, comma - pos);
        while (!w.empty() && w.front() == ' ') {
            w.remove_prefix(1);
        }
        while (!w.empty() && w.back() == ' ') {
            w.remove_suffix(1);
        }
        pos = comma + 1;
        if (w.empty() || w == "standard") {
            continue;
        }
        if (w == "no-sfi") {
            p.sfi = false;
        } else if (w == "no-bulk") {
            p.bulk = false;
        } else if (w == "no-extended") {
            p.extendedLength = false;
        } else if (w == "t0") {
            p.t0 = true;
        } else if (w == "strict-le") {
            p.strictLe = true;
        } else if (w == "name-only") {
            p.nameOnly = true;
        } else if (w == "contactless") {
            p.contactless = true;
        } else if (w.starts_with("delay=")) {
            const auto v = w.substr(6);
            unsigned ms = 0;
            const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), ms);
            if (ec != std::errc() || end != v.data() + v.size() || v.empty() || ms > 10000) {
                throw hc::InputError("COS personality: \"" + std::string(w)
                    + "\": the delay is 0 to 10000 milliseconds");
            }
            p.delayMs = ms;
        } else {
            throw hc::InputError("COS personality: unknown switch \"" + std::string(w)
                + "\" (known: standard, no-sfi, no-bulk, no-extended, t0, strict-le, name-only, "
                  "delay=N, contactless)");
        }
    }
    if (p.t0 && p.contactless) {
        throw hc::InputError("COS personality: t0 and contactless exclude each other (a "
                             "contactless card speaks ISO 14443-4, presented as T=1)");
    }
    return p;
}

std::string CosPersonality::toString() const {
    std::string s;
    auto add = [&s](const std::string& w) { s += (s.empty() ? "" : ",") + w; };
    if (!sfi) {
        add("no-sfi");
    }
    if (!bulk) {
        add("no-bulk");
    }
    if (!extendedLength) {
        add("no-extended");
    }
    if (t0) {
        add("t0");
    }
    if (strictLe) {
        add("strict-le");
    }
    if (nameOnly) {
        add("name-only");
    }
    if (delayMs) {
        add("delay=" + std::to_string(delayMs));
    }
    if (contactless) {
        add("contactless");
    }
    return s.empty() ? "standard" : s;
}

std::uint8_t CosPersonality::mask() const {
    return static_cast<std::uint8_t>((sfi ? 0 : 0x01) | (bulk ? 0 : 0x02)
        | (extendedLength ? 0 : 0x04) | (t0 ? 0x08 : 0) | (strictLe ? 0x10 : 0)
        | (nameOnly ? 0x20 : 0) | (contactless ? 0x40 : 0));
}

bool CosPersonality::changesAtr() const {
    return mask() != 0;
}

hc::Bytes personalityAtr(hc::ByteView imageAtr, const CosPersonality& p) {
    if (!p.changesAtr()) {
        return hc::Bytes(imageAtr.begin(), imageAtr.end()); // as it is, even if it does not parse
    }
    hc::card::Atr atr;
    try {
        atr = hc::card::Atr::parse(imageAtr);
    } catch (const hc::InputError& e) {
        throw hc::InputError(std::string("COS personality ") + p.toString()
            + ": the image's ATR does not parse, so no ATR can be built from it (" + e.what()
            + ")");
    }
    const hc::Bytes& h = atr.historicalBytes();
    hc::Bytes div(8, 0x00);
    const std::size_t n = std::min<std::size_t>(h.size(), 8);
    std::copy(h.end() - static_cast<std::ptrdiff_t>(n), h.end(),
        div.end() - static_cast<std::ptrdiff_t>(n));
    hc::Bytes hist { 0x80, 0x73, 0x00, 0x00,
        static_cast<std::uint8_t>(p.takesExtended() ? 0x40 : 0x00), 0x69, p.mask() };
    hist.insert(hist.end(), div.begin(), div.end());
    hc::Bytes out;
    if (p.t0) {
        out = { 0x3B, static_cast<std::uint8_t>(0x60 | hist.size()), 0x00, 0x00 };
        out.insert(out.end(), hist.begin(), hist.end());
        return out; // T=0 only: no TCK
    }
    if (p.contactless) {
        out = { 0x3B, static_cast<std::uint8_t>(0x80 | hist.size()), 0x80, 0x01 };
    } else {
        out = { 0x3B, static_cast<std::uint8_t>(0x80 | hist.size()), 0x81, 0x31, 0xFE, 0x45 };
    }
    out.insert(out.end(), hist.begin(), hist.end());
    std::uint8_t tck = 0;
    for (std::size_t i = 1; i < out.size(); ++i) {
        tck = static_cast<std::uint8_t>(tck ^ out[i]);
    }
    out.push_back(tck);
    return out;
}

} // namespace hc::emu
