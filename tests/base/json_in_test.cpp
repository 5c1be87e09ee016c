// hc::parseJson and hc::JsonIn: limits, required fields and their types, errors naming the path.
#include "hc/base/json_in.hpp"

#include <doctest/doctest.h>
#include <stdexcept>
#include <string>

using namespace hc;

namespace {
std::string errorOf(auto&& f) {
    try {
        f();
    } catch (const JsonFieldError& e) {
        return e.what();
    }
    return "no error";
}
} // namespace

TEST_CASE("parseJson refuses oversize text, deep nesting and bad syntax, naming the text") {
    CHECK(errorOf([] {
        parseJson(std::string(100, ' '), "request", { 10, 32 });
    }) == "request: message larger than 10 bytes");
    CHECK(errorOf([] {
        parseJson("[[[[1]]]]", "request", { 100, 3 });
    }).starts_with("request: not valid JSON ("));
    CHECK(errorOf([] {
        parseJson("{\"a\":", "rule table");
    }).starts_with("rule table: not valid JSON ("));
    CHECK(parseJson("{\"a\":1}", "x").as_object().at("a").as_int64() == 1);
}

TEST_CASE("required getters check presence, type and range and name the field path") {
    const auto v = parseJson(R"({"name":"Li","n":5,"ok":true,"sub":{"items":[{"id":"a"},{"id":3}]},
        "tags":["x",""],"nul":null})",
        "t");
    const JsonIn in(v, "");
    CHECK(in.str("name") == "Li");
    CHECK(in.integer("n", 0, 10) == 5);
    CHECK(in.boolean("ok"));
    CHECK_FALSE(in.has("nul"));
    CHECK(in.strOr("nul", "fallback") == "fallback");
    CHECK(in.integerOr("absent", 7, 0, 10) == 7);
    CHECK(errorOf([&] { in.str("absent"); }) == "absent: missing");
    CHECK(errorOf([&] { in.str("n"); }) == "n: expected a string");
    CHECK(errorOf([&] { in.str("name", 1); }) == "name: length must be 1..1");
    CHECK(errorOf([&] { in.integer("n", 6, 10); }) == "n: out of range 6..10");
    CHECK(errorOf([&] { in.integer("name", 0, 1); }) == "name: expected an integer");
    CHECK(errorOf([&] { in.boolean("n"); }) == "n: expected true or false");
    CHECK(errorOf([&] { in.object("name"); }) == "name: expected an object");
    CHECK(errorOf([&] { in.array("name", 3); }) == "name: expected an array");
    const auto items = in.object("sub").objects("items", 5);
    REQUIRE(items.size() == 2);
    CHECK(items[0].str("id") == "a");
    CHECK(errorOf([&] { items[1].str("id"); }) == "sub.items[1].id: expected a string");
    CHECK(
        errorOf([&] { in.object("sub").objects("items", 1); }) == "sub.items: more than 1 entries");
    CHECK(errorOf([&] { in.strings("tags", 5); }) == "tags[1]: length must be 1..64");
    // text: required like str, but "" is a value.
    const auto t = parseJson(R"({"empty":"","hex":"0A0B","nul":null,"n":1})", "t");
    const JsonIn tin(t, "k");
    CHECK(tin.text("empty").empty());
    CHECK(tin.text("hex", 4) == "0A0B");
    CHECK(errorOf([&] { tin.text("hex", 3); }) == "k.hex: longer than 3");
    CHECK(errorOf([&] { tin.text("absent"); }) == "k.absent: missing");
    CHECK(errorOf([&] { tin.text("nul"); }) == "k.nul: missing");
    CHECK(errorOf([&] { tin.text("n"); }) == "k.n: expected a string");
    const auto array = parseJson("[1]", "t");
    CHECK(errorOf([&] { JsonIn(array, ""); }) == "(root): expected an object");
    // Found by fuzz_base_json_in: an empty member name still gives an error that names it.
    const auto emptyKey = parseJson(R"({"":1})", "t");
    CHECK(errorOf([&] { JsonIn(emptyKey, "").str(""); }) == "\"\": expected a string");
}

