// Data preparation: the CSV reader, every validation rule with its reject line, card numbers and
// the blocklist's two forms.
#include "hc/issuance.hpp"
#include "issuance_residents.hpp"

#include <boost/json/serialize.hpp>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

using namespace hc::issuance;
using hc::issuance::testing::csvHeader;
using hc::issuance::testing::csvLine;
using hc::issuance::testing::testResident;

TEST_CASE("CSV: RFC 4180 quoting, CRLF, BOM, blank lines") {
    const auto rows = parseCsv("\xEF\xBB\xBF"
                               "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n\n1,,3");
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].fields == std::vector<std::string> { "a", "b", "c" });
    CHECK(rows[1].fields == std::vector<std::string> { "x, y", "say \"hi\"", "two\nlines" });
    CHECK(rows[1].line == 2);
    CHECK(rows[2].line == 5);
    CHECK(rows[2].fields == std::vector<std::string> { "1", "", "3" });
    CHECK(csvQuote("a,\"b\"") == "\"a,\"\"b\"\"\"");
}

TEST_CASE("CSV: malformed input names the line and column") {
    CHECK_THROWS_WITH_AS(
        parseCsv("a,b\nx\"y,z\n"), doctest::Contains("line 2 column 2"), hc::InputError);
    CHECK_THROWS_WITH_AS(parseCsv("a\n\"open"), doctest::Contains("not closed"), hc::InputError);
    CHECK_THROWS_WITH_AS(
        parseCsv("\"a\"b\n"), doctest::Contains("after a closing quote"), hc::InputError);
    CHECK_THROWS_AS(parseCsv(std::string("a\0b", 3)), hc::InputError);
    CsvLimits small;
    small.maxFieldBytes = 4;
    CHECK_THROWS_WITH_AS(
        parseCsv("abcde\n", small), doctest::Contains("longer than 4"), hc::InputError);
    small = {};
    small.maxFields = 2;
    CHECK_THROWS_AS(parseCsv("a,b,c\n", small), hc::InputError);
}

TEST_CASE("batch input: header columns") {
    CHECK_THROWS_WITH_AS(readCsvRows("id_number,name,sex,ethnicity\n"),
        doctest::Contains("birth_date"), hc::InputError);
    CHECK_THROWS_WITH_AS(readCsvRows("id_number,name,sex,ethnicity,birth_date,shoe\n"),
        doctest::Contains("unknown column 'shoe'"), hc::InputError);
    CHECK_THROWS_WITH_AS(readCsvRows(std::string(csvHeader()) + "1,2\n"),
        doctest::Contains("line 2"), hc::InputError);
    // Column order is free; optional columns may be left out.
    const auto r = testResident(3);
    const auto rows
        = readCsvRows("birth_date,name,id_number,ethnicity,sex\n" + r.birthDate + "," + r.name + ","
            + r.idNumber + ",0" + std::to_string(r.ethnicity) + "," + std::to_string(r.sex) + "\n");
    const auto batch = validateBatch(rows);
    REQUIRE(batch.accepted.size() == 1);
    CHECK(batch.accepted[0].record.name == r.name);
    CHECK(batch.accepted[0].row == 2);
}

namespace {
// One CSV with a good row and one bad row per rule; returns the rejects of row `line`.
std::vector<Reject> rejectsOf(const PreparedBatch& b, std::size_t line) {
    std::vector<Reject> out;
    for (const auto& r : b.rejects) {
        if (r.row == line) {
            out.push_back(r);
        }
    }
    return out;
}
} // namespace

