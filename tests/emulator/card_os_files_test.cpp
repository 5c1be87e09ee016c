// CardOs over demo-card.json: the file commands (SELECT, READ/UPDATE BINARY, READ/UPDATE/APPEND
// RECORD) and GET CHALLENGE, driven with raw APDU bytes as they come from the wire.
//
// demo-card.json: MF 3F00 (name "HCEMU.MF") with
//   0001 transparent 32 bytes, SFI 1: "Hello from hcemu" + 16 x 00
//   0002 linear-fixed 4 x 16 bytes (01.., 02.., 03.., 04..), SFI 2, full
//   0003 linear-variable max 10 x 64, SFI 3: 3 records starting 01, 02, 03
//   0004 cyclic 3 x 8, SFI 4, update needs the PIN: ..03 (newest), ..02, ..01
//   0005 transparent 300 bytes (00 01 .. FF 00 .. 2B), update needs the PIN
//   1000 DF (A000000003100001) with SM4 key 01:
//     1001 transparent 16 "secret-after-aut", read/update need key 01
//     1002 transparent 16 "pin-protected!!!", read needs the PIN, update never
#include "emu_test_util.hpp"
#include "hc/card/error.hpp"

#include <set>

using namespace hc;
using namespace hc::emu;
using emutest::TestCard;

namespace {
std::string rep(const std::string& byteHex, std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
        s += byteHex;
    }
    return s;
}
const std::string kHello = "48656C6C6F2066726F6D206863656D75"; // "Hello from hcemu"
const std::string kFci0001 = "620B820101830200018002"
                             "0020";
const std::string kFciDf1000 = "6211820138830210008408A000000003100001";
const std::string kFciMf = "62118201388302"
                           "3F00"
                           "84084843454D552E4D46";
} // namespace

TEST_CASE("SELECT by FID returns the FCP template when Le is present") {
    TestCard card;
    auto r = card.tx("00A40000020001"
                     "00");
    CHECK(r.sw == "9000");
    CHECK(r.data == kFci0001);

    r = card.tx("00A40000020002"
                "00");
    CHECK(r.sw == "9000");
    CHECK(r.data == "620B8205022100100483020002"); // linear-fixed, 16-byte records, 4 max

    r = card.tx("00A40000021000"
                "00");
    CHECK(r.data == kFciDf1000);

    r = card.tx("00A40000023F00"
                "00");
    CHECK(r.data == kFciMf);

    r = card.tx("00A4000000"); // P1=00 without data: the MF
    CHECK(r.sw == "9000");
    CHECK(r.data == kFciMf);
}

TEST_CASE("SELECT answers no data when P2=0C or without Le") {
    TestCard card;
    auto r = card.tx("00A4000C020001");
    CHECK(r.sw == "9000");
    CHECK(r.data == "");
    r = card.tx("00A4000C020001"
                "00"); // P2=0C wins over Le
    CHECK(r.sw == "9000");
    CHECK(r.data == "");
    r = card.tx("00A40000020001"); // case 3
    CHECK(r.sw == "9000");
    CHECK(r.data == "");
    // The EF is selected all the same.
    CHECK(card.tx("00B0000005").data == "48656C6C6F");
}

TEST_CASE("SELECT by DF name") {
    TestCard card;
    auto r = card.tx("00A4040008A000000003100001"
                     "00");
    CHECK(r.sw == "9000");
    CHECK(r.data == kFciDf1000);
    REQUIRE(card.os.currentDf() != nullptr);
    CHECK(card.os.currentDf()->fid == 0x1000);
    CHECK(card.os.currentEf() == nullptr);

    r = card.tx("00A4040C084843454D552E4D46"); // the MF's name, from inside DF 1000
    CHECK(r.sw == "9000");
    CHECK(card.os.currentDf()->fid == 0x3F00);

    CHECK(card.tx("00A4040007A0000000031000"
                  "00")
              .sw
        == "6A82"); // a prefix is not a match
    CHECK(card.tx("00A4040009A00000000310000102"
                  "00")
              .sw
        == "6A82");
    CHECK(card.tx("00A4040000").sw == "6A80"); // no name at all
}

