// Shared helpers for the CardOs tests: a card over a sample image that records every persist,
// and an exchange helper that speaks hex so failures read like a trace.
#pragma once

#include "hc/card/apdu.hpp"
#include "hc/emu/card_image.hpp"
#include "hc/emu/card_os.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <ostream>
#include <string>

namespace emutest {

/** A response as hex: data and SW separately, so CHECK(r.sw == "9000") prints both sides. */
struct Rsp {
    std::string data;
    std::string sw;
};

inline std::ostream& operator<<(std::ostream& os, const Rsp& r) {
    return os << r.data << (r.data.empty() ? "" : " ") << r.sw;
}

inline hc::emu::CardImage loadSample(const char* name) {
    return hc::emu::loadCardImage(std::filesystem::path(HC_IMAGES_DIR) / name);
}

/** A powered card over a sample image. Every persist is counted and its image serialised. */
class TestCard {
public:
    explicit TestCard(const char* image = "demo-card.json")
        : os(loadSample(image), [this](const hc::emu::CardImage& img) {
            ++persists;
            saved = hc::emu::serializeCardImage(img);
            savedPinTries = img.pin ? img.pin->triesLeft : -1;
        }) {
        os.powerOn();
    }
    TestCard(const TestCard&) = delete;
    TestCard& operator=(const TestCard&) = delete;

    /** Sends raw APDU bytes given as hex through processRaw (the wire path). */
    Rsp tx(const std::string& apduHex) {
        const hc::Bytes raw = os.processRaw(hc::fromHex(apduHex));
        REQUIRE_MESSAGE(raw.size() >= 2, "response shorter than a status word to " << apduHex);
        const std::size_t n = raw.size() - 2;
        return { hc::toHex(hc::ByteView(raw.data(), n)),
            hc::toHex(hc::ByteView(raw.data() + n, 2)) };
    }
    /** Sends a parsed command through process (no T=0 behaviour). */
    Rsp tx(const hc::card::CommandApdu& c) {
        const auto r = os.process(c);
        return { hc::toHex(r.data()), r.sw().hex() };
    }

    /** The PIN of the sample images ("123456"), as hex. */
    static constexpr const char* kPin = "313233343536";
    /** The PUK of the sample images ("12345678"), as hex. */
    static constexpr const char* kPuk = "3132333435363738";

    hc::emu::FileNode& file(std::uint16_t fid) {
        auto* n = os.image().mf->child(fid);
        REQUIRE_MESSAGE(n != nullptr, "no file " << fid << " under the MF");
        return *n;
    }

    int persists = 0;
    int savedPinTries = -1;
    std::string saved;
    hc::emu::CardOs os;
};

} // namespace emutest
