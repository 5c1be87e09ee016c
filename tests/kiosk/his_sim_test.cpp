// Integration: HttpHisAdapter against his-sim started as a process on a free port: patients,
// departments, doctors, 14 days of slots, hold -> book -> double book refused -> hold expiry,
// idempotent booking and payment, lab reports, and the fault switch producing UNKNOWN outcomes
// that a query by request id resolves.
#include "hc/kiosk/his/http_his_adapter.hpp"
#include "hc/testing/process.hpp"
#include "sim_client.hpp"

#include <doctest/doctest.h>
#include <set>
#include <thread>

using namespace hc::kiosk::his;
using hc::kiosk::test::httpPost;
using hc::kiosk::test::waitForPort;

namespace {

struct HisSim {
    hc::testing::TempDir dir { "hc-his-sim-" };
    unsigned short port = hc::testing::freeTcpPort();
    hc::testing::Process process { { hc::testing::binaryPath("his-sim").string(), "--port",
                                       std::to_string(port), "--seed", "7", "--today", "2026-11-24",
                                       "--now", "2026-11-24T08:00", "--hold-seconds", "1" },
        dir / "his-sim.log" };
    HisSim() { waitForPort(port); }
    HttpHisAdapter adapter(
        std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) const {
        return HttpHisAdapter("127.0.0.1", port, timeout);
    }
    void faults(const std::string& json) const {
        CHECK(httpPost(port, "/admin/faults", json).find("200 OK") != std::string::npos);
    }
};

} // namespace

TEST_CASE("his-sim: patients, departments, doctors, 14 days of slots, lab reports") {
    HisSim sim;
    auto his = sim.adapter();
    const auto patients = his.allPatients();
    REQUIRE(patients.size() == 15); // 12 from the seed + the 3 sample residents
    const auto found = his.findPatient(patients[3].idNumber);
    REQUIRE(found);
    CHECK(found->id == patients[3].id);
    CHECK_FALSE(his.findPatient("110105199001011234"));
    // The search is a POST (FHIR _search with a form body): an ID number in a URL is refused.
    const auto inUrl
        = hc::kiosk::test::httpGet(sim.port, "/fhir/Patient?identifier=" + patients[3].idNumber);
    CHECK(inUrl.find(" 400 ") != std::string::npos);
    CHECK(inUrl.find("POST /fhir/Patient/_search") != std::string::npos);

    Patient fresh;
    fresh.idNumber = "110105199003070025";
    fresh.name = "测试患者";
    fresh.phone = "13900000000";
    const auto created = his.createPatient(fresh);
    CHECK(created.idNumber == fresh.idNumber);
    CHECK(created.phone == "13900000000");
    CHECK(his.createPatient(fresh).id == created.id); // idempotent by ID number
    CHECK(his.findPatient(fresh.idNumber)->name == "测试患者");
    // The search went by POST (the ID number in the body, not the URL); the request log holds
    // no full ID number, like every log of ours.
    const auto log = hc::testing::readFile(sim.dir / "his-sim.log");
    CHECK(log.find("POST /fhir/Patient/_search") != std::string::npos);
    CHECK(log.find("110105199003070025") == std::string::npos);
    fresh.idNumber = "110105199003070021"; // bad check digit
    CHECK_THROWS_AS(his.createPatient(fresh), HisRefused);

    const auto depts = his.departments();
    CHECK(depts.size() == 18);
    std::set<std::string> names;
    for (const auto& d : depts) {
        names.insert(d.name);
    }
    CHECK(names.count("心血管内科") == 1);
    const auto doctors = his.doctors("D0101");
    REQUIRE(doctors.size() >= 2);
    CHECK(doctors[0].departmentId == "D0101");
    CHECK_FALSE(doctors[0].title.empty());
    CHECK(his.slots(doctors[0].id, "2026-11-24").size() == 14);
    CHECK(his.slots(doctors[0].id, "2026-12-07").size() == 14); // day 14
    CHECK(his.slots(doctors[0].id, "2026-12-08").empty()); // day 15
    const auto slot = his.slots(doctors[0].id, "2026-11-25").front();
    CHECK(slot.status == "free");
    CHECK(slot.priceFen > 0);

    const auto schedule
        = hc::kiosk::test::httpGet(sim.port, "/fhir/Schedule?actor=" + doctors[0].id);
    CHECK(schedule.find("\"planningHorizon\":{\"start\":\"2026-11-24\",\"end\":\"2026-12-07\"}")
        != std::string::npos);

    const auto reports = his.labReports(patients[0].id);
    REQUIRE_FALSE(reports.empty());
    CHECK(reports[0].name == "血常规");
    for (const auto& o : reports[0].observations) {
        REQUIRE(o.low);
        REQUIRE(o.high);
        CHECK(o.flag == (o.value < *o.low ? "L" : o.value > *o.high ? "H" : "N"));
    }
}