TEST_CASE("SELECT by path from the MF") {
    TestCard card;
    auto r = card.tx("00A408000410001001"
                     "00");
    CHECK(r.sw == "9000");
    CHECK(r.data
        == "620B820101830210018002"
           "0010");
    CHECK(card.os.currentDf()->fid == 0x1000);
    CHECK(card.os.currentEf()->fid == 0x1001);

    r = card.tx("00A4080C063F0010001002"); // a leading 3F00 is allowed
    CHECK(r.sw == "9000");
    CHECK(card.os.currentEf()->fid == 0x1002);

    CHECK(card.tx("00A4080C0410001003").sw == "6A82"); // no such EF
    CHECK(card.tx("00A4080C0400011001").sw == "6A82"); // 0001 is an EF, not a DF
    CHECK(card.tx("00A4080C03100010").sw == "6A87"); // odd length
}

TEST_CASE("SELECT parent, child DF, child EF and siblings") {
    TestCard card;
    CHECK(card.tx("00A4010C021000").sw == "9000"); // P1=01: child DF
    CHECK(card.os.currentDf()->fid == 0x1000);
    CHECK(card.tx("00A4030C").sw == "9000"); // P1=03: parent
    CHECK(card.os.currentDf()->fid == 0x3F00);
    CHECK(card.tx("00A4030C").sw == "6A82"); // the MF has no parent

    CHECK(card.tx("00A4010C020001").sw == "6A82"); // 0001 is an EF
    CHECK(card.tx("00A4020C021000").sw == "6A82"); // 1000 is a DF
    CHECK(card.tx("00A4020C020001").sw == "9000"); // P1=02: child EF

    CHECK(card.tx("00A4000C021000").sw == "9000");
    CHECK(card.tx("00A4000C020001").sw == "9000"); // P1=00 finds the parent's children too
    CHECK(card.os.currentEf()->fid == 0x0001);
    CHECK(card.os.currentDf()->fid == 0x3F00);

    CHECK(card.tx("00A4000C021000").sw == "9000");
    CHECK(card.tx("00A4000C023F00").sw == "9000"); // the MF from anywhere
    CHECK(card.os.currentDf()->fid == 0x3F00);
}

TEST_CASE("SELECT errors: missing file, bad P1, bad data length") {
    TestCard card;
    CHECK(card.tx("00A4000C027777").sw == "6A82");
    CHECK(card.tx("00A4000C021001").sw == "6A82"); // 1001 is below 1000, not below the MF
    CHECK(card.tx("00A4090C0410001001").sw == "6A86"); // P1=09 (path from the current DF)
    CHECK(card.tx("00A4000C03000100").sw == "6A87");
    // A failed SELECT keeps the previous selection.
    CHECK(card.tx("00A4000C020001").sw == "9000");
    CHECK(card.tx("00A4000C027777").sw == "6A82");
    CHECK(card.tx("00B0000005").data == "48656C6C6F");
}

TEST_CASE("READ BINARY with offsets and SFI") {
    TestCard card;
    CHECK(card.tx("00B0000001").sw == "6986"); // no EF selected yet
    REQUIRE(card.tx("00A4000C020001").sw == "9000");

    auto r = card.tx("00B0000010");
    CHECK(r.sw == "9000");
    CHECK(r.data == kHello);
    r = card.tx("00B0000604");
    CHECK(r.data == "66726F6D"); // "from"
    CHECK(r.sw == "9000");

    REQUIRE(card.tx("00A4000C021000").sw == "9000");
    r = card.tx("00B0810604"); // SFI 1 from inside DF 1000: not a child there
    CHECK(r.sw == "6A82");
    REQUIRE(card.tx("00A4030C").sw == "9000");
    r = card.tx("00B0810604"); // SFI 1, offset 6
    CHECK(r.sw == "9000");
    CHECK(r.data == "66726F6D");
    CHECK(card.os.currentEf()->fid == 0x0001); // SFI makes the EF current

    CHECK(card.tx("00B0890001").sw == "6A82"); // no SFI 9
    CHECK(card.tx("00B0830001").sw == "6981"); // SFI 3 is a record file
}

