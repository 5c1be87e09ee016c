#include "hc/card/apdu.hpp"
#include "hc/card/error.hpp"

#include <doctest/doctest.h>
#include <string>

using namespace hc;
using namespace hc::card;

namespace {
std::string parseError(const std::string& hex) {
    try {
        (void)CommandApdu::parse(fromHex(hex));
    } catch (const InputError& e) {
        return e.what();
    }
    return "no error";
}
Bytes filled(std::size_t n, std::uint8_t v = 0xAB) {
    return Bytes(n, v);
}
} // namespace

TEST_CASE("command APDU cases 1-4, short") {
    const CommandApdu c1(0x00, 0xA4, 0x00, 0x00);
    CHECK(c1.apduCase() == ApduCase::Case1);
    CHECK(toHex(c1.encode()) == "00A40000");

    const CommandApdu c2(0x00, 0xB0, 0x00, 0x00, {}, 0x10);
    CHECK(c2.apduCase() == ApduCase::Case2);
    CHECK(toHex(c2.encode()) == "00B0000010");

    const CommandApdu c3(0x00, 0xA4, 0x00, 0x00, { 0x3F, 0x00 });
    CHECK(c3.apduCase() == ApduCase::Case3);
    CHECK(toHex(c3.encode()) == "00A40000023F00");

    const CommandApdu c4(0x00, 0xA4, 0x04, 0x00, { 0xA0, 0x00 }, 256);
    CHECK(c4.apduCase() == ApduCase::Case4);
    CHECK(toHex(c4.encode()) == "00A4040002A00000");

    for (const auto& c : { c1, c2, c3, c4 }) {
        CHECK(CommandApdu::parse(c.encode()) == c);
    }
    const auto p = CommandApdu::parse(fromHex("00A4040002A00010"));
    CHECK(p.apduCase() == ApduCase::Case4);
    CHECK(p.ne() == 0x10);
    CHECK(p.data() == Bytes { 0xA0, 0x00 });
}

TEST_CASE("Nc and Ne at the short/extended edges") {
    // Nc 255 is short, 256 extended, 65535 the maximum.
    CHECK_FALSE(CommandApdu(0, 0xD6, 0, 0, filled(255)).extended());
    CHECK(CommandApdu(0, 0xD6, 0, 0, filled(255)).encode().size() == 5 + 255);
    const CommandApdu nc256(0, 0xD6, 0, 0, filled(256));
    CHECK(nc256.extended());
    const Bytes nc256enc = nc256.encode();
    CHECK(toHex(Bytes(nc256enc.begin(), nc256enc.begin() + 7)) == "00D60000000100");
    const CommandApdu nc65535(0, 0xD6, 0, 0, filled(65535));
    CHECK(nc65535.encode().size() == 7 + 65535);
    CHECK(CommandApdu::parse(nc65535.encode()) == nc65535);
    CHECK_THROWS_AS(CommandApdu(0, 0xD6, 0, 0, filled(65536)), InputError);

    // Ne 255 -> FF, 256 -> 00 (short), 257 -> extended 000101, 65535 -> 00FFFF, 65536 -> 000000.
    CHECK(toHex(CommandApdu(0, 0xB0, 0, 0, {}, 255).encode()) == "00B00000FF");
    CHECK(toHex(CommandApdu(0, 0xB0, 0, 0, {}, 256).encode()) == "00B0000000");
    CHECK(toHex(CommandApdu(0, 0xB0, 0, 0, {}, 257).encode()) == "00B00000000101");
    CHECK(toHex(CommandApdu(0, 0xB0, 0, 0, {}, 65535).encode()) == "00B0000000FFFF");
    CHECK(toHex(CommandApdu(0, 0xB0, 0, 0, {}, 65536).encode()) == "00B00000000000");
    CHECK_THROWS_AS(CommandApdu(0, 0xB0, 0, 0, {}, 65537), InputError);
    for (std::size_t ne : { 255u, 256u, 257u, 65535u, 65536u }) {
        CHECK(CommandApdu::parse(CommandApdu(0, 0xB0, 0, 0, {}, ne).encode()).ne() == ne);
    }
    // Case 4 extended: Le is two bytes without another 00.
    const CommandApdu c4e(0, 0x2A, 0x9E, 0x9A, filled(3), 65536);
    CHECK(toHex(c4e.encode()) == "002A9E9A000003ABABAB0000");
    CHECK(CommandApdu::parse(c4e.encode()) == c4e);
    // Extended form of small lengths survives a round trip.
    const Bytes ext = fromHex("00B00000000010");
    CHECK(CommandApdu::parse(ext).encode() == ext);
    CHECK(CommandApdu::parse(ext).ne() == 16);
}

TEST_CASE("malformed command APDUs name the problem") {
    CHECK(parseError("00A400") == "command APDU: 3 bytes, a header needs 4");
    CHECK(parseError("") == "command APDU: 0 bytes, a header needs 4");
    // Lc says 5, only 3 data bytes follow (truncated).
    CHECK(parseError("00A4040005A00000")
        == "command APDU: Lc=5 but 3 bytes follow it (expected 5 or 6)");
    // Trailing bytes after Le.
    CHECK(parseError("00A4040002A000100000")
        == "command APDU: Lc=2 but 5 bytes follow it (expected 2 or 3)");
    // Extended marker without its length bytes.
    CHECK(parseError("00B000000001").find("extended length marker") != std::string::npos);
    // Extended Lc inconsistent with the data.
    CHECK(parseError("00D6000000000301020304")
        == "command APDU: extended Lc=3 but 4 bytes follow it (expected 3 or 5)");
    CHECK(parseError("00D60000000000AA").find("Lc=0000") != std::string::npos);
}

TEST_CASE("response APDU") {
    const auto r = ResponseApdu::parse(fromHex("01029000"));
    CHECK(r.ok());
    CHECK(r.data() == Bytes { 1, 2 });
    CHECK(r.sw() == sw::Ok);
    CHECK(toHex(r.encode()) == "01029000");
    CHECK(ResponseApdu::parse(fromHex("6A82")).sw() == sw::FileNotFound);
    CHECK_THROWS_WITH_AS(ResponseApdu::parse(fromHex("90")),
        "response APDU: 1 bytes, a status word needs 2", InputError);
}

TEST_CASE("builders") {
    CHECK(toHex(apdu::selectFid(0xDDF1).encode()) == "00A4000002DDF1");
    CHECK(toHex(apdu::readRecord(1).encode()) == "00B2010400");
    CHECK(toHex(apdu::getResponse(0x20).encode()) == "00C0000020");
    CHECK_THROWS_AS(apdu::readBinary(0x8000, 1), InputError);
}
