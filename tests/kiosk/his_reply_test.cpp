// Unit tests of the HIS reply parser: good replies parse; every malformed field is named.
#include "hc/kiosk.hpp" // the module manual compiles on its own
#include "hc/printer.hpp"

#include <doctest/doctest.h>

using namespace hc::kiosk::his;

namespace {
std::string errorOf(const char* text, auto parse) {
    try {
        (void)parse(parseReplyJson(text));
    } catch (const HisReplyError& e) {
        return e.what();
    }
    return "no error";
}
} // namespace

TEST_CASE("his reply: a slot bundle parses") {
    const auto slots = parseSlotBundle(parseReplyJson(R"({"resourceType":"Bundle","entry":[
        {"resource":{"resourceType":"Slot","id":"S1","practitioner":{"reference":"Practitioner/DR1"},
         "start":"2026-11-24T08:00:00+08:00","end":"2026-11-24T08:30:00+08:00","status":"free",
         "priceFen":1500}}]})"));
    REQUIRE(slots.size() == 1);
    CHECK(slots[0].doctorId == "DR1");
    CHECK(slots[0].priceFen == 1500);
    CHECK(parseSlotBundle(parseReplyJson(R"({"resourceType":"Bundle"})")).empty());
}

TEST_CASE("his reply: errors name the bad field") {
    CHECK(errorOf(R"({"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Slot","id":"S1",
        "practitioner":{"reference":"Practitioner/DR1"},"start":"a","end":"b","status":"free",
        "priceFen":"15.00"}}]})",
              parseSlotBundle)
        == "Bundle.entry[0].resource.priceFen: expected an integer, got a string");
    CHECK(errorOf(R"({"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Slot","id":"S1",
        "practitioner":{"reference":"Organization/DR1"},"start":"a","end":"b","status":"free",
        "priceFen":1}}]})",
              parseSlotBundle)
              .find("Bundle.entry[0].resource.practitioner.reference: expected \"Practitioner/")
        == 0);
    CHECK(errorOf(R"({"resourceType":"Patient","id":"P1","identifier":[],"name":[{"text":"x"}]})",
              parsePatient)
        == "Patient.identifier[0]: missing");
    CHECK(errorOf(R"({"resourceType":"Invoice","id":"I","status":"balanced",
        "subject":{"reference":"Patient/P1"},"totalFen":-5,"identifier":[{"value":"r"}],"lineItem":[]})",
              parseInvoice)
              .find("Invoice.totalFen: amount -5 fen out of range")
        == 0);
    CHECK(errorOf(R"({"resourceType":"OperationOutcome"})", parseInvoice)
              .find("Invoice.resourceType: expected \"Invoice\"")
        == 0);
    CHECK(errorOf("[1,2", parsePatient).find("reply: not valid JSON (") == 0);
    CHECK(operationOutcomeText(parseReplyJson(
              R"({"resourceType":"OperationOutcome","issue":[{"diagnostics":"slot is booked"}]})"))
        == "slot is booked");
    CHECK(operationOutcomeText(parseReplyJson("{}")).empty());
}