TEST_CASE("READ BINARY past the end, short reads and wildcard Le") {
    TestCard card;
    REQUIRE(card.tx("00A4000C020001").sw == "9000");
    CHECK(card.tx("00B0002101").sw == "6B00"); // offset 33 > size 32

    auto r = card.tx("00B0002001"); // offset == size: nothing left
    CHECK(r.data == "");
    CHECK(r.sw == "6282");

    r = card.tx("00B0001020"); // 16 left, 32 asked: short read with a warning
    CHECK(r.data == rep("00", 16));
    CHECK(r.sw == "6282");

    r = card.tx("00B0001000"); // Le=00 (256) means "as much as there is"
    CHECK(r.data == rep("00", 16));
    CHECK(r.sw == "9000");

    // 0005 has 300 bytes: short Le=00 stops at 256, extended Le=0000 reads everything.
    REQUIRE(card.tx("00A4000C020005").sw == "9000");
    r = card.tx("00B0000000");
    CHECK(r.sw == "9000");
    CHECK(r.data.size() == 2 * 256);
    r = card.tx("00B00000000000");
    CHECK(r.sw == "9000");
    CHECK(r.data.size() == 2 * 300);
    CHECK(r.data.substr(2 * 254, 8) == "FEFF0001");
    r = card.tx("00B0010000"); // offset 256
    CHECK(r.sw == "9000");
    CHECK(r.data.size() == 2 * 44);
    CHECK(r.data.substr(r.data.size() - 2) == "2B");
}

TEST_CASE("READ BINARY and UPDATE BINARY obey the access rules") {
    TestCard card;
    REQUIRE(card.tx("00A4080C0410001002").sw == "9000");
    CHECK(card.tx("00B0000010").sw == "6982"); // read: pin
    REQUIRE(card.tx(std::string("0020000006") + TestCard::kPin).sw == "9000");
    auto r = card.tx("00B0000010");
    CHECK(r.sw == "9000");
    CHECK(r.data == "70696E2D70726F746563746564212121"); // "pin-protected!!!"
    CHECK(card.tx("00D6000001FF").sw == "6982"); // update: never, PIN or not

    REQUIRE(card.tx("00A4000C020001").sw == "9000");
    REQUIRE(card.tx("00A4000C02000200").sw == "9000"); // a record file
    CHECK(card.tx("00B0000001").sw == "6981");
    CHECK(card.tx("00D6000001FF").sw == "6981");
}

TEST_CASE("UPDATE BINARY writes within bounds and persists") {
    TestCard card;
    REQUIRE(card.tx("00A4000C020001").sw == "9000");
    CHECK(card.tx("00D6000002AABB").sw == "9000");
    CHECK(card.persists == 1);
    CHECK(card.tx("00B0000004").data == "AABB6C6C");
    CHECK(card.saved.find("AABB6C6C") != std::string::npos);

    CHECK(card.tx("00D6001E02CCDD").sw == "9000"); // ends exactly at the end
    CHECK(card.tx("00B0001E02").data == "CCDD");
    CHECK(card.tx("00D6001F02CCDD").sw == "6700"); // one byte past the end
    CHECK(card.tx("00D6002101CC").sw == "6B00"); // offset past the end
    CHECK(card.persists == 2); // failures do not persist
    CHECK(card.tx("00D6810101EE").sw == "9000"); // SFI 1, offset 1
    CHECK(card.tx("00B0000002").data == "AAEE");
}

TEST_CASE("UPDATE BINARY on a PIN-protected file") {
    TestCard card;
    REQUIRE(card.tx("00A4000C020005").sw == "9000");
    CHECK(card.tx("00D6000002FFFF").sw == "6982");
    CHECK(card.persists == 0);
    CHECK(card.tx("00B0000002").data == "0001");
    REQUIRE(card.tx(std::string("0020000006") + TestCard::kPin).sw == "9000");
    CHECK(card.tx("00D6000002FFFF").sw == "9000");
    CHECK(card.tx("00B0000002").data == "FFFF");
}

TEST_CASE("READ RECORD by number, with SFI, and errors") {
    TestCard card;
    REQUIRE(card.tx("00A4000C020002").sw == "9000");
    auto r = card.tx("00B2010400");
    CHECK(r.sw == "9000");
    CHECK(r.data == rep("01", 16));
    CHECK(card.tx("00B2040400").data == rep("04", 16));
    CHECK(card.tx("00B2050400").sw == "6A83");
    CHECK(card.tx("00B2000400").data == rep("04", 16)); // P1=00: the current record

    r = card.tx("00B2011C00"); // SFI 3 record 1
    CHECK(r.sw == "9000");
    CHECK(r.data == "0106686F6C646572");
    CHECK(card.tx("00B2041C00").sw == "6A83");
    CHECK(card.tx("00B2014C00").sw == "6A82"); // no SFI 9
    CHECK(card.tx("00B2010C00").sw == "6981"); // SFI 1 is transparent
    CHECK(card.tx("00B2011E00").sw == "6A86"); // P2 mode 6 is not emulated

    TestCard fresh;
    REQUIRE(fresh.tx("00A4000C020002").sw == "9000");
    CHECK(fresh.tx("00B2000400").sw == "6A83"); // no current record yet
}