TEST_CASE("validation: every rule rejects its row and names the field") {
    std::string csv = csvHeader();
    const auto good = testResident(0);
    csv += csvLine(good); // line 2: good
    auto r = testResident(1);
    r.idNumber.back() = r.idNumber.back() == '0' ? '1' : '0';
    csv += csvLine(r); // line 3: check digit
    r = testResident(2);
    r.birthDate = "19991231";
    csv += csvLine(r); // line 4: birth date mismatch
    r = testResident(3);
    r.name = "李😀";
    csv += csvLine(r); // line 5: not GBK
    r = testResident(4);
    r.address = std::string(60, 'x') + "这是一个非常非常非常长的地址超过一百字节的地址";
    csv += csvLine(r); // line 6: too long
    r = testResident(5);
    r.ethnicity = 77;
    csv += csvLine(r); // line 7: unknown ethnic code
    csv += csvLine(good); // line 8: duplicate of line 2
    r = testResident(6);
    csv += csvLine(r); // line 9: holds an active card
    r = testResident(7);
    r.sex = 1; // testResident(7) is female: a male sex breaks the ID's parity
    csv += csvLine(r); // line 10: sex parity
    csv += "110105,,5,xx,2020130,,\n"; // line 11: several rules at once

    const std::string held = testResident(6).idNumber;
    const auto batch
        = validateBatch(readCsvRows(csv), [&](const std::string& id) -> std::optional<std::string> {
              if (id == held) {
                  return std::string("card 110100********17 (issued)");
              }
              return std::nullopt;
          });
    CHECK(batch.rowsRead == 10);
    REQUIRE(batch.accepted.size() == 1);
    CHECK(batch.accepted[0].row == 2);
    CHECK(batch.rowsRejected == 9);

    auto one = [&](std::size_t line, const std::string& field, const std::string& rule) {
        CAPTURE(line);
        const auto rj = rejectsOf(batch, line);
        REQUIRE(rj.size() >= 1);
        CHECK(rj[0].field == field);
        CHECK(rj[0].rule.find(rule) != std::string::npos);
    };
    one(3, "id_number", "GB 11643 check digit");
    one(4, "birth_date", "birth date mismatch");
    one(5, "name", "not encodable in GBK");
    one(6, "address", "field too long");
    one(7, "ethnicity", "GB 3304");
    one(8, "id_number", "duplicate in batch");
    CHECK(rejectsOf(batch, 8)[0].detail == "same person as row 2");
    one(9, "id_number", "already holds an active card");
    one(10, "sex", "sequence parity");
    const auto many = rejectsOf(batch, 11);
    std::set<std::string> fields;
    for (const auto& x : many) {
        fields.insert(x.field);
    }
    CHECK(
        fields == std::set<std::string> { "id_number", "name", "sex", "ethnicity", "birth_date" });
    // No reject text carries a full ID number.
    for (const auto& x : batch.rejects) {
        CHECK(x.detail.find(good.idNumber) == std::string::npos);
        CHECK(x.detail.find(held) == std::string::npos);
    }

    const auto path = std::filesystem::temp_directory_path() / "hc-issuance-rejects-test.csv";
    writeRejectFile(path, batch.rejects);
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    const auto back = parseCsv(ss.str());
    std::filesystem::remove(path);
    REQUIRE(back.size() == batch.rejects.size() + 1);
    CHECK(back[0].fields == std::vector<std::string> { "row", "field", "rule", "detail" });
    CHECK(back[1].fields[0] == "3");
    CHECK(back[1].fields[1] == "id_number");
}

TEST_CASE("batch input: JSON batches") {
    const auto r = testResident(9);
    const std::string text = R"({"residents":[{"id_number":")" + r.idNumber + R"(","name":")"
        + r.name + R"(","sex":)" + std::to_string(r.sex) + R"(,"ethnicity":)"
        + std::to_string(r.ethnicity) + R"(,"birth_date":")" + r.birthDate + R"("}, 5]})";
    CHECK_THROWS_WITH_AS(readJsonRows(text), doctest::Contains("item 2"), hc::InputError);
    const auto rows = readJsonRows(text.substr(0, text.find(", 5]")) + "]}");
    const auto b = validateBatch(rows);
    REQUIRE(b.accepted.size() == 1);
    CHECK(b.accepted[0].record.idNumber == r.idNumber);
    CHECK_THROWS_WITH_AS(
        readJsonRows("{"), doctest::Contains("JSON batch: not valid JSON"), hc::InputError);
    CHECK_THROWS_AS(readJsonRows("{\"x\":1}"), hc::InputError);
}

TEST_CASE("the generated test residents are valid and distinct") {
    std::string csv = csvHeader();
    for (std::size_t i = 0; i < 300; ++i) {
        csv += csvLine(testResident(i));
    }
    const auto b = validateBatch(readCsvRows(csv));
    for (const auto& rj : b.rejects) {
        CAPTURE(rj.row);
        CAPTURE(rj.rule);
        CHECK(false);
    }
    CHECK(b.accepted.size() == 300);
}

TEST_CASE("card numbers: prefix, sequence, Luhn digit") {
    CardNumberFormat f("110100");
    const auto n1 = f.format(1);
    CHECK(n1.size() == 18);
    CHECK(n1.substr(0, 17) == "11010000000000001");
    CHECK(isWellFormedCardNumber(n1));
    CHECK(f.sequenceOf(n1) == 1);
    CHECK(f.sequenceOf(f.format(123456)) == 123456);
    CHECK(luhnCheckDigit("7992739871") == '3'); // the textbook example
    std::string bad = n1;
    bad.back() = bad.back() == '9' ? '0' : static_cast<char>(bad.back() + 1);
    CHECK_FALSE(isWellFormedCardNumber(bad));
    CHECK_THROWS_AS(f.sequenceOf(bad), hc::InputError);
    CHECK_THROWS_AS(CardNumberFormat("31").sequenceOf(n1), hc::InputError);
    CHECK_THROWS_AS(f.format(0), hc::InputError);
    CHECK_THROWS_AS(f.format(f.maxSequence() + 1), hc::InputError);
    CHECK_THROWS_AS(CardNumberFormat("12a"), hc::InputError);
}

