// hcemu card images (hcemu-image/1 JSON): parseCardImage on arbitrary text, then the card OS on
// whatever parsed.
//
// Invariants: parsing throws nothing but InputError; an image that parsed serialises and parses
// back to the same image (decimal numbers in the extensions up to rounding, see sameJson); a CardOs
// over it answers a walk of every file (SELECT by path and by name, READ/UPDATE BINARY,
// READ/UPDATE/APPEND RECORD, VERIFY, GET CHALLENGE, EXTERNAL AUTHENTICATE with each key) with data
// || SW and never throws; the image it leaves behind still round-trips.
#include "hc/card/error.hpp"
#include "hc/emu/card_image.hpp"
#include "hc/emu/card_os.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <string>

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
    std::fprintf(stderr, "emu_card_image: %s: %s\n", what, detail.c_str());
    std::abort();
}

/** JSON equality, except that doubles may differ in the last bits: Boost.JSON 1.81 reads decimal
 * numbers with a fast, not correctly rounded algorithm, so 41e300 comes back as
 * 4.1000000000000003E301 and that as 4.1E301. Integers and everything else must be exact. */
bool sameJson(const boost::json::value& a, const boost::json::value& b) {
    if (a.is_double() && b.is_double()) {
        const double x = a.get_double();
        const double y = b.get_double();
        return x == y || std::fabs(x - y) <= 1e-14 * std::max(std::fabs(x), std::fabs(y));
    }
    if (a.kind() != b.kind()) {
        return false;
    }
    if (a.is_array()) {
        const auto& x = a.get_array();
        const auto& y = b.get_array();
        if (x.size() != y.size()) {
            return false;
        }
        for (std::size_t i = 0; i < x.size(); ++i) {
            if (!sameJson(x[i], y[i])) {
                return false;
            }
        }
        return true;
    }
    if (a.is_object()) {
        const auto& x = a.get_object();
        const auto& y = b.get_object();
        if (x.size() != y.size()) {
            return false;
        }
        for (auto i = x.begin(), j = y.begin(); i != x.end(); ++i, ++j) {
            if (i->key() != j->key() || !sameJson(i->value(), j->value())) {
                return false;
            }
        }
        return true;
    }
    return a == b;
}

/** serialise -> parse must give the same image: the same text for everything but the extensions,
 * the same JSON (doubles to rounding) for those. Returns the text. */
std::string roundTrip(const hc::emu::CardImage& image) {
    const std::string text = hc::emu::serializeCardImage(image);
    try {
        hc::emu::CardImage back = hc::emu::parseCardImage(text);
        if (!sameJson(image.extensions, back.extensions)) {
            fail("the extensions changed on the way", text);
        }
        back.extensions = image.extensions;
        const std::string again = hc::emu::serializeCardImage(back);
        if (again != text) {
            fail("serialise/parse/serialise changed the text", text + "\n---\n" + again);
        }
    } catch (const hc::InputError& e) {
        fail("a serialised image does not parse", std::string(e.what()) + "\n" + text);
    }
    return text;
}

hc::Bytes send(hc::emu::CardOs& os, const hc::Bytes& apdu) {
    hc::Bytes rsp;
    try {
        rsp = os.processRaw(apdu);
    } catch (const std::exception& e) {
        fail("processRaw threw", hc::toHex(apdu) + ": " + e.what());
    }
    if (rsp.size() < 2) {
        fail("response without a status word", hc::toHex(apdu));
    }
    return rsp;
}

hc::Bytes cmd(std::initializer_list<std::uint8_t> header, const hc::Bytes& body = {},
    std::optional<std::uint8_t> le = std::nullopt) {
    hc::Bytes a(header);
    if (!body.empty()) {
        a.push_back(static_cast<std::uint8_t>(body.size()));
        a.insert(a.end(), body.begin(), body.end());
    }
    if (le) {
        a.push_back(*le);
    }
    return a;
}