TEST_CASE("READ RECORD: Le shorter than the record gives 6Cxx, longer gives 6282") {
    TestCard card;
    REQUIRE(card.tx("00A4000C020002").sw == "9000");
    auto r = card.tx("00B2011408"); // SFI 2, record 1, 8 of 16 bytes
    CHECK(r.data == "");
    CHECK(r.sw == "6C10");
    r = card.tx("00B2011410");
    CHECK(r.sw == "9000");
    CHECK(r.data == rep("01", 16));
    r = card.tx("00B2011420");
    CHECK(r.data == rep("01", 16));
    CHECK(r.sw == "6282");
}

TEST_CASE("READ RECORD by identifier: first, last, next, previous") {
    TestCard card;
    // 0003 holds records with identifiers (first byte) 01, 02, 03; add a second 01.
    REQUIRE(card.tx("00A4000C020003").sw == "9000");
    REQUIRE(card.tx("00E2000003"
                    "01AAAA")
                .sw
        == "9000"); // record 4
    REQUIRE(card.tx("00A4000C020003").sw == "9000"); // no current record again

    CHECK(card.tx("00B2010000").data == "0106686F6C646572"); // first 01
    CHECK(card.tx("00B2010200").data == "01AAAA"); // next 01 after record 1
    CHECK(card.tx("00B2010200").sw == "6A83"); // no further 01
    CHECK(card.tx("00B2010300").data == "0106686F6C646572"); // previous 01 before record 4
    CHECK(card.tx("00B2010300").sw == "6A83");
    CHECK(card.tx("00B2010100").data == "01AAAA"); // last 01
    CHECK(card.tx("00B2020100").data == "0204D5C5C8FD"); // last 02
    CHECK(card.tx("00B2000200").data == "03083139383030313031"); // next, any identifier
    CHECK(card.tx("00B2000300").data == "0204D5C5C8FD"); // previous, any identifier
    CHECK(card.tx("00B2070000").sw == "6A83"); // no record 07

    SUBCASE("with no current record, next is the first and previous the last") {
        REQUIRE(card.tx("00A4000C020003").sw == "9000");
        CHECK(card.tx("00B2000200").data == "0106686F6C646572");
        REQUIRE(card.tx("00A4000C020003").sw == "9000");
        CHECK(card.tx("00B2000300").data == "01AAAA");
    }
}

TEST_CASE("READ RECORD: a 6Cxx answer does not move the record pointer") {
    TestCard card;
    REQUIRE(card.tx("00A4000C020002").sw == "9000");
    REQUIRE(card.tx("00B2010400").sw == "9000"); // record 1 is current
    CHECK(card.tx("00B2000208").sw == "6C10"); // next: Le too small
    auto r = card.tx("00B2000210"); // the resend with the right Le
    CHECK(r.sw == "9000");
    CHECK(r.data == rep("02", 16)); // record 2, not 3
}

TEST_CASE("READ RECORD all records from P1 (P2=05)") {
    TestCard card;
    auto r = card.tx("00B2021D00"); // SFI 3, records 2..3
    CHECK(r.sw == "9000");
    CHECK(r.data
        == "0204D5C5C8FD"
           "03083139383030313031");
    r = card.tx("00B2011500"); // SFI 2, records 1..4 = 64 bytes
    CHECK(r.sw == "9000");
    CHECK(r.data == rep("01", 16) + rep("02", 16) + rep("03", 16) + rep("04", 16));
    CHECK(card.tx("00B2011510").sw == "6C40");
    CHECK(card.tx("00B2051500").sw == "6A83");
}

