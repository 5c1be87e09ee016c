// Unit tests: the card profile's JSON form and card/profiles/ws543-2017.json.
#include "hc/card/error.hpp"
#include "hc/card/health/profile.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <sstream>

using namespace hc::card::health;

TEST_CASE("card/profiles/ws543-2017.json is the default profile") {
    std::ifstream in(HC_HEALTH_PROFILE);
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    const CardProfile p = CardProfile::fromJson(ss.str());
    CHECK(p.toJson() == CardProfile::ws543_2017().toJson());
    CHECK(p.elements.size() == 57);
    CHECK(p.file("DF02/EF07")->kind == FileKind::CyclicRecords);
    CHECK(p.dfByName("DF03")->transportKey.samP1 == 0x48);
}

TEST_CASE("profile JSON round trip keeps changed settings; errors name the path") {
    auto p = CardProfile::ws543_2017();
    p.bulkRead = false;
    p.diversifier.offsetFromEnd = 10;
    p.files[1].readKey.reset();
    const auto back = CardProfile::fromJson(p.toJson());
    CHECK_FALSE(back.bulkRead);
    CHECK(back.diversifier.offsetFromEnd == 10);
    CHECK_FALSE(back.files[1].readKey.has_value());
    std::string text = p.toJson();
    text.replace(text.find("\"AN\""), 4, "\"XX\"");
    try {
        CardProfile::fromJson(text);
        FAIL("no error");
    } catch (const hc::InputError& e) {
        CHECK(std::string(e.what()).find("elements[0].coding") != std::string::npos);
    }
    CHECK_THROWS_AS(CardProfile::fromJson("{}"), hc::InputError);
    CHECK_THROWS_AS(CardProfile::fromJson("not json"), hc::InputError);
    // Each error names the file and the field: a missing one, a wrong type, a DF without keys.
    std::string noSigner = p.toJson();
    noSigner.replace(noSigner.find("\"signer_id\""), 11, "\"signer_xx\"");
    CHECK_THROWS_WITH_AS(CardProfile::fromJson(noSigner),
        doctest::Contains("card profile: signer_id: missing"), hc::InputError);
    std::string chunkText = p.toJson();
    chunkText.replace(chunkText.find("\"binary_chunk\": 128"), 19, "\"binary_chunk\": \"1\"");
    CHECK_THROWS_WITH_AS(CardProfile::fromJson(chunkText),
        doctest::Contains("card profile: binary_chunk: expected an integer"), hc::InputError);
    std::string dfNoKey = p.toJson();
    const auto rk = dfNoKey.find("\"read_key\":{");
    dfNoKey.replace(rk, dfNoKey.find('}', rk) + 1 - rk, "\"read_key\":null");
    CHECK_THROWS_WITH_AS(CardProfile::fromJson(dfNoKey),
        doctest::Contains("card profile: dfs[0]: read_key and transport_key are required"),
        hc::InputError);
}