/** SELECTs every file by path and exercises it with the commands that fit its type. */
void walk(hc::emu::CardOs& os, const hc::emu::FileNode& node, hc::Bytes path, int& budget) {
    if (--budget < 0) {
        return;
    }
    path.push_back(static_cast<std::uint8_t>(node.fid >> 8));
    path.push_back(static_cast<std::uint8_t>(node.fid));
    if (node.parent) { // the MF is selected by 3F00, not by path
        (void)send(os, cmd({ 0x00, 0xA4, 0x08, 0x00 }, path, 0x00));
    }
    const std::uint8_t sfiP1 = static_cast<std::uint8_t>(0x80 | (node.sfi & 0x1F));
    const std::uint8_t sfiP2 = static_cast<std::uint8_t>(node.sfi << 3);
    switch (node.type) {
    case hc::emu::FileType::Df:
        if (!node.dfName.empty()) {
            (void)send(os, cmd({ 0x00, 0xA4, 0x04, 0x00 }, node.dfName, 0x00));
        }
        for (const auto& k : node.keys) {
            const hc::Bytes ch = send(os, cmd({ 0x00, 0x84, 0x00, 0x00 }, {}, 0x08));
            if (ch.size() == 10 && k.value.size() == 16) {
                const hc::Bytes crypt
                    = hc::emu::externalAuthCryptogram(k.value, hc::ByteView(ch.data(), 8));
                (void)send(os, cmd({ 0x00, 0x82, 0x00, k.id }, crypt));
            }
        }
        for (const auto& c : node.children) {
            walk(os, *c, node.parent ? path : hc::Bytes {}, budget);
            if (node.parent) {
                (void)send(os, cmd({ 0x00, 0xA4, 0x08, 0x0C }, path));
            }
        }
        break;
    case hc::emu::FileType::Transparent:
        (void)send(os, { 0x00, 0xB0, 0x00, 0x00, 0x00 });
        (void)send(os, { 0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00 });
        (void)send(os, cmd({ 0x00, 0xD6, 0x00, 0x00 }, { 0x5A }));
        if (node.sfi) {
            (void)send(os, { 0x00, 0xB0, sfiP1, 0x01, 0x10 });
        }
        break;
    default: {
        (void)send(os, { 0x00, 0xB2, 0x01, 0x04, 0x00 });
        (void)send(os, { 0x00, 0xB2, 0x01, 0x05, 0x00, 0x00, 0x00 });
        (void)send(os, { 0x00, 0xB2, 0x00, 0x02, 0x00 });
        (void)send(os, { 0x00, 0xB2, 0x00, 0x03, 0x00 });
        const hc::Bytes rec(
            node.recordSize == 0 ? 1 : std::min<std::size_t>(node.recordSize, 255), 0xA5);
        (void)send(os, cmd({ 0x00, 0xDC, 0x01, 0x04 }, rec));
        (void)send(os, cmd({ 0x00, 0xDC, 0x00, 0x03 }, rec));
        (void)send(os, cmd({ 0x00, 0xE2, 0x00, 0x00 }, rec));
        if (node.sfi) {
            (void)send(os, { 0x00, 0xB2, 0x01, static_cast<std::uint8_t>(sfiP2 | 0x04), 0x00 });
        }
        break;
    }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    hc::emu::CardImage image;
    try {
        image = hc::emu::parseCardImage(std::string(reinterpret_cast<const char*>(data), size));
    } catch (const hc::InputError&) {
        return 0;
    }
    (void)roundTrip(image);

    const std::optional<hc::Bytes> pin
        = image.pin ? std::optional<hc::Bytes>(image.pin->value) : std::nullopt;
    hc::emu::CardOs os(std::move(image), [](const hc::emu::CardImage&) {});
    os.powerOn();
    if (pin && !pin->empty() && pin->size() <= 255) {
        (void)send(os, cmd({ 0x00, 0x20, 0x00, 0x00 }, *pin));
    }
    (void)send(os, { 0x00, 0xA4, 0x00, 0x00, 0x02, 0x3F, 0x00, 0x00 });
    int budget = 64;
    walk(os, *os.image().mf, {}, budget);
    os.reset();
    (void)send(os, { 0x00, 0xC0, 0x00, 0x00, 0x00 });
    (void)roundTrip(os.image());
    return 0;
}
