#include "hc/card/error.hpp"
#include "hc/card/tlv.hpp"

#include <doctest/doctest.h>
#include <string>

using namespace hc;
using namespace hc::card;

namespace {
std::string berError(const std::string& hex) {
    try {
        (void)parseBerTlv(fromHex(hex));
    } catch (const InputError& e) {
        return e.what();
    }
    return "no error";
}
std::string simpleError(const std::string& hex) {
    try {
        (void)parseSimpleTlv(fromHex(hex));
    } catch (const InputError& e) {
        return e.what();
    }
    return "no error";
}
} // namespace

TEST_CASE("BER-TLV: tags of 1..3 bytes, nested constructed objects") {
    // FCI template: 6F { 84 <AID>, A5 { 9F08 01 02, BF0C 03 { 5F2D 00 } } }, then 9F7F81 01 FF
    const Bytes buf = fromHex("6F 13 84 03 A00000 A5 0A 9F08 01 02 BF0C 03 5F2D 00 8A 00"
                              "9F7F 01 01");
    const auto objs = parseBerTlv(buf);
    REQUIRE(objs.size() == 2);
    const BerTlv& fci = objs[0];
    CHECK(fci.tag == 0x6F);
    CHECK(fci.isConstructed());
    REQUIRE(fci.children.size() == 3);
    CHECK(fci.children[0].tag == 0x84);
    CHECK(fci.children[0].value == fromHex("A00000"));
    CHECK(fci.children[0].offset == 2);
    const BerTlv* prop = fci.find(0xA5);
    REQUIRE(prop != nullptr);
    CHECK(prop->children.size() == 2);
    CHECK(prop->find(0x9F08)->value == Bytes { 0x02 });
    const BerTlv* lang = fci.findRecursive(0x5F2D);
    REQUIRE(lang != nullptr);
    CHECK(lang->value.empty());
    CHECK(lang->offset == 16);
    CHECK(fci.children[2].tag == 0x8A);
    CHECK(objs[1].tag == 0x9F7F);
    CHECK(objs[1].value == Bytes { 0x01 });
    CHECK(findBerTlvRecursive(objs, 0xBF0C) != nullptr);
    CHECK(findBerTlv(objs, 0xBF0C) == nullptr);
    CHECK(encodeBerTlv(objs) == buf);

    const Bytes three = fromHex("DF8101 02 AABB");
    const BerTlv t = parseBerTlvSingle(three);
    CHECK(t.tag == 0xDF8101);
    CHECK(berTagSize(t.tag) == 3);
    CHECK(t.encode() == three);
}

TEST_CASE("BER-TLV: length forms 7F, 81 80, 82, 83") {
    for (std::size_t len : { 0u, 0x7Fu, 0x80u, 0xFFu, 0x100u, 0x1234u, 0x10000u }) {
        const Bytes value(len, 0x5A);
        const Bytes enc = encodeBerTlv(0x04, value);
        const auto back = parseBerTlvSingle(enc);
        CHECK(back.value.size() == len);
        CHECK(back.encode() == enc);
    }
    const Bytes l7f = encodeBerTlv(0x04, Bytes(0x7F));
    CHECK(toHex(Bytes(l7f.begin(), l7f.begin() + 2)) == "047F");
    const Bytes l80 = encodeBerTlv(0x04, Bytes(0x80));
    CHECK(toHex(Bytes(l80.begin(), l80.begin() + 3)) == "048180");
    const Bytes l100 = encodeBerTlv(0x04, Bytes(0x100));
    CHECK(toHex(Bytes(l100.begin(), l100.begin() + 4)) == "04820100");
    const Bytes l10000 = encodeBerTlv(0x04, Bytes(0x10000));
    CHECK(toHex(Bytes(l10000.begin(), l10000.begin() + 5)) == "0483010000");
    // A non-minimal length (81 05) is accepted on input.
    CHECK(parseBerTlvSingle(fromHex("04 81 05 0102030405")).value.size() == 5);
}

