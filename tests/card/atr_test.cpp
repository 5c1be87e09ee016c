#include "hc/card/atr.hpp"
#include "hc/card/error.hpp"

#include <doctest/doctest.h>
#include <string>

using namespace hc;
using namespace hc::card;

namespace {
std::string atrError(const std::string& hex) {
    try {
        (void)Atr::parse(fromHex(hex));
    } catch (const InputError& e) {
        return e.what();
    }
    return "no error";
}
} // namespace

TEST_CASE("ATR: T=0 contact card (3B 6D 00 00 ...)") {
    const auto atr = Atr::parse(fromHex("3B 6D 00 00 80 31 80 65 B0 89 35 01 F1 83 00 90 00"));
    CHECK(atr.convention() == AtrConvention::Direct);
    CHECK(atr.t0() == 0x6D);
    REQUIRE(atr.groups().size() == 1);
    CHECK_FALSE(atr.groups()[0].ta.has_value());
    CHECK(atr.groups()[0].tb == 0x00);
    CHECK(atr.groups()[0].tc == 0x00);
    CHECK(atr.protocols() == std::vector<int> { 0 });
    CHECK(atr.offers(0));
    CHECK_FALSE(atr.offers(1));
    CHECK_FALSE(atr.tckRequired());
    CHECK_FALSE(atr.tck().has_value());
    CHECK(atr.historicalBytes() == fromHex("80 31 80 65 B0 89 35 01 F1 83 00 90 00"));
    CHECK(atr.fi() == 372);
    CHECK(atr.di() == 1);
    CHECK_FALSE(atr.isContactless());
}

TEST_CASE("ATR: Java card T=1 (JCOP v2.4.1)") {
    const auto atr = Atr::parse(fromHex("3B F8 13 00 00 81 31 FE 45 4A 43 4F 50 76 32 34 31 B7"));
    REQUIRE(atr.groups().size() == 3);
    CHECK(atr.groups()[0].ta == 0x13);
    CHECK(atr.fiIndex() == 1);
    CHECK(atr.diIndex() == 3);
    CHECK(atr.fi() == 372);
    CHECK(atr.di() == 4);
    CHECK(atr.groups()[0].td == 0x81);
    CHECK(atr.groups()[1].td == 0x31);
    CHECK(atr.groups()[2].ta == 0xFE);
    CHECK(atr.groups()[2].tb == 0x45);
    CHECK(atr.groups()[2].appliesTo == 1);
    CHECK(atr.protocols() == std::vector<int> { 1 });
    CHECK(atr.tckRequired());
    CHECK(atr.tck() == 0xB7);
    CHECK(std::string(atr.historicalBytes().begin(), atr.historicalBytes().end()) == "JCOPv241");
}

TEST_CASE("ATR: Yubikey T=1") {
    const auto atr = Atr::parse(
        fromHex("3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 40"));
    CHECK(atr.offers(1));
    CHECK(atr.tck() == 0x40);
    const auto& h = atr.historicalBytes();
    REQUIRE(h.size() == 13);
    CHECK(std::string(h.end() - 7, h.end()) == "YubiKey");
}

TEST_CASE("ATR: PC/SC part 3 contactless pseudo-ATR") {
    const auto atr
        = Atr::parse(fromHex("3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A"));
    CHECK(atr.isContactless());
    CHECK(atr.protocols() == std::vector<int> { 0, 1 });
    CHECK(atr.tck() == 0x6A);
    REQUIRE(atr.contactlessHistoricalBytes().has_value());
    CHECK(*atr.contactlessHistoricalBytes()
        == fromHex("80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00"));
    // A contact T=1 ATR is not a pseudo-ATR.
    CHECK_FALSE(Atr::parse(fromHex("3B F8 13 00 00 81 31 FE 45 4A 43 4F 50 76 32 34 31 B7"))
                    .contactlessHistoricalBytes()
                    .has_value());
}

TEST_CASE("ATR: inverse convention") {
    const auto atr = Atr::parse(fromHex("3F 65 25 00 2C 09 69 90 00"));
    CHECK(atr.convention() == AtrConvention::Inverse);
    CHECK(atr.groups()[0].tb == 0x25);
    CHECK(atr.historicalBytes() == fromHex("2C 09 69 90 00"));
    // The same ATR as raw line bytes (not decoded by the reader) starts with 03.
    Bytes raw;
    for (std::uint8_t b : fromHex("3F 65 25 00 2C 09 69 90 00")) {
        // decodeInverseConvention is an involution up to inversion; find the raw byte.
        for (int r = 0; r < 256; ++r) {
            if (decodeInverseConvention(static_cast<std::uint8_t>(r)) == b) {
                raw.push_back(static_cast<std::uint8_t>(r));
                break;
            }
        }
    }
    CHECK(raw[0] == 0x03);
    const auto fromRaw = Atr::parse(raw);
    CHECK(fromRaw.convention() == AtrConvention::Inverse);
    CHECK(fromRaw.decoded() == fromHex("3F 65 25 00 2C 09 69 90 00"));
    CHECK(fromRaw.historicalBytes() == atr.historicalBytes());
}

