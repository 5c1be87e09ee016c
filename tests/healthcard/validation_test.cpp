// Unit tests: GB 11643 citizen ID, GB/T 2261.1 sex, GB 3304 ethnic groups, GB/T 2260 regions.
#include "hc/card/health/codec.hpp"
#include "hc/card/health/model.hpp"
#include "hc/card/health/validation.hpp"

#include <doctest/doctest.h>

using namespace hc::card::health;

namespace {
std::string ruleOf(auto&& fn) {
    try {
        fn();
    } catch (const ValidationError& e) {
        return e.field() + " | " + e.rule();
    }
    return "accepted";
}
} // namespace

TEST_CASE("GB 11643 check digit") {
    CHECK(citizenIdCheckCharacter("11010519491231002") == 'X');
    CHECK(citizenIdCheckCharacter("44052418800101001") == '4');
    CHECK(ruleOf([] { checkCitizenId("11010519491231002X"); }) == "accepted");
    CHECK(ruleOf([] { checkCitizenId("110105194912310021"); })
        == "holder.id_number | GB 11643 check digit");
    CHECK(
        ruleOf([] { checkCitizenId("1101051949123100"); }) == "holder.id_number | GB 11643 length");
    CHECK(ruleOf([] { checkCitizenId("11010519491231002Y"); })
        == "holder.id_number | GB 11643 characters");
    CHECK(ruleOf([] { checkCitizenId("99010519491231002X"); }).find("GB 11643 region")
        != std::string::npos);
    CHECK(ruleOf([] { checkCitizenId("110105194902300027"); })
        == "holder.id_number | GB 11643 birth date");
}

TEST_CASE("the citizen ID agrees with the holder's birth date and sex") {
    const std::string id = "11010519491231002X"; // sequence 002: even, female
    CHECK(ruleOf([&] { checkCitizenIdAgainstHolder(id, "19491231", Sex::Female); }) == "accepted");
    CHECK(ruleOf([&] { checkCitizenIdAgainstHolder(id, "19500101", Sex::Female); })
        == "holder.id_number | GB 11643 birth date consistent with the holder's");
    CHECK(ruleOf([&] { checkCitizenIdAgainstHolder(id, "19491231", Sex::Male); })
        == "holder.id_number | GB 11643 sequence parity consistent with the holder's sex");
    CHECK(ruleOf([&] { checkCitizenIdAgainstHolder(id, "19491231", Sex::Unspecified); })
        == "accepted");
}

TEST_CASE("GB/T 2261.1 sex codes") {
    CHECK(checkSex(1) == Sex::Male);
    CHECK(checkSex(9) == Sex::Unspecified);
    CHECK(sexName(Sex::Female) == "女");
    CHECK(ruleOf([] { checkSex(3); }) == "holder.sex | GB/T 2261.1");
}

TEST_CASE("GB 3304: the 56 ethnic groups") {
    int named = 0;
    for (int c = 1; c <= 56; ++c) {
        named += !ethnicGroupName(c).empty();
    }
    CHECK(named == 56);
    CHECK(ethnicGroupName(1) == "汉族");
    CHECK(ethnicGroupName(5) == "维吾尔族");
    CHECK(ethnicGroupName(56) == "基诺族");
    CHECK(ruleOf([] { checkEthnicGroup(57); }) == "holder.ethnicity | GB 3304");
    CHECK(ruleOf([] { checkEthnicGroup(0); }) == "holder.ethnicity | GB 3304");
    CHECK(ruleOf([] { checkEthnicGroup(97); }) == "accepted");
}

TEST_CASE("GB/T 2260 region codes") {
    CHECK(ruleOf([] { checkRegionCode("410100", "card.city_code"); }) == "accepted");
    CHECK(ruleOf([] { checkRegionCode("650102", "card.city_code"); }) == "accepted");
    CHECK(ruleOf([] { checkRegionCode("190100", "card.city_code"); })
        == "card.city_code | GB/T 2260");
    CHECK(
        ruleOf([] { checkRegionCode("41010", "card.city_code"); }) == "card.city_code | GB/T 2260");
    CHECK(ruleOf([] { checkRegionCode("410001", "card.city_code"); })
        == "card.city_code | GB/T 2260");
    CHECK(provinceName("41") == "河南省");
}

TEST_CASE("dates") {
    CHECK(ruleOf([] { checkDate("20000229", "d"); }) == "accepted");
    CHECK(ruleOf([] { checkDate("19000229", "d"); }) == "d | date");
    CHECK(ruleOf([] { checkDate("2000013", "d"); }) == "d | date");
}

TEST_CASE("a whole holder is validated field by field") {
    Holder h { "阿依古丽", Sex::Female, 5, "19900612", "" };
    h.idNumber = std::string("65010219900612002") + citizenIdCheckCharacter("65010219900612002");
    CHECK(ruleOf([&] { validateHolder(h); }) == "accepted");
    h.ethnicity = 60;
    CHECK(ruleOf([&] { validateHolder(h); }) == "holder.ethnicity | GB 3304");
    h.ethnicity = 5;
    h.name.clear();
    CHECK(ruleOf([&] { validateHolder(h); }) == "holder.name | required");
}
