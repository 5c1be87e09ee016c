// The vpcd wire protocol, card side: payload decoding and frame encoding (pure functions).
#include "hc/card/error.hpp"
#include "hc/emu/vpcd_protocol.hpp"

#include <doctest/doctest.h>
#include <string>
#include <variant>

using namespace hc;
using namespace hc::emu;

namespace {
std::string decodeError(const std::string& hex) {
    try {
        (void)decodeVpcdPayload(fromHex(hex));
    } catch (const InputError& e) {
        return e.what();
    }
    return "no error";
}

std::string controlOf(const std::string& hex) {
    const auto req = decodeVpcdPayload(fromHex(hex));
    const auto* c = std::get_if<VpcdControl>(&req);
    if (!c) {
        return "not a control request";
    }
    switch (*c) {
    case VpcdControl::PowerOff:
        return "power off";
    case VpcdControl::PowerOn:
        return "power on";
    case VpcdControl::Reset:
        return "reset";
    case VpcdControl::GetAtr:
        return "get ATR";
    }
    return "?";
}
} // namespace

TEST_CASE("vpcd: one-byte payloads are the control requests 00/01/02/04") {
    CHECK(controlOf("00") == "power off");
    CHECK(controlOf("01") == "power on");
    CHECK(controlOf("02") == "reset");
    CHECK(controlOf("04") == "get ATR");
}

TEST_CASE("vpcd: an unknown control byte is an InputError that names the byte") {
    // 03 does not exist in vpcd; FF and 05 neither.
    for (const std::string b : { "03", "05", "FF", "80" }) {
        CAPTURE(b);
        const auto msg = decodeError(b);
        CHECK(msg.find("unknown control byte") != std::string::npos);
        CHECK(msg.find(std::string("0x") + b) != std::string::npos);
    }
}

TEST_CASE("vpcd: an empty payload and 2-3 byte payloads are rejected") {
    CHECK(decodeError("").find("empty payload") != std::string::npos);
    CHECK(decodeError("0001").find("2-byte payload") != std::string::npos);
    CHECK(decodeError("00A400").find("3-byte payload") != std::string::npos);
}

TEST_CASE("vpcd: four bytes and more are an APDU passed through unchanged") {
    for (const std::string apdu :
        { "00A40000", "00B0000010", "00A4040008A000000003100001", "0000000000", "FFFFFFFF" }) {
        CAPTURE(apdu);
        const auto req = decodeVpcdPayload(fromHex(apdu));
        const auto* a = std::get_if<VpcdApdu>(&req);
        REQUIRE(a != nullptr);
        CHECK(toHex(a->bytes) == apdu);
    }
    // Not validated as an APDU here: the card OS answers 6700 to malformed ones.
    const Bytes big(kVpcdMaxPayload, 0x5A);
    const auto req = decodeVpcdPayload(big);
    REQUIRE(std::holds_alternative<VpcdApdu>(req));
    CHECK(std::get<VpcdApdu>(req).bytes == big);
}

TEST_CASE("vpcd: frames carry a big-endian 16-bit length") {
    CHECK(toHex(encodeVpcdFrame({})) == "0000");
    CHECK(toHex(encodeVpcdFrame(fromHex("9000"))) == "00029000");
    CHECK(toHex(encodeVpcdFrame(fromHex("3BF81300008131FE454843454D55000001B7")))
        == "00123BF81300008131FE454843454D55000001B7");

    const Bytes b256(256, 0x11);
    const Bytes f256 = encodeVpcdFrame(b256);
    CHECK(f256.size() == 258);
    CHECK(f256[0] == 0x01);
    CHECK(f256[1] == 0x00);

    const Bytes max(kVpcdMaxPayload, 0xA5);
    const Bytes fmax = encodeVpcdFrame(max);
    REQUIRE(fmax.size() == 65537);
    CHECK(fmax[0] == 0xFF);
    CHECK(fmax[1] == 0xFF);
    CHECK(fmax[2] == 0xA5);
    CHECK(fmax.back() == 0xA5);
}

TEST_CASE("vpcd: a payload over 65535 bytes cannot be framed") {
    const Bytes tooBig(kVpcdMaxPayload + 1, 0x00);
    std::string msg = "no error";
    try {
        (void)encodeVpcdFrame(tooBig);
    } catch (const InputError& e) {
        msg = e.what();
    }
    CHECK(msg.find("65536 bytes exceeds the 16-bit length") != std::string::npos);
}
