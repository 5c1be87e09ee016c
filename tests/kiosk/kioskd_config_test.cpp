// kioskd's configuration file: every field optional over the defaults, unknown fields and wrong
// types refused with the field's path, an empty string kept as a value ("samReader": "" = no SAM).
#include "hc/kiosk/core/kioskd_config.hpp"

#include <doctest/doctest.h>
#include <string>

using hc::kiosk::core::ConfigError;
using hc::kiosk::core::parseKioskdConfig;

namespace {
std::string errorOf(std::string_view text) {
    try {
        parseKioskdConfig(text);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "no error";
}
} // namespace

TEST_CASE("fields are read over the defaults; an empty string is a value") {
    const auto c = parseKioskdConfig(R"({"terminal":"K07","mode":"cashier","port":0,
        "samReader":"","reportFeeFen":150,"cardIssuance":true,"issuanceEthnicity":1,
        "staff":[{"id":"s1","name":"王","role":"supervisor","pinSm3":")"
        + std::string(64, 'a') + R"("}]})");
    CHECK(c.terminal == "K07");
    CHECK(c.mode == "cashier");
    CHECK(c.port == 0);
    CHECK(c.samReader.empty());
    CHECK(c.reportFeeFen == 150);
    CHECK(c.cardIssuance);
    CHECK(c.issuanceEthnicity == 1);
    REQUIRE(c.staff.size() == 1);
    CHECK(c.staff[0].role == "supervisor");
    // Untouched fields keep their defaults.
    const hc::kiosk::core::KioskdConfig defaults;
    CHECK(c.his == defaults.his);
    CHECK(c.hisTimeoutMs == defaults.hisTimeoutMs);
    CHECK(c.cardReader == defaults.cardReader);
    CHECK(parseKioskdConfig("{}").journal == defaults.journal);
}

TEST_CASE("a bad file names the field and what is wrong with it") {
    CHECK(errorOf("[]") == "config: expected an object");
    CHECK(errorOf("{").starts_with("config: not valid JSON"));
    CHECK(errorOf(std::string(65 * 1024, ' ')) == "config: message larger than 65536 bytes");
    CHECK(errorOf(R"({"terminl":"K1"})") == "config.terminl: unknown field");
    CHECK(errorOf(R"({"terminal":5})") == "config.terminal: expected a string");
    CHECK(errorOf(R"({"port":70000})") == "config.port: out of range 0..65535");
    CHECK(errorOf(R"({"port":"80"})") == "config.port: expected an integer");
    CHECK(errorOf(R"({"cardIssuance":"yes"})") == "config.cardIssuance: expected true or false");
    CHECK(errorOf(R"({"mode":"admin"})") == "config.mode: expected patient or cashier");
    CHECK(errorOf(R"({"reportFeeFen":-1})") == "config.reportFeeFen: out of range 0..1000000");
    CHECK(errorOf(R"({"staff":{}})") == "config.staff: expected an array");
    CHECK(errorOf(R"({"staff":[1]})") == "config.staff[0]: expected an object");
    CHECK(errorOf(R"({"staff":[{"id":"a","pin":"1"}]})") == "config.staff[0].pin: unknown field");
    CHECK(errorOf(R"({"staff":[{"id":"a","pinHash":"x"}]})")
              .starts_with("config.staff[0]: needs id and pinHash"));
    CHECK(errorOf(
              R"({"staff":[{"id":"a","role":"boss","pinSm3":")" + std::string(64, 'a') + R"("}]})")
        == "config.staff[0].role: expected cashier or supervisor");
    CHECK(errorOf(R"({"a":{"b":{"c":{"d":{}}}}})").starts_with("config: not valid JSON"));
}
