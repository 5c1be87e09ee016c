// Integration: hcperso from a CSV of residents to verified cards, through pcscd + vpcd + hcemu
// --blank, keys in SoftHSM2, every card read back with `hcard read --all --json` and compared
// field by field with the register; the reject file of the same CSV.
#include "issuance_stack.hpp"

#include <doctest/doctest.h>
#include <map>
#include <set>

using namespace hc::issuance;
using namespace hc::issuance::testing;

namespace {
std::string s(const boost::json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}
} // namespace

TEST_CASE("a batch of 50 residents: CSV -> rejects -> cards personalized on 2 readers -> read back "
          "equal") {
    IssuanceStack stack;
    const std::size_t n = 50;
    // Bad rows at the end: a wrong check digit, a duplicate, an unknown ethnic group.
    auto bad = testResident(500);
    bad.idNumber.back() = bad.idNumber.back() == '1' ? '2' : '1';
    auto unknownEthnic = testResident(501);
    unknownEthnic.ethnicity = 60;
    const std::string csv
        = residentsCsv(n, 0, csvLine(bad) + csvLine(testResident(7)) + csvLine(unknownEthnic));
    std::ofstream(stack.dir() / "residents.csv") << csv;

    const auto prep = stack.run("prepare",
        { "--input", (stack.dir() / "residents.csv").string(), "--batch", "B50", "--rejects",
            (stack.dir() / "rejects.csv").string() });
    INFO(prep.err);
    REQUIRE(prep.status == 0);
    const auto prepOut = jsonLines(prep.out).at(0);
    CHECK(prepOut.at("accepted").as_int64() == 50);
    CHECK(prepOut.at("rejected").as_int64() == 3);
    const auto rejects = parseCsv(hc::testing::readFile(stack.dir() / "rejects.csv"));
    REQUIRE(rejects.size() == 4);
    CHECK(rejects[1].fields[0] == std::to_string(n + 2));
    CHECK(rejects[1].fields[2] == "GB 11643 check digit");
    CHECK(rejects[2].fields[2] == "duplicate in batch");
    CHECK(rejects[3].fields[1] == "ethnicity");

    const auto run = stack.run("run",
        { "--batch", "B50", "--readers", testReaders(), "--card-feeder", stack.feederCommand() });
    INFO(run.err);
    INFO(hc::testing::readFile(stack.dir() / "hcemu-2.log"));
    INFO(run.out.substr(run.out.size() > 2000 ? run.out.size() - 2000 : 0));
    REQUIRE(run.status == 0);
    const auto lines = jsonLines(run.out);
    const auto done = lines.back();
    CHECK(done.at("event").as_string() == "done");
    CHECK(done.at("issued").as_int64() == 50);
    CHECK(done.at("remaining").as_int64() == 0);
    MESSAGE("50 cards on 2 readers: " << done.at("elapsed_s").as_double() << " s, "
                                      << done.at("cards_per_min").as_double() << " cards/min, "
                                      << done.at("apdus_per_card").as_double() << " APDUs/card");
    stack.stopFedCards();

    // Every issued card of the register is on a card image that reads back equal.
    auto reg = openRegister(stack.db());
    std::map<std::string, CardEntry> issued;
    for (const auto& e : reg->list("B50")) {
        if (e.status == CardStatus::Issued) {
            issued.emplace(e.cardNo, e);
        }
    }
    REQUIRE(issued.size() == 50);
    std::set<std::string> residents;
    for (const auto& [no, e] : issued) {
        residents.insert(e.resident.idNumber);
    }
    CHECK(residents.size() == 50);

    std::set<std::string> seen;
    const auto images = stack.cardImages();
    const auto reads = IssuanceStack::readCards(images);
    for (std::size_t i = 0; i < images.size(); ++i) {
        const auto& [status, text] = reads[i];
        INFO(images[i].string());
        INFO(text);
        REQUIRE(status == 0);
        const auto card = boost::json::parse(text).as_object();
        const std::string no = s(card.at("card").at("card_number"));
        CAPTURE(no);
        const auto it = issued.find(no);
        REQUIRE(it != issued.end());
        CHECK(seen.insert(no).second);
        const auto& r = it->second.resident;
        const auto& h = card.at("holder").as_object();
        CHECK(s(h.at("name")) == r.name);
        CHECK(s(h.at("id_number")) == r.idNumber);
        CHECK(s(h.at("birth_date")) == r.birthDate);
        CHECK(s(h.at("sex").at("code")) == std::to_string(r.sex));
        CHECK(s(h.at("ethnicity").at("code")) == std::to_string(r.ethnicity));
        const auto& c = card.at("card").as_object();
        CHECK(s(c.at("issue_date")) == "20261123");
        CHECK(s(c.at("city_code")) == "110100");
        CHECK(s(c.at("issuer_code")) == "11000000001");
        CHECK(s(c.at("issuer_name")) == IssuerProfile {}.issuerName);
        CHECK(it->second.chipSerial.find(s(c.at("chip_serial"))) != std::string::npos);
        CHECK(s(card.at("validity").at("expiry_date")) == "20361123");
        CHECK(s(card.at("validity").at("phone1")) == r.phone);
        CHECK(s(card.at("addresses").at(0).at("address")) == r.address);
    }
    CHECK(seen.size() == 50);
}
