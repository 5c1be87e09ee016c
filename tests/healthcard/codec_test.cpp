// Unit tests: AN (GBK, 00-padded), CN (BCD, F-padded), B element codecs and the typed model.
#include "hc/card/health/codec.hpp"
#include "hc/card/health/model.hpp"

#include <doctest/doctest.h>

using namespace hc;
using namespace hc::card::health;

TEST_CASE("AN: GB2312 and GBK-only characters round-trip, 00-padded") {
    const Bytes b = encodeAn("张三", 30);
    CHECK(b.size() == 30);
    CHECK(toHex(Bytes(b.begin(), b.begin() + 4)) == "D5C5C8FD");
    CHECK(b[4] == 0x00);
    CHECK(b[29] == 0x00);
    CHECK(decodeAn(b) == "张三");
    // 喆 and 镕 are in GBK but not in GB 2312.
    const Bytes g = encodeAn("张喆镕", 30);
    CHECK(decodeAn(g) == "张喆镕");
    CHECK(g[4] >= 0x81); // a GBK double byte
    CHECK(decodeAn(encodeAn("13800138000", 20)) == "13800138000");
}

TEST_CASE("AN: too long, unencodable and invalid bytes name the field and rule") {
    try {
        encodeAn("一二三四五六七八九十一二三四五六", 30, "holder.name");
        FAIL("no error");
    } catch (const ValidationError& e) {
        CHECK(e.field() == "holder.name");
        CHECK(e.rule() == "AN length");
    }
    try {
        encodeAn("😀", 30, "holder.name");
        FAIL("no error");
    } catch (const ValidationError& e) {
        CHECK(e.rule() == "AN GBK");
    }
    CHECK_THROWS_AS(decodeAn(Bytes { 0x81, 0x20 }, "x"), ValidationError);
    CHECK(decodeAn(Bytes(20, 0xFF)).empty()); // never written
    CHECK(decodeAn(Bytes(20, 0x00)).empty());
}

TEST_CASE("CN: BCD, F-padded") {
    CHECK(toHex(encodeCn("19800101", 4)) == "19800101");
    CHECK(toHex(encodeCn("410100", 3)) == "410100");
    CHECK(toHex(encodeCn("12345", 4)) == "12345FFF");
    CHECK(toHex(encodeCn("1", 1)) == "1F");
    CHECK(toHex(encodeCn("", 2)) == "FFFF");
    CHECK(decodeCn(fromHex("12345FFF")) == "12345");
    CHECK(decodeCn(fromHex("FFFF")).empty());
    CHECK_THROWS_AS(encodeCn("12a", 2), ValidationError);
    CHECK_THROWS_AS(encodeCn("12345", 2), ValidationError);
    try {
        decodeCn(fromHex("1A"), "card.city_code");
        FAIL("no error");
    } catch (const ValidationError& e) {
        CHECK(e.field() == "card.city_code");
        CHECK(e.rule() == "CN digits");
    }
    CHECK_THROWS_AS(decodeCn(fromHex("1F23")), ValidationError); // digit after padding
}

TEST_CASE("elements encode and decode by their profile coding; the table has all 57") {
    const auto p = CardProfile::ws543_2017();
    CHECK(p.elements.size() == 57);
    std::size_t records = 0;
    for (const auto& f : p.files) {
        if (f.kind == FileKind::TlvRecords) {
            CHECK(p.elementsOf(f.name).size() == f.records);
            records += f.records;
        }
    }
    CHECK(records == 57);
    const auto* sex = p.element(0x0C);
    REQUIRE(sex);
    CHECK(toHex(encodeElement(*sex, "2")) == "02");
    CHECK(decodeElement(*sex, Bytes { 0x01 }) == "1");
    CHECK_THROWS_AS(encodeElement(*sex, "300"), ValidationError);
    const auto* cert = p.element("card.issuer_certificate");
    REQUIRE(cert);
    CHECK(encodeElement(*cert, "0102").size() == 180);
    const auto* city = p.element("card.city_code");
    CHECK(decodeElement(*city, encodeElement(*city, "410100")) == "410100");
    CHECK_THROWS_AS(decodeElement(*city, Bytes { 0x41 }), ValidationError); // wrong length
}

TEST_CASE("typed sets from element values") {
    const auto p = CardProfile::ws543_2017();
    ElementValues v;
    auto put = [&](const char* key, const char* value) {
        const auto* e = p.element(std::string(key));
        REQUIRE(e);
        v[e->tag] = encodeElement(*e, value);
    };
    put("holder.name", "张喆");
    put("holder.sex", "1");
    put("holder.ethnicity", "01");
    put("holder.birth_date", "19800101");
    put("holder.id_number", "11010519800101001X");
    put("clinical.abo", "2");
    put("clinical.diabetes", "1");
    put("clinical.psychiatric", "0");
    const Holder h = holderFrom(v, p);
    CHECK(h.name == "张喆");
    CHECK(h.sex == Sex::Male);
    CHECK(h.ethnicity == 1);
    const ClinicalData c = clinicalFrom(v, p);
    CHECK(c.abo == 2);
    CHECK(c.flags[5]);
    CHECK_FALSE(c.flags[0]);
    CHECK_FALSE(c.psychiatric);
}

TEST_CASE("allergy and immunisation records") {
    const Bytes a = encodeAllergy({ "青霉素", "皮疹" });
    CHECK(a.size() == 120);
    const auto back = decodeAllergy(a);
    REQUIRE(back);
    CHECK(back->substance == "青霉素");
    CHECK(back->reaction == "皮疹");
    CHECK_FALSE(decodeAllergy(Bytes(120, 0xFF)));
    const Bytes i = encodeImmunisation({ "乙肝疫苗", "20200315" });
    CHECK(i.size() == 24);
    CHECK(toHex(Bytes(i.end() - 4, i.end())) == "20200315");
    CHECK(decodeImmunisation(i)->date == "20200315");
    CHECK_THROWS_AS(encodeImmunisation({ "x", "20201332" }), ValidationError);
    CHECK_THROWS_AS(decodeAllergy(Bytes(10, 0)), ValidationError);
}

TEST_CASE("identifiers and names are masked for logs") {
    CHECK(maskIdentifier("11010519800101001X") == "110105********001X");
    CHECK(maskIdentifier("1234") == "**34");
    CHECK(maskName("张喆") == "张*");
}
