#include "hc/settle/error.hpp"
#include "hc/settle/json_in.hpp"
#include "hc/settle/money.hpp"

#include <doctest/doctest.h>
#include <stdexcept>

using namespace hc::settle;

TEST_CASE("applyRatio rounds half-up to the fen") {
    CHECK(applyRatio(880000, 8200) == 721600);
    CHECK(applyRatio(5, 1000) == 1); // 0.5 fen → 1
    CHECK(applyRatio(4, 1000) == 0); // 0.4 fen → 0
    CHECK(applyRatio(15, 1000) == 2); // 1.5 fen → 2
    CHECK(applyRatio(-5, 1000) == -1); // half away from zero
    CHECK(applyRatio(kMaxFen, kFullRatio) == kMaxFen);
}

TEST_CASE("yuan strings parse exactly and format back") {
    CHECK(parseYuan("10000") == 1000000);
    CHECK(parseYuan("12.3") == 1230);
    CHECK(parseYuan("0.05") == 5);
    CHECK(parseYuan("-0.05") == -5);
    CHECK_THROWS_AS(parseYuan("1.234"), std::invalid_argument);
    CHECK_THROWS_AS(parseYuan("1e3"), std::invalid_argument);
    CHECK_THROWS_AS(parseYuan(""), std::invalid_argument);
    CHECK_THROWS_AS(parseYuan("."), std::invalid_argument);
    CHECK_THROWS_AS(parseYuan("99999999999999999999"), std::invalid_argument);
    CHECK(formatYuan(123456) == "1234.56");
    CHECK(formatYuan(-5) == "-0.05");
    CHECK(formatYuan(0) == "0.00");
    CHECK(parsePercent("82") == 8200);
    CHECK(parsePercent("0.25") == 25);
    CHECK_THROWS_AS(parsePercent("101"), std::invalid_argument);
}

TEST_CASE("JsonIn names the bad field") {
    const auto v = parseJsonText(R"({"a":{"b":[{"x":1.5}]},"s":7})", "req");
    const JsonIn in(v, "req");
    try {
        (void)in.object("a").objects("b", 10)[0].yuan("x");
        FAIL("expected an error");
    } catch (const InputError& e) {
        CHECK(e.field() == "req.a.b[0].x");
        CHECK(std::string(nextStepName(e.next())) == "fix_input");
    }
    try {
        (void)in.str("s");
        FAIL("expected an error");
    } catch (const InputError& e) {
        CHECK(e.field() == "req.s");
    }
    CHECK_THROWS_AS(parseJsonText("{", "req"), InputError);
    CHECK_THROWS_AS(in.objects("a", 10), InputError);
}