TEST_CASE("UPDATE RECORD: fixed size enforced, variable size bounded") {
    TestCard card;
    REQUIRE(card.tx("00A4000C020002").sw == "9000");
    CHECK(card.tx("00DC020410" + rep("AA", 16)).sw == "9000");
    CHECK(card.persists == 1);
    CHECK(card.tx("00B2020400").data == rep("AA", 16));
    CHECK(card.tx("00DC02040F" + rep("AA", 15)).sw == "6700");
    CHECK(card.tx("00DC020411" + rep("AA", 17)).sw == "6700");
    CHECK(card.tx("00DC050410" + rep("AA", 16)).sw == "6A83");
    CHECK(card.tx("00DC000310" + rep("AA", 16)).sw == "6A86"); // P2=03 only on cyclic files
    CHECK(card.tx("00DC000410" + rep("BB", 16)).sw == "9000"); // P1=00: current record (2)
    CHECK(card.tx("00B2020400").data == rep("BB", 16));
    CHECK(card.persists == 2);

    CHECK(card.tx("00DC021C03"
                  "02CCCC")
              .sw
        == "9000"); // SFI 3, variable: shorter is fine
    CHECK(card.tx("00B2021C00").data == "02CCCC");
    CHECK(card.tx("00DC021C41" + rep("CC", 65)).sw == "6700"); // over the 64-byte maximum
    CHECK(card.tx("00DC010C0100").sw == "6981"); // SFI 1 is transparent
}

TEST_CASE("UPDATE RECORD P2=03 on a cyclic file: the newest is record 1, the oldest drops") {
    TestCard card;
    REQUIRE(card.tx("00A4000C020004").sw == "9000");
    CHECK(card.tx("00DC000308" + rep("44", 8)).sw == "6982"); // update: pin
    REQUIRE(card.tx(std::string("0020000006") + TestCard::kPin).sw == "9000");
    CHECK(card.tx("00DC000307" + rep("44", 7)).sw == "6700"); // cyclic records are fixed size
    REQUIRE(card.tx("00DC000308"
                    "0000000000000004")
                .sw
        == "9000");
    CHECK(card.tx("00B2012400").data == "0000000000000004");
    CHECK(card.tx("00B2022400").data == "0000000000000003");
    CHECK(card.tx("00B2032400").data == "0000000000000002");
    CHECK(card.tx("00B2042400").sw == "6A83"); // still 3 records; ..01 dropped
    REQUIRE(card.file(0x0004).records.size() == 3);

    REQUIRE(card.tx("00E2002008"
                    "0000000000000005")
                .sw
        == "9000"); // APPEND: same on cyclic
    CHECK(card.tx("00B2012400").data == "0000000000000005");
    CHECK(card.tx("00B2032400").data == "0000000000000003");
}

TEST_CASE("APPEND RECORD: adds at the end, 6A84 when a linear file is full") {
    TestCard card;
    CHECK(card.tx("00E2001010" + rep("05", 16)).sw == "6A84"); // SFI 2: 4 of 4 records
    CHECK(card.persists == 0);
    CHECK(card.tx("00E2001805"
                  "0403414243")
              .sw
        == "9000"); // SFI 3
    CHECK(card.tx("00B2000400").data == "0403414243"); // the new record is current
    CHECK(card.tx("00B2041C00").data == "0403414243");
    for (int i = 5; i <= 10; ++i) {
        CAPTURE(i);
        CHECK(card.tx("00E2001801"
                      "09")
                  .sw
            == "9000");
    }
    CHECK(card.tx("00E2001801"
                  "09")
              .sw
        == "6A84"); // 10 of 10
    CHECK(card.tx("00E2001800").sw == "6700"); // an empty record
    CHECK(card.tx("00E2011801"
                  "09")
              .sw
        == "6A86"); // P1 must be 00
    CHECK(card.tx("00E2000801"
                  "09")
              .sw
        == "6981"); // SFI 1 is transparent
    CHECK(card.file(0x0003).records.size() == 10);
}

TEST_CASE("GET CHALLENGE answers 4, 8 or 16 random bytes") {
    TestCard card;
    for (const std::string le : { "04", "08", "10" }) {
        CAPTURE(le);
        const auto r = card.tx(std::string("00840000") + le);
        CHECK(r.sw == "9000");
        CHECK(r.data.size() == 2 * fromHex(le)[0]);
        CHECK(card.os.security().challenge == fromHex(r.data));
    }
    std::set<std::string> seen;
    for (int i = 0; i < 16; ++i) {
        seen.insert(card.tx("0084000008").data);
    }
    CHECK(seen.size() == 16);
    CHECK(card.tx("0084000005").sw == "6700");
    CHECK(card.tx("0084000000").sw == "6700"); // 256
    CHECK(card.tx("00840000").sw == "6700"); // no Le
}

TEST_CASE("unknown instructions and proprietary classes") {
    TestCard card;
    CHECK(card.tx("00CA9F7F00").sw == "6D00");
    CHECK(card.tx("80A4000C023F00").sw == "6E00");
}