TEST_CASE("PIN policy") {
    IssuerProfile p;
    ResidentRecord r;
    r.idNumber = "11010519491231002X";
    p.pinPolicy = "fixed:123456";
    CHECK(p.initialPin(r) == "123456");
    p.pinPolicy = "id-last6";
    CHECK(p.initialPin(r) == "310020");
    p.pinPolicy = "fixed:12";
    CHECK_THROWS_AS(p.initialPin(r), hc::InputError);
    p.pinPolicy = "random";
    CHECK_THROWS_AS(p.initialPin(r), hc::InputError);
}

TEST_CASE("blocklist: text and JSON carry one SM3 digest; tampering is refused") {
    CHECK(sm3Hex("abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    Blocklist b;
    b.version = 42;
    b.date = "2026-11-23T10:00:00Z";
    CardNumberFormat f("110100");
    b.entries
        = { { f.format(3), "lost" }, { f.format(7), "replaced" }, { f.format(9), "blocked" } };
    const auto text = b.toText();
    CHECK(text.rfind("hc-blocklist/1\nversion 42\n", 0) == 0);
    const auto fromText = Blocklist::parse(text);
    const auto fromJson = Blocklist::parse(b.toJson());
    CHECK(fromText.digest() == b.digest());
    CHECK(fromJson.digest() == b.digest());
    CHECK(fromJson.isBlocked(f.format(7)));
    CHECK_FALSE(fromJson.isBlocked(f.format(8)));
    std::string altered = text;
    altered.replace(altered.find("lost"), 4, "lose");
    CHECK_THROWS_AS(Blocklist::parse(altered), hc::InputError);
    altered = text;
    altered.replace(altered.find(f.format(3)), 18, f.format(4));
    CHECK_THROWS_WITH_AS(Blocklist::parse(altered), doctest::Contains("SM3"), hc::InputError);
    std::string json = b.toJson();
    json.replace(json.find("\"version\":42"), 12, "\"version\":43");
    CHECK_THROWS_AS(Blocklist::parse(json), hc::InputError);
    // A malformed JSON field is named.
    json = b.toJson();
    json.replace(json.find("\"status\":\"replaced\""), 19, "\"status\":7");
    CHECK_THROWS_WITH_AS(Blocklist::parse(json),
        doctest::Contains("blocklist JSON: entries[1].status: expected a string"), hc::InputError);
    CHECK_THROWS_AS(Blocklist::parse("hc-blocklist/1\nversion x\n"), hc::InputError);
}

TEST_CASE(
    "the register's stored resident record reads back; a bad one is refused naming the field") {
    ResidentRecord r;
    r.idNumber = "11010519491231002X";
    r.name = "张哲";
    r.sex = 1;
    r.ethnicity = 1;
    r.birthDate = "19491231";
    const auto back = ResidentRecord::fromJsonText(boost::json::serialize(r.toJson()));
    CHECK(back.idNumber == r.idNumber);
    CHECK(back.name == r.name);
    CHECK(back.sex == 1);
    CHECK(back.birthDate == r.birthDate);
    CHECK(back.phone.empty());
    // Text fields may be absent or null; sex and ethnicity are required integers.
    const auto minimal = ResidentRecord::fromJsonText(R"({"sex":2,"ethnicity":97,"name":null})");
    CHECK(minimal.name.empty());
    CHECK(minimal.ethnicity == 97);
    auto errorOf = [](const char* text) {
        try {
            (void)ResidentRecord::fromJsonText(text);
        } catch (const hc::InputError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(errorOf(R"({"sex":"1","ethnicity":1})") == "resident record: sex: expected an integer");
    CHECK(errorOf(R"({"sex":1})") == "resident record: ethnicity: missing");
    CHECK(errorOf(R"({"sex":1,"ethnicity":1,"phone":5})")
        == "resident record: phone: expected a string");
    CHECK(errorOf(R"({"sex":4294967296,"ethnicity":1})")
              .rfind("resident record: sex: out of range", 0)
        == 0);
    CHECK(errorOf("{").rfind("resident record: stored text: not valid JSON", 0) == 0);
    CHECK(errorOf("[]") == "resident record: (root): expected an object");
}