TEST_CASE("his-sim: hold -> book -> double book refused -> hold expiry") {
    HisSim sim;
    auto his = sim.adapter();
    const auto patients = his.allPatients();
    const auto doctor = his.doctors("D0202").front();
    const auto slots = his.slots(doctor.id, "2026-11-26");
    const auto& s1 = slots[0];
    const auto& s2 = slots[1];

    const auto hold = his.holdSlot(s1.id, "session-A", "A-1");
    CHECK(hold.session == "session-A");
    CHECK_FALSE(hold.expires.empty());
    CHECK(his.slots(doctor.id, "2026-11-26")[0].status == "busy-tentative");
    CHECK_THROWS_AS(his.holdSlot(s1.id, "session-B", "B-1"), HisConflict);
    CHECK_THROWS_AS(his.book(s1.id, patients[1].id, "session-B", "B-2"), HisConflict);

    const auto appt = his.book(s1.id, patients[0].id, "session-A", "A-2");
    CHECK(appt.status == "booked");
    CHECK(appt.slotId == s1.id);
    CHECK(appt.priceFen == s1.priceFen);
    // The same request again answers the first result; another request is refused.
    CHECK(his.book(s1.id, patients[0].id, "session-A", "A-2").id == appt.id);
    CHECK_THROWS_AS(his.book(s1.id, patients[0].id, "session-A", "A-3"), HisConflict);
    CHECK_THROWS_AS(his.holdSlot(s1.id, "session-A", "A-4"), HisConflict);
    CHECK(his.slots(doctor.id, "2026-11-26")[0].status == "busy");

    // A hold expires (--hold-seconds 1): then another session may take the slot.
    his.holdSlot(s2.id, "session-A", "A-5");
    CHECK_THROWS_AS(his.holdSlot(s2.id, "session-B", "B-3"), HisConflict);
    std::this_thread::sleep_for(std::chrono::milliseconds(1300));
    CHECK(his.slots(doctor.id, "2026-11-26")[1].status == "free");
    CHECK(his.holdSlot(s2.id, "session-B", "B-4").session == "session-B");
    CHECK(his.book(s2.id, patients[1].id, "session-B", "B-5").status == "booked");
}

TEST_CASE("his-sim: pay is idempotent by request id; faults give UNKNOWN that a query resolves") {
    HisSim sim;
    auto his = sim.adapter();
    const auto patients = his.allPatients();

    auto items = his.unpaidItems(patients[0].id);
    REQUIRE_FALSE(items.empty());
    std::vector<std::string> ids;
    std::int64_t total = 0;
    for (const auto& i : items) {
        CHECK(i.status == "billable");
        ids.push_back(i.id);
        total += i.priceFen;
    }
    CHECK_THROWS_AS(his.pay(patients[0].id, ids, total + 1, "pay-0"), HisRefused);
    const auto inv = his.pay(patients[0].id, ids, total, "pay-1");
    CHECK(inv.totalFen == total);
    CHECK(inv.chargeItemIds == ids);
    CHECK(his.pay(patients[0].id, ids, total, "pay-1").id == inv.id);
    CHECK(his.unpaidItems(patients[0].id).empty());
    CHECK_THROWS_AS(his.pay(patients[0].id, ids, total, "pay-2"), HisConflict);
    CHECK(his.findInvoice("pay-1")->id == inv.id);
    CHECK_FALSE(his.findInvoice("pay-never"));

    // Committed, then the reply is lost: UNKNOWN; the query shows it was paid.
    auto items2 = his.unpaidItems(patients[1].id);
    REQUIRE_FALSE(items2.empty());
    sim.faults(R"({"drop_after_commit": 1})");
    CHECK_THROWS_AS(
        his.pay(patients[1].id, { items2[0].id }, items2[0].priceFen, "pay-3"), HisOutcomeUnknown);
    const auto q = his.findInvoice("pay-3");
    REQUIRE(q);
    CHECK(q->totalFen == items2[0].priceFen);

    // A 5xx on a mutating call is UNKNOWN too; here the query shows nothing happened.
    sim.faults(R"({"fail_5xx": 1})");
    CHECK_THROWS_AS(
        his.book("SL-DR001-20261124-0800", patients[1].id, "s", "book-9"), HisOutcomeUnknown);
    CHECK(his.slots("DR001", "2026-11-24")[0].status == "free");
    // On a read it is "unavailable".
    sim.faults(R"({"fail_5xx": 1})");
    CHECK_THROWS_AS(his.departments(), HisUnavailable);

    // A slow HIS: the read times out.
    sim.faults(R"({"delay_ms": 1500})");
    auto impatient = sim.adapter(std::chrono::milliseconds(400));
    CHECK_THROWS_AS(impatient.departments(), HisUnavailable);
    sim.faults(R"({})");
    CHECK(his.departments().size() == 18);

    // Nothing listening: the request was not sent.
    HttpHisAdapter nobody("127.0.0.1", hc::testing::freeTcpPort());
    CHECK_THROWS_AS(nobody.pay("P0001", { "CI000001" }, 100, "x"), HisUnavailable);
}