TEST_CASE("a field error is an hc::InputError: the caller's next step is to fix the input") {
    try {
        const auto empty = parseJson("{}", "t");
        JsonIn(empty, "cfg").str("x");
        FAIL("no error");
    } catch (const InputError& e) {
        CHECK(e.nextStep() == NextStep::FixInput);
        CHECK(std::string(e.what()) == "cfg.x: missing");
    }
}

TEST_CASE("strOpt keeps an empty string as a value; onlyFields names the first unknown member") {
    const auto v = parseJson(R"({"reader":"","name":"Li","n":1,"nul":null})", "t");
    const JsonIn in(v, "config");
    CHECK(in.strOpt("reader") == std::optional<std::string>(""));
    CHECK(in.strOpt("name") == std::optional<std::string>("Li"));
    CHECK_FALSE(in.strOpt("nul").has_value());
    CHECK_FALSE(in.strOpt("absent").has_value());
    CHECK(errorOf([&] { in.strOpt("n"); }) == "config.n: expected a string");
    CHECK(errorOf([&] { in.strOpt("name", 1); }) == "config.name: longer than 1");
    in.onlyFields({ "reader", "name", "n", "nul" });
    CHECK(errorOf([&] {
        in.onlyFields({ "reader", "nul", "n" });
    }) == "config.name: unknown field");
}

namespace {
/** A module's own error type, as settlement has. */
struct ModuleError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
void throwModuleError(const std::string& field, const std::string& problem) {
    throw ModuleError(field + ": " + problem);
}
std::string moduleErrorOf(auto&& f) {
    try {
        f();
    } catch (const ModuleError& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("other error: ") + e.what();
    }
    return "no error";
}
} // namespace

TEST_CASE("a thrower reports every field error as the module's type, in nested views too") {
    CHECK(moduleErrorOf([] {
        parseJson("{", "request", {}, throwModuleError);
    }).rfind("request: not valid JSON", 0)
        == 0);
    CHECK(moduleErrorOf([] {
        parseJson("[1,2]", "request", { 3, 32 }, throwModuleError);
    }) == "request: message larger than 3 bytes");
    const auto v = parseJson(R"({"o":{"n":"x"},"a":[{"b":1}],"list":1})", "t");
    CHECK(moduleErrorOf([&] { JsonIn(v.at("list"), "list", throwModuleError); })
        == "list: expected an object");
    const JsonIn in(v, "", throwModuleError);
    CHECK(moduleErrorOf([&] { in.str("missing"); }) == "missing: missing");
    CHECK(moduleErrorOf([&] { in.object("o").integer("n", 0, 1); }) == "o.n: expected an integer");
    CHECK(moduleErrorOf([&] { in.objects("a", 5).at(0).boolean("b"); })
        == "a[0].b: expected true or false");
    CHECK(moduleErrorOf([&] { in.strings("list", 2); }) == "list: expected an array of strings");
    // Without a thrower: JsonFieldError, as before.
    CHECK(errorOf([&] { JsonIn(v, "").object("o").integer("n", 0, 1); })
        == "o.n: expected an integer");
}

TEST_CASE("hex reads hex text as bytes and names the field of a bad digit") {
    const auto v = parseJson(
        R"({"aid":"A0 00 00 03 33","none":"","bad":"A0G1","lone":"A0 1","n":7,"long":"A0A0A0"})",
        "t");
    const JsonIn in(v, "extensions.epurse");
    CHECK(in.hex("aid") == Bytes { 0xA0, 0x00, 0x00, 0x03, 0x33 });
    CHECK(in.hex("none").empty());
    CHECK(errorOf([&] { in.hex("bad"); }).rfind("extensions.epurse.bad: hex text:", 0) == 0);
    CHECK(errorOf([&] { in.hex("lone"); }).rfind("extensions.epurse.lone: hex text:", 0) == 0);
    CHECK(errorOf([&] { in.hex("n"); }) == "extensions.epurse.n: expected a string");
    CHECK(errorOf([&] { in.hex("absent"); }) == "extensions.epurse.absent: missing");
    CHECK(errorOf([&] { in.hex("long", 4); }) == "extensions.epurse.long: longer than 4");
    const JsonIn viaThrower(v, "", throwModuleError);
    CHECK(moduleErrorOf([&] { viaThrower.hex("bad"); }).rfind("bad: hex text:", 0) == 0);
}
