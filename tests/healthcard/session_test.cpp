// Unit tests of the HealthCard session against scripted cards: bulk reads falling back to per
// record, one SELECT per DF, SELECT per EF when SFI addressing is off, refusals with the SW.
#include "hc/card/health/health_card.hpp"
#include "hc/card/health/model.hpp"
#include "hc/card/scripted_channel.hpp"
#include "hc/card/tlv.hpp"

#include <cstdio>
#include <doctest/doctest.h>

using namespace hc;
using namespace hc::card;
using namespace hc::card::health;

namespace {
std::string tlv(const CardProfile& p, const char* key, const char* value) {
    const auto* e = p.element(std::string(key));
    REQUIRE(e);
    return toHex(encodeSimpleTlv(e->tag, encodeElement(*e, value)));
}
} // namespace

TEST_CASE("a card refusing P2=05 is read per record from then on") {
    const auto p = CardProfile::ws543_2017();
    std::vector<ScriptStep> steps { { "00A4000002DDF1", "9000" }, { "00B2012D000000", "6A86" } };
    const char* const keys[] = { "card.card_type", "card.spec_version", "card.issuer_name",
        "card.issuer_code", "card.issuer_certificate", "card.issue_date", "card.card_number",
        "card.security_code", "card.chip_serial", "card.city_code" };
    const char* const values[] = { "1", "V1.0", "某卫健委", "41000000001", "00", "20200101",
        "410102198001010018", "123", "HC00000001", "410100" };
    for (int i = 0; i < 10; ++i) {
        char cmd[16];
        std::snprintf(cmd, sizeof cmd, "00B2%02X2C00", i + 1);
        steps.push_back({ cmd, tlv(p, keys[i], values[i]) + "9000" });
    }
    ScriptedChannel ch(steps);
    HealthCard card(ch);
    const auto ci = card.readCardIdentification();
    CHECK(ci.value.cityCode == "410100");
    CHECK(ci.value.issuerName == "某卫健委");
    CHECK(ci.apdus == 12);
    CHECK(card.bulkFallback());
    CHECK(ch.finished());
}

TEST_CASE("without SFI addressing each EF is selected, each DF once") {
    auto p = CardProfile::ws543_2017();
    p.addressBySfi = false;
    ScriptedChannel ch({ { "00A4000002DDF1", "9000" }, { "00A4000002EF05", "9000" },
        { "00B20105000000", tlv(p, "card.city_code", "650100") + "9000" } });
    HealthCard card(ch, p);
    const auto v = card.readElements("DDF1/EF05");
    CHECK(v.apdus == 3);
    CHECK(decodeElement(*p.element(0x39), v.value.at(0x39)) == "650100");
    CHECK(ch.finished());
}

TEST_CASE("a refusal carries the status word and the step; the diversifier comes from the ATR") {
    ScriptedChannel ch({ { "00A4000002DDF1", "6A82" } });
    HealthCard card(ch);
    try {
        card.readCardIdentification();
        FAIL("no error");
    } catch (const CardRefused& e) {
        CHECK(e.sw() == sw::FileNotFound);
        CHECK(e.step() == "SELECT DDF1");
    }
    // The scripted channel's default ATR: 3B 6D 00 00 80 31 80 65 B0 89 35 01 F1 83 00 90 00;
    // the last 8 historical bytes.
    CHECK(toHex(card.diversifier()) == "893501F183009000");
}