TEST_CASE("his-sim: the sample residents' cards find bills and lab reports (same on every start)") {
    HisSim sim;
    auto his = sim.adapter();
    struct Expect {
        const char* idNumber;
        const char* name;
        const char* patientId;
    };
    for (const auto& e : { Expect { "110105197503150022", "李娜", "P0013" },
             Expect { "410102198001010018", "张喆", "P0014" },
             Expect { "650102199006120020", "阿依古丽·买买提", "P0015" } }) {
        CAPTURE(e.name);
        const auto p = his.findPatient(e.idNumber);
        REQUIRE(p);
        CHECK(p->id == e.patientId);
        CHECK(p->name == e.name);
        // The kiosk creates the record when it is missing: for them it finds the seeded one.
        Patient again;
        again.idNumber = e.idNumber;
        again.name = e.name;
        CHECK(his.createPatient(again).id == e.patientId);
        const auto items = his.unpaidItems(p->id);
        REQUIRE(items.size() == 2);
        for (const auto& i : items) {
            CHECK(i.priceFen > 0);
            CHECK(i.status == "billable");
        }
        const auto reports = his.labReports(p->id);
        REQUIRE_FALSE(reports.empty());
        CHECK(reports[0].name == "血常规");
        bool abnormal = false;
        for (const auto& r : reports) {
            for (const auto& o : r.observations) {
                REQUIRE(o.low);
                REQUIRE(o.high);
                CHECK(o.flag == (o.value < *o.low ? "L" : o.value > *o.high ? "H" : "N"));
                abnormal = abnormal || o.flag != "N";
            }
        }
        CHECK(abnormal);
    }
    // Fixed whatever the seed: 李娜's first item is the insurance-class-A drug, 2 x 26.50 yuan.
    const auto li = his.unpaidItems("P0013");
    CHECK(li[0].description == "盐酸二甲双胍缓释片(0.5g*30片)");
    CHECK(li[0].quantity == 2);
    CHECK(li[0].priceFen == 5300);
    CHECK(hc::kiosk::test::httpGet(sim.port, "/fhir/ChargeItem?patient=P0013")
              .find(R"("category":[{"text":"drug"}],"insuranceClass":"A")")
        != std::string::npos);
    CHECK(his.labReports("P0013").at(1).observations.at(0).flag == "H"); // ALT 68 U/L
}

TEST_CASE("his-sim: refund a paid invoice and cancel an appointment, idempotent by request id") {
    HisSim sim;
    auto his = sim.adapter();
    const auto items = his.unpaidItems("P0014"); // 张喆: the drug and the exam
    REQUIRE(items.size() == 2);
    const auto inv = his.pay(
        "P0014", { items[0].id, items[1].id }, items[0].priceFen + items[1].priceFen, "pay-r1");
    CHECK(his.unpaidItems("P0014").empty());
    const auto found = his.invoiceById(inv.id);
    REQUIRE(found);
    CHECK(found->totalFen == 10860);
    CHECK(found->status == "balanced");
    CHECK_FALSE(his.invoiceById("INV999999"));
    CHECK_FALSE(his.findRefund("refund-1"));

    // The reply is lost after the refund is done: UNKNOWN; the query by request id shows it.
    sim.faults(R"({"drop_after_commit": 1})");
    CHECK_THROWS_AS(his.refund(inv.id, "患者退药", "refund-1"), HisOutcomeUnknown);
    const auto q = his.findRefund("refund-1");
    REQUIRE(q);
    CHECK(q->id == inv.id);
    CHECK(q->status == "cancelled");
    // Repeating the request answers the first result; another request is a conflict.
    CHECK(his.refund(inv.id, "患者退药", "refund-1").status == "cancelled");
    CHECK_THROWS_AS(his.refund(inv.id, "患者退药", "refund-2"), HisConflict);
    CHECK_THROWS_AS(his.refund("INV999999", "x", "refund-3"), HisRefused);
    CHECK(his.invoiceById(inv.id)->status == "cancelled");
    CHECK(his.unpaidItems("P0014").empty()); // refunded items are not billable again

    const auto doctor = his.doctors("D0102").front();
    const auto slot = his.slots(doctor.id, "2026-11-27").front();
    his.holdSlot(slot.id, "s1", "hold-c1");
    const auto appt = his.book(slot.id, "P0014", "s1", "book-c1");
    CHECK(his.slots(doctor.id, "2026-11-27").front().status == "busy");
    const auto cancelled = his.cancelAppointment(appt.id, "cancel-1");
    CHECK(cancelled.status == "cancelled");
    CHECK(his.cancelAppointment(appt.id, "cancel-1").status == "cancelled");
    CHECK_THROWS_AS(his.cancelAppointment(appt.id, "cancel-2"), HisConflict);
    CHECK(his.slots(doctor.id, "2026-11-27").front().status == "free");
}