TEST_CASE("BER-TLV: errors name the offset") {
    CHECK(berError("5A 05 010203")
        == "BER-TLV at offset 0: tag 5A has length 5 but only 3 bytes follow");
    CHECK(berError("5A 01 00 6F 80 0000")
        == "BER-TLV at offset 3 (tag 6F): indefinite length (80) at offset 4 is not allowed");
    CHECK(berError("9F") == "BER-TLV at offset 0: multi-byte tag runs off the end of the buffer");
    CHECK(
        berError("9F 81") == "BER-TLV at offset 0: multi-byte tag runs off the end of the buffer");
    CHECK(berError("9F8181 01 00") == "BER-TLV at offset 0: tag longer than 3 bytes");
    CHECK(berError("5A") == "BER-TLV at offset 0 (tag 5A): length byte missing at offset 1");
    CHECK(berError("5A 84 00000001 00").find("at most 3 are supported") != std::string::npos);
    CHECK(berError("5A 82 01").find("needs 2 length bytes but only 1 follow") != std::string::npos);
    // Error inside a constructed object reports the absolute offset.
    CHECK(berError("70 04 5A 05 0102")
        == "BER-TLV at offset 2: tag 5A has length 5 but only 2 bytes follow");
    // Nesting beyond the limit.
    Bytes deep;
    for (int i = 0; i < 40; ++i) {
        deep.insert(deep.begin(), { 0x30, static_cast<std::uint8_t>(deep.size()) });
    }
    CHECK_THROWS_AS(parseBerTlv(deep), InputError);
    CHECK_THROWS_WITH_AS(parseBerTlvSingle(fromHex("5A00 5A00")),
        "BER-TLV: expected one object, found 2 (the second starts at offset 2)", InputError);
    // Padding.
    CHECK(parseBerTlv(fromHex("00 5A 01 01 FF FF"), BerPadding::Skip).size() == 1);
    CHECK_THROWS_AS(parseBerTlv(fromHex("5A 01 01 FF FF")), InputError);
    // Builders refuse wrong tags.
    CHECK_THROWS_AS(BerTlv::primitive(0x6F, {}), InputError);
    CHECK_THROWS_AS(BerTlv::constructed(0x5A, {}), InputError);
    CHECK_THROWS_AS(BerTlv::primitive(0x9F, {}), InputError);
    const BerTlv built = BerTlv::constructed(0x70, { BerTlv::primitive(0x5A, { 1, 2 }) });
    CHECK(toHex(built.encode()) == "70045A020102");
}

TEST_CASE("simple TLV: several elements, build, find") {
    const Bytes buf = fromHex("01 03 414243 02 00 03 01 FF");
    const auto elems = parseSimpleTlv(buf);
    REQUIRE(elems.size() == 3);
    CHECK(elems[0].tag == 0x01);
    CHECK(elems[0].value == fromHex("414243"));
    CHECK(elems[1].value.empty());
    CHECK(elems[2].offset == 7);
    CHECK(findSimpleTlv(elems, 0x03)->value == Bytes { 0xFF });
    CHECK(findSimpleTlv(elems, 0x04) == nullptr);
    CHECK(encodeSimpleTlv(elems) == buf);
    const Bytes max = encodeSimpleTlv(0x05, Bytes(255, 0x20));
    CHECK(max[1] == 0xFF);
    CHECK(parseSimpleTlv(max).front().value.size() == 255);
    CHECK_THROWS_AS(encodeSimpleTlv(0x05, Bytes(256)), InputError);

    CHECK(simpleError("01 05 4142")
        == "simple TLV at offset 0: tag 01 has length 5 but only 2 bytes follow");
    CHECK(simpleError("01 01 41 02")
        == "simple TLV at offset 3: tag 02 has no length byte (buffer ends)");
    const Bytes padded = fromHex("01 01 41 FF FF FF");
    CHECK(parseSimpleTlv(padded, SimplePadding::AllowTrailing).size() == 1);
    CHECK_THROWS_AS(
        parseSimpleTlv(fromHex("01 01 41 FF FF 02"), SimplePadding::AllowTrailing), InputError);
}