TEST_CASE("ATR: T=15 global interface bytes require a TCK") {
    // TD1 = 80 (T=0, TD2 follows), TD2 = 1F (T=15, TA3 follows), TA3 = 03 (classes A and B).
    const auto atr = Atr::parse(fromHex("3B 80 80 1F 03 1C"));
    CHECK(atr.protocols() == std::vector<int> { 0, 15 });
    CHECK(atr.offers(15));
    CHECK(atr.tckRequired());
    REQUIRE(atr.group(3) != nullptr);
    CHECK(atr.group(3)->appliesTo == 15);
    CHECK(atr.group(3)->ta == 0x03);
    CHECK(atr.group(4) == nullptr);
    CHECK(atrError("3B 80 80 1F 03") == "ATR: TCK missing (required because T=15 is offered)");
    CHECK_FALSE(atr.isContactless());
}

TEST_CASE("ATR: errors") {
    CHECK(atrError("") == "ATR: empty (TS missing)");
    CHECK(atrError("3C 00") == "ATR: TS = 3C is neither 3B (direct) nor 3F (inverse convention)");
    CHECK(atrError("3B") == "ATR: T0 missing (only TS present)");
    // Bad TCK on the JCOP ATR.
    CHECK(atrError("3B F8 13 00 00 81 31 FE 45 4A 43 4F 50 76 32 34 31 B6")
        == "ATR: TCK is B6 but T0..historical bytes XOR to B7 (checksum error)");
    // TCK missing when T=1 is offered.
    CHECK(atrError("3B F8 13 00 00 81 31 FE 45 4A 43 4F 50 76 32 34 31")
        == "ATR: TCK missing (required because T=1 is offered)");
    // Truncated inside the interface bytes.
    CHECK(atrError("3B F8 13 00") == "ATR: TC1 announced but the ATR ends at byte 4");
    CHECK(atrError("3B F8 13 00 00 81") == "ATR: TD2 announced but the ATR ends at byte 6");
    // Truncated historical bytes.
    CHECK(atrError("3B 6D 00 00 80 31")
        == "ATR: T0 announces 13 historical bytes from byte 4 but only 2 remain");
    // Trailing bytes.
    CHECK(atrError("3B 6D 00 00 80 31 80 65 B0 89 35 01 F1 83 00 90 00 11 22")
        == "ATR: 2 bytes after the historical bytes (at byte 17), expected none");
    CHECK(atrError("3B 6D 00 00 80 31 80 65 B0 89 35 01 F1 83 00 90 00 11").find("unexpected byte")
        != std::string::npos);
    CHECK(atrError(std::string(34 * 2, 'B')).find("at most 33") != std::string::npos);
}

TEST_CASE("COMPACT-TLV historical bytes: card capabilities announce extended Lc/Le or not") {
    // 80 | 73 00 00 40 | 69 B0 <8-byte diversifier>: extended announced.
    const auto ext = Atr::parse(fromHex("3B8F8131FE45807300004069B01101050000000003F8"));
    REQUIRE(ext.historicalObject(0x07));
    CHECK(toHex(*ext.historicalObject(0x07)) == "000040");
    CHECK(ext.announcesExtendedLength());
    CHECK(toHex(*ext.historicalObject(0x06)) == "B01101050000000003");
    // The same with byte 3 = 00: short only.
    CHECK_FALSE(Atr::parse(fromHex("3B8F8131FE45807300000069B01101050000000003B8"))
                    .announcesExtendedLength());
    // No card capabilities, or objects that run past the bytes (a serial number after them):
    // nothing is announced, nothing is read past the end.
    const auto old = Atr::parse(fromHex("3B8D8131FE4580318065B0110105000000000374"));
    CHECK_FALSE(old.historicalObject(0x07));
    CHECK_FALSE(old.announcesExtendedLength());
    // A proprietary category (no COMPACT-TLV at all).
    CHECK_FALSE(Atr::parse(fromHex("3B6800004843454D55000001")).announcesExtendedLength());
    // Category 00: the last three bytes are the status indicator, not objects.
    CHECK(
        toHex(*Atr::parse(fromHex("3B68000000730000C0009000")).historicalObject(0x07)) == "0000C0");
}
