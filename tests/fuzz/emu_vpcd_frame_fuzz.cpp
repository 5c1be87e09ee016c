// hcemu's vpcd side: a byte stream as vpcd would send it, cut into frames [len_hi len_lo payload]
// the way the emulator's read loop does, each payload decoded with decodeVpcdPayload and acted on
// against a CardOs over a small built-in image (control bytes power the card, APDUs go through
// processRaw). The first input byte picks the mode: bit 0 = T=0 image, bit 1 = PIN verified first.
//
// Invariants: decoding throws nothing but InputError; a decoded payload re-frames to the same
// bytes; every APDU gets data || SW (at least 2 bytes) and processRaw never throws; the image the
// card leaves behind (when it persisted anything) serialises, parses back and serialises to the
// same text.
#include "hc/card/error.hpp"
#include "hc/emu/card_image.hpp"
#include "hc/emu/card_os.hpp"
#include "hc/emu/vpcd_protocol.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <variant>

namespace {

// Like demo-card.json, smaller: every file type, a PIN, a PUK and a key-protected EF.
constexpr const char* kImage = R"({
  "format": "hcemu-image/1", "atr": "3BF81300008131FE454843454D55000001B7", "t0": false,
  "pin": {"value": "31323334", "tries_left": 3, "max_tries": 3},
  "puk": {"value": "3132333435363738", "tries_left": 10, "max_tries": 10},
  "mf": {"fid": "3F00", "type": "df", "name": "4843454D552E4D46", "children": [
    {"fid": "0001", "type": "transparent", "size": 32, "sfi": 1, "data": "48656C6C6F"},
    {"fid": "0002", "type": "linear-fixed", "record_size": 4, "max_records": 3, "sfi": 2,
     "records": ["01010101", "02020202"]},
    {"fid": "0003", "type": "linear-variable", "record_size": 8, "max_records": 4, "sfi": 3,
     "records": ["0101", "020202"]},
    {"fid": "0004", "type": "cyclic", "record_size": 2, "max_records": 2, "sfi": 4,
     "update": "pin", "records": ["0002", "0001"]},
    {"fid": "0005", "type": "transparent", "size": 300, "read": "always", "update": "pin"},
    {"fid": "1000", "type": "df", "name": "A000000003100001",
     "keys": [{"id": "01", "alg": "sm4", "value": "0123456789ABCDEFFEDCBA9876543210",
               "tries_left": 3, "max_tries": 3}],
     "children": [
       {"fid": "1001", "type": "transparent", "size": 8, "read": "key:01", "update": "key:01"},
       {"fid": "1002", "type": "transparent", "size": 8, "read": "pin", "update": "never"}]}]}
})";

[[noreturn]] void fail(const char* what, const std::string& detail) {
    std::fprintf(stderr, "emu_vpcd_frame: %s: %s\n", what, detail.c_str());
    std::abort();
}

void checkReframe(hc::ByteView payload, const hc::emu::VpcdRequest& req) {
    const hc::Bytes frame = hc::emu::encodeVpcdFrame(payload);
    if (frame.size() != payload.size() + 2
        || ((std::size_t { frame[0] } << 8) | frame[1]) != payload.size()) {
        fail("frame length", hc::toHex(hc::ByteView(frame.data(), 2)));
    }
    const auto again = hc::emu::decodeVpcdPayload(hc::ByteView(frame.data() + 2, frame.size() - 2));
    if (again.index() != req.index()) {
        fail("re-decoded frame changed kind", hc::toHex(payload));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::uint8_t mode = data[0];
    auto image = hc::emu::parseCardImage(kImage);
    image.t0 = (mode & 0x01) != 0;
    bool changed = false;
    hc::emu::CardOs os(std::move(image), [&changed](const hc::emu::CardImage&) { changed = true; });
    os.powerOn();
    if ((mode & 0x02) != 0) {
        (void)os.processRaw(hc::fromHex("002000000431323334"));
    }

    std::size_t pos = 1;
    while (pos + 2 <= size) {
        const std::size_t len = (std::size_t { data[pos] } << 8) | data[pos + 1];
        pos += 2;
        if (len > size - pos) {
            break; // the emulator would wait for the rest
        }
        const hc::ByteView payload(data + pos, len);
        pos += len;

        hc::emu::VpcdRequest req;
        try {
            req = hc::emu::decodeVpcdPayload(payload);
        } catch (const hc::InputError&) {
            const bool known = len == 1
                && (payload[0] == 0x00 || payload[0] == 0x01 || payload[0] == 0x02
                    || payload[0] == 0x04);
            if (known || len >= 4) {
                fail("rejected a valid-sized payload", hc::toHex(payload));
            }
            continue;
        }
        checkReframe(payload, req);
        if (const auto* ctl = std::get_if<hc::emu::VpcdControl>(&req)) {
            switch (*ctl) {
            case hc::emu::VpcdControl::PowerOff:
                os.powerOff();
                break;
            case hc::emu::VpcdControl::PowerOn:
                os.powerOn();
                break;
            case hc::emu::VpcdControl::Reset:
                os.reset();
                break;
            case hc::emu::VpcdControl::GetAtr:
                (void)hc::emu::encodeVpcdFrame(os.atr());
                break;
            }
            continue;
        }
        const auto& apdu = std::get<hc::emu::VpcdApdu>(req).bytes;
        if (apdu.size() != len) {
            fail("APDU not passed through unchanged", hc::toHex(payload));
        }
        hc::Bytes rsp;
        try {
            rsp = os.processRaw(apdu);
        } catch (const std::exception& e) {
            fail("processRaw threw", hc::toHex(apdu) + ": " + e.what());
        }
        if (rsp.size() < 2) {
            fail("response without a status word", hc::toHex(apdu));
        }
        (void)hc::emu::encodeVpcdFrame(rsp); // at most 65535 + 2 bytes: must still frame
    }

    if (!changed) {
        return 0; // nothing was written: the image is still the built-in one
    }
    const std::string text = hc::emu::serializeCardImage(os.image());
    try {
        if (hc::emu::serializeCardImage(hc::emu::parseCardImage(text)) != text) {
            fail("saved image does not reload to the same text", text);
        }
    } catch (const hc::InputError& e) {
        fail("saved image does not parse", std::string(e.what()) + "\n" + text);
    }
    return 0;
}
