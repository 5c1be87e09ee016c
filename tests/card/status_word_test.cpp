#include "hc/card/status_word.hpp"

#include <doctest/doctest.h>

using namespace hc::card;

TEST_CASE("status word catalogue") {
    CHECK(StatusWord(0x9000).ok());
    CHECK(StatusWord(0x9000).category() == SwCategory::Success);

    const StatusWord tries(0x63C2);
    REQUIRE(tries.triesLeft().has_value());
    CHECK(*tries.triesLeft() == 2);
    CHECK(tries.meaning() == "verification failed, 2 tries left");
    CHECK(tries.category() == SwCategory::Warning);
    CHECK(StatusWord(0x63C1).meaning() == "verification failed, 1 try left");
    CHECK(StatusWord(0x63C0).meaning() == "verification failed, no tries left");
    CHECK_FALSE(StatusWord(0x6300).triesLeft().has_value());

    CHECK(StatusWord(0x6983).blocked());
    CHECK(StatusWord(0x6983).category() == SwCategory::SecurityError);
    CHECK(StatusWord(0x6983).meaning() == "authentication method blocked");

    CHECK(StatusWord(0x9302).meaning() == "MAC invalid");
    CHECK(StatusWord(0x9302).category() == SwCategory::SecurityError);
    CHECK(StatusWord(0x9401).meaning() == "insufficient balance");
    CHECK(StatusWord(0x9401).category() == SwCategory::FundsError);
    CHECK(StatusWord(0x9403).category() == SwCategory::NotFound);
    CHECK(StatusWord(0x9403).meaning().find("key") != std::string::npos);

    const StatusWord more(0x61, 0x10);
    CHECK(more.moreData());
    CHECK(more.category() == SwCategory::MoreData);
    CHECK(more.meaning() == "16 more bytes available (GET RESPONSE)");
    CHECK(StatusWord(0x6100).meaning() == "256 more bytes available (GET RESPONSE)");

    const StatusWord wrongLe(0x6C, 0x08);
    CHECK(wrongLe.wrongLe());
    CHECK(wrongLe.category() == SwCategory::WrongLength);
    CHECK(wrongLe.meaning() == "wrong Le; the card offers 8 bytes");

    CHECK(StatusWord(0x6A82).category() == SwCategory::NotFound);
    CHECK(StatusWord(0x6A82).hex() == "6A82");
    CHECK(StatusWord(0x1234).category() == SwCategory::ExecutionError);
    CHECK(StatusWord(0x1234).meaning() == "unknown status word");
}
