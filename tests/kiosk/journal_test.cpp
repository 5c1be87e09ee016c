// Unit tests of the session journal (JournalStep RAII, sessions, resolution) and of the
// RecoveryPlanner, one case per rule of kiosk-reference §1.4.
#include "hc/kiosk/journal.hpp"
#include "hc/kiosk/journal_error.hpp"
#include "hc/kiosk/journal_step.hpp"
#include "hc/kiosk/recovery_planner.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

using namespace hc::kiosk;

namespace {

struct TempJournal {
    std::filesystem::path dir;
    TempJournal() {
        static int n = 0;
        dir = std::filesystem::temp_directory_path()
            / ("hc-journal-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
        std::filesystem::create_directories(dir);
    }
    ~TempJournal() { std::filesystem::remove_all(dir); }
    std::filesystem::path file() const { return dir / "journal.db"; }
};

/** Builds step lists for the planner without a database. */
struct Steps {
    std::vector<StepRecord> list;
    std::int64_t add(StepType type, StepStatus status, std::int64_t amount = 0,
        std::int64_t compensates = 0, std::string reason = {}) {
        StepRecord r;
        r.id = static_cast<std::int64_t>(list.size()) + 1;
        r.seq = static_cast<int>(r.id);
        r.session = "S";
        r.type = type;
        r.status = status;
        r.amountFen = amount;
        r.requestId = "R" + std::to_string(r.id);
        r.compensates = compensates;
        r.reason = std::move(reason);
        list.push_back(r);
        return r.id;
    }
    RecoveryPlan plan() const { return RecoveryPlanner::plan(list); }
};

bool has(const RecoveryPlan& p, ActionKind kind, StepType type, std::int64_t stepId) {
    for (const auto& a : p.actions) {
        if (a.kind == kind && a.type == type && a.stepId == stepId) {
            return true;
        }
    }
    return false;
}

bool refunds(const RecoveryPlan& p) {
    for (const auto& a : p.actions) {
        if (a.kind == ActionKind::Compensate
            && (a.type == StepType::PaymentRefund || a.type == StepType::CardDebitReverse
                || a.type == StepType::InsuranceStrike)) {
            return true;
        }
    }
    return false;
}

} // namespace

TEST_CASE("journal: steps are written PENDING first, then their outcome") {
    TempJournal t;
    Journal j(t.file());
    const auto s = j.openSession("K01", "pay");
    CHECK(s.rfind("K01-pay-", 0) == 0);
    CHECK(j.openSession("K01", "pay") != s);
    {
        JournalStep step(j, s, { StepType::HisPreSettle, "req-1", 1250, "items 1,2" });
        const auto rec = j.step(step.id());
        REQUIRE(rec);
        CHECK(rec->status == StepStatus::Pending);
        CHECK(rec->seq == 1);
        CHECK(rec->amountFen == 1250);
        step.ok("pre-42");
        CHECK_THROWS_AS(step.failed("twice"), JournalError);
    }
    {
        JournalStep step(j, s, { StepType::Payment, "req-2", 1250 });
        step.failed("declined");
    }
    {
        JournalStep step(j, s, { StepType::HisConfirm, "req-3", 1250 });
        step.unknown("timeout after 10 s");
    }
    const auto steps = j.steps(s);
    REQUIRE(steps.size() == 3);
    CHECK(steps[0].status == StepStatus::Ok);
    CHECK(steps[0].result == "pre-42");
    CHECK(steps[0].detail == "items 1,2");
    CHECK_FALSE(steps[0].endedAt.empty());
    CHECK(steps[1].status == StepStatus::Failed);
    CHECK(steps[1].reason == "declined");
    CHECK(steps[2].status == StepStatus::Unknown);
    CHECK(steps[2].seq == 3);
}

TEST_CASE("journal: a JournalStep left without an outcome records UNKNOWN, even on an exception") {
    TempJournal t;
    Journal j(t.file());
    const auto s = j.openSession("K01", "pay");
    std::int64_t id = 0;
    try {
        JournalStep step(j, s, { StepType::Payment, "req-9", 500 });
        id = step.id();
        throw std::runtime_error("card pulled");
    } catch (const std::runtime_error&) { }
    const auto rec = j.step(id);
    REQUIRE(rec);
    CHECK(rec->status == StepStatus::Unknown);
    CHECK(rec->reason == "no outcome recorded");
}

TEST_CASE("journal: sessions end, crash at boot, resolution and recovery marks") {
    TempJournal t;
    std::string s1;
    std::string s2;
    std::int64_t pending = 0;
    {
        Journal j(t.file());
        s1 = j.openSession("K02", "register");
        s2 = j.openSession("K02", "pay");
        j.endSession(s1, SessionEnd::CardPulled);
        pending = j.beginStep(s2, { StepType::HisConfirm, "r", 100 });
    }
    Journal j(t.file());
    CHECK(j.session(s1)->endReason == "card_pulled");
    CHECK(j.session(s2)->open);
    CHECK(j.endOpenSessionsAfterCrash() == 1);
    CHECK(j.session(s2)->endReason == "crash");
    CHECK(j.sessionsToRecover() == std::vector<std::string> { s1, s2 });
    CHECK(j.step(pending)->status == StepStatus::Pending);
    j.resolveStep(pending, StepStatus::Ok, "HIS has invoice INV-1");
    const auto r = j.step(pending);
    CHECK(r->status == StepStatus::Ok);
    CHECK(r->resolvedByQuery);
    CHECK(r->reason.find("INV-1") != std::string::npos);
    CHECK_THROWS_AS(j.resolveStep(pending, StepStatus::Failed, "again"), JournalError);
    CHECK_THROWS_AS(j.resolveStep(pending, StepStatus::Unknown, "x"), JournalError);
    j.markRecovered(s1);
    CHECK(j.sessionsToRecover() == std::vector<std::string> { s2 });
    CHECK_FALSE(j.session("nope"));
    CHECK_THROWS_AS(j.beginStep("nope", { StepType::Payment, "r" }), JournalError);
    // A compensation goes into the ended session it repairs.
    CHECK(j.beginStep(s1, { StepType::PaymentRefund, "r-refund", 100, "", pending }) > 0);
    CHECK_THROWS_AS(Journal("/nonexistent-dir/x/journal.db"), JournalError);
}

TEST_CASE("planner: a completed payment needs nothing") {
    Steps s;
    s.add(StepType::HisPreSettle, StepStatus::Ok, 1250);
    s.add(StepType::Payment, StepStatus::Ok, 1250);
    s.add(StepType::HisConfirm, StepStatus::Ok, 1250);
    s.add(StepType::Print, StepStatus::Ok);
    CHECK(s.plan().done());
}

TEST_CASE("planner §1.4: paid and HIS confirm failed -> refund (and cancel the pre-settlement)") {
    Steps s;
    const auto pre = s.add(StepType::HisPreSettle, StepStatus::Ok, 1250);
    const auto pay = s.add(StepType::Payment, StepStatus::Ok, 1250);
    s.add(StepType::HisConfirm, StepStatus::Failed, 1250, 0, "HIS code 1: item already paid");
    const auto p = s.plan();
    CHECK(has(p, ActionKind::Compensate, StepType::PaymentRefund, pay));
    CHECK(has(p, ActionKind::Compensate, StepType::HisCancelPreSettle, pre));
    CHECK_FALSE(p.needsQuery());
    for (const auto& a : p.actions) {
        if (a.type == StepType::PaymentRefund) {
            CHECK(a.amountFen == 1250);
            CHECK(a.requestId == "R2");
            CHECK(describe(a).find("payment_refund") != std::string::npos);
        }
    }
}

TEST_CASE("planner §1.4: HIS called and returned nothing -> query HIS, do NOT refund") {
    Steps s;
    s.add(StepType::HisPreSettle, StepStatus::Ok, 1250);
    s.add(StepType::Payment, StepStatus::Ok, 1250);
    const auto confirm = s.add(StepType::HisConfirm, StepStatus::Unknown, 1250, 0, "timeout");
    const auto p = s.plan();
    CHECK(has(p, ActionKind::Query, StepType::HisConfirm, confirm));
    CHECK_FALSE(refunds(p));
    CHECK(p.actions.size() == 1);

    // The query says HIS has it: nothing to do. Says it never arrived: refund.
    s.list[2].status = StepStatus::Ok;
    CHECK(s.plan().done());
    s.list[2].status = StepStatus::Failed;
    CHECK(refunds(s.plan()));
}

TEST_CASE("planner §1.4: paid but HIS never called -> refund") {
    Steps s;
    const auto pay = s.add(StepType::Payment, StepStatus::Ok, 800);
    const auto p = s.plan();
    CHECK(has(p, ActionKind::Compensate, StepType::PaymentRefund, pay));
}

TEST_CASE("planner §1.4: payment outcome unknown -> query the gateway; failed -> close the order") {
    Steps s;
    const auto pay = s.add(StepType::Payment, StepStatus::Pending, 800);
    auto p = s.plan();
    CHECK(has(p, ActionKind::Query, StepType::Payment, pay));
    CHECK_FALSE(refunds(p));
    s.list[0].status = StepStatus::Failed;
    p = s.plan();
    CHECK(has(p, ActionKind::Compensate, StepType::PaymentCancelOrder, pay));
    CHECK_FALSE(refunds(p));
}

TEST_CASE("planner §1.4: insurance pre-registration without registration -> undo") {
    Steps s;
    const auto pre = s.add(StepType::InsurancePreRegister, StepStatus::Ok);
    CHECK(has(s.plan(), ActionKind::Compensate, StepType::InsuranceUndoPreRegister, pre));
    s.add(StepType::InsuranceRegister, StepStatus::Failed);
    CHECK(has(s.plan(), ActionKind::Compensate, StepType::InsuranceUndoPreRegister, pre));
}

TEST_CASE("planner §1.4: insurance registration but HIS register failed or missing -> undo") {
    Steps s;
    s.add(StepType::InsurancePreRegister, StepStatus::Ok);
    const auto reg = s.add(StepType::InsuranceRegister, StepStatus::Ok);
    auto p = s.plan();
    CHECK(has(p, ActionKind::Compensate, StepType::InsuranceUndoRegister, reg));
    CHECK_FALSE(has(p, ActionKind::Compensate, StepType::InsuranceUndoPreRegister, 1));
    s.add(StepType::HisRegister, StepStatus::Failed);
    CHECK(has(s.plan(), ActionKind::Compensate, StepType::InsuranceUndoRegister, reg));
    s.list.back().status = StepStatus::Ok;
    CHECK(s.plan().done());
}

TEST_CASE("planner §1.4: insurance pre-settlement not committed -> roll back") {
    Steps s;
    const auto pre = s.add(StepType::InsurancePreSettle, StepStatus::Ok, 3000);
    CHECK(has(s.plan(), ActionKind::Compensate, StepType::InsuranceRollbackPreSettle, pre));
    s.add(StepType::InsuranceSettle, StepStatus::Unknown, 3000);
    auto p = s.plan();
    CHECK(has(p, ActionKind::Query, StepType::InsuranceSettle, 2));
    CHECK_FALSE(has(p, ActionKind::Compensate, StepType::InsuranceRollbackPreSettle, pre));
}

TEST_CASE("planner §1.4: insurance settled but HIS confirm failed -> strike") {
    Steps s;
    s.add(StepType::InsurancePreSettle, StepStatus::Ok, 3000);
    const auto settle = s.add(StepType::InsuranceSettle, StepStatus::Ok, 3000);
    s.add(StepType::HisConfirm, StepStatus::Failed, 3000);
    CHECK(has(s.plan(), ActionKind::Compensate, StepType::InsuranceStrike, settle));
    s.list.back().status = StepStatus::Unknown;
    auto p = s.plan();
    CHECK_FALSE(refunds(p));
    CHECK(has(p, ActionKind::Query, StepType::HisConfirm, 3));
}

TEST_CASE("planner §1.4: HIS pre-settlement without confirm -> cancel") {
    Steps s;
    const auto pre = s.add(StepType::HisPreSettle, StepStatus::Ok, 1250);
    CHECK(has(s.plan(), ActionKind::Compensate, StepType::HisCancelPreSettle, pre));
}

TEST_CASE("planner: a slot held but not booked is released") {
    Steps s;
    const auto hold = s.add(StepType::HisLockSlot, StepStatus::Ok);
    s.add(StepType::Payment, StepStatus::Failed, 500);
    const auto p = s.plan();
    CHECK(has(p, ActionKind::Compensate, StepType::HisReleaseSlot, hold));
    CHECK(has(p, ActionKind::Compensate, StepType::PaymentCancelOrder, 2));
}

TEST_CASE("planner: card debit and HIS failed -> give the debit back; debit unknown -> query") {
    Steps s;
    const auto debit = s.add(StepType::CardDebit, StepStatus::Ok, 700);
    s.add(StepType::HisConfirm, StepStatus::Failed, 700);
    CHECK(has(s.plan(), ActionKind::Compensate, StepType::CardDebitReverse, debit));
    Steps u;
    u.add(StepType::CardDebit, StepStatus::Unknown, 700, 0, "card pulled");
    auto p = u.plan();
    CHECK(has(p, ActionKind::Query, StepType::CardDebit, 1));
    CHECK_FALSE(refunds(p));
}

TEST_CASE("planner: top-up paid but the card load failed -> refund; load unknown -> query") {
    Steps s;
    const auto pay = s.add(StepType::Payment, StepStatus::Ok, 10000);
    s.add(StepType::CardLoad, StepStatus::Failed, 10000);
    CHECK(has(s.plan(), ActionKind::Compensate, StepType::PaymentRefund, pay));
    s.list.back().status = StepStatus::Pending;
    auto p = s.plan();
    CHECK(has(p, ActionKind::Query, StepType::CardLoad, 2));
    CHECK_FALSE(refunds(p));
}

TEST_CASE("planner: a compensation done is never planned again; an unknown one is queried") {
    Steps s;
    const auto pay = s.add(StepType::Payment, StepStatus::Ok, 1250);
    s.add(StepType::HisConfirm, StepStatus::Failed, 1250);
    const auto refund = s.add(StepType::PaymentRefund, StepStatus::Unknown, 1250, pay);
    auto p = s.plan();
    CHECK(has(p, ActionKind::Query, StepType::PaymentRefund, refund));
    CHECK_FALSE(refunds(p));
    s.list.back().status = StepStatus::Ok;
    CHECK(s.plan().done());
    s.list.back().status = StepStatus::Failed;
    CHECK(has(s.plan(), ActionKind::Compensate, StepType::PaymentRefund, pay));
}

TEST_CASE("planner: a failed print is offered again") {
    Steps s;
    s.add(StepType::HisRegister, StepStatus::Ok);
    const auto print = s.add(StepType::Print, StepStatus::Failed, 0, 0, "paper out");
    CHECK(has(s.plan(), ActionKind::Compensate, StepType::Reprint, print));
}

TEST_CASE("step type names round trip") {
    for (int i = 0; i <= static_cast<int>(StepType::Reprint); ++i) {
        const auto t = static_cast<StepType>(i);
        CHECK(stepTypeFromName(stepTypeName(t)) == t);
    }
    CHECK_FALSE(stepTypeFromName("bogus"));
    CHECK(isCompensation(StepType::PaymentRefund));
    CHECK_FALSE(isCompensation(StepType::Print));
}

TEST_CASE("planner: a refund session whose HIS step is done gets its money step by the plan's "
          "means, once") {
    // The original payment (another session) is step 90; the plan is in the HIS step's detail.
    Steps s;
    const auto his = s.add(StepType::HisRefund, StepStatus::Ok, 6250);
    s.list.back().detail = "his refund invoice=INV1;means=qr;pay=P-PAY;payStep=90;own=2500;"
                           "staff=S001;supervisor=M001";
    auto p = s.plan();
    REQUIRE(p.actions.size() == 1);
    CHECK(has(p, ActionKind::Compensate, StepType::PaymentRefund, his));
    CHECK(p.actions[0].amountFen == 2500);
    CHECK(p.actions[0].requestId == "P-PAY");
    // The money step journaled: PENDING -> queried, never repeated blind; OK -> nothing more;
    // FAILED -> planned again.
    s.add(StepType::PaymentRefund, StepStatus::Pending, 2500, 90);
    p = s.plan();
    CHECK(has(p, ActionKind::Query, StepType::PaymentRefund, 2));
    CHECK_FALSE(refunds(p));
    s.list.back().status = StepStatus::Ok;
    CHECK(s.plan().done());
    s.list.back().status = StepStatus::Failed;
    CHECK(has(s.plan(), ActionKind::Compensate, StepType::PaymentRefund, his));

    // E-purse: a card_refund_load (a forward step: queried by the first rule when unknown).
    Steps c;
    const auto cancel = c.add(StepType::HisCancelAppointment, StepStatus::Ok, 5000);
    c.list.back().detail = "appointment=AP1;means=purse;pay=R-DEBIT;payStep=7;own=5000;card=AB";
    CHECK(has(c.plan(), ActionKind::Compensate, StepType::CardRefundLoad, cancel));
    c.add(StepType::CardRefundLoad, StepStatus::Unknown, 5000, 7, "{\"atc\":3}");
    p = c.plan();
    CHECK(has(p, ActionKind::Query, StepType::CardRefundLoad, 2));
    CHECK_FALSE(has(p, ActionKind::Compensate, StepType::CardRefundLoad, cancel));
    c.list.back().status = StepStatus::Ok;
    CHECK(c.plan().done());
    // A plan without money (nothing paid, or "none") plans nothing.
    Steps n;
    n.add(StepType::HisRefund, StepStatus::Ok, 1000);
    n.list.back().detail = "his refund invoice=INV2;means=none;pay=;payStep=;own=0";
    CHECK(n.plan().done());
}

TEST_CASE("planner: a HIS refund or cancellation without an outcome is queried before any money "
          "moves; a failed one plans nothing") {
    Steps s;
    const auto his = s.add(StepType::HisCancelAppointment, StepStatus::Pending, 5000);
    s.list.back().detail = "appointment=AP1;means=qr;pay=R-PAY;payStep=3;own=5000";
    auto p = s.plan();
    CHECK(has(p, ActionKind::Query, StepType::HisCancelAppointment, his));
    CHECK_FALSE(refunds(p));
    CHECK_FALSE(has(p, ActionKind::Compensate, StepType::PaymentRefund, his));
    s.list.back().status = StepStatus::Failed; // the HIS refused (after its cut-off)
    CHECK(s.plan().done());
    Steps r;
    r.add(StepType::HisRefund, StepStatus::Unknown, 100, 0, "reply lost");
    CHECK(has(r.plan(), ActionKind::Query, StepType::HisRefund, 1));
}

TEST_CASE("planner: 退号 with an insurance part: struck after the HIS cancel, once") {
    Steps s;
    const auto his = s.add(StepType::HisCancelAppointment, StepStatus::Ok, 5000);
    s.list.back().detail = "appointment=AP1;means=cash;pay=X;payStep=3;own=2000;insStep=2;"
                           "insRid=S-INS;insFen=3000";
    auto p = s.plan();
    CHECK(has(p, ActionKind::Compensate, StepType::InsuranceStrike, his));
    CHECK(has(p, ActionKind::Compensate, StepType::PaymentRefund, his));
    s.add(StepType::InsuranceStrike, StepStatus::Ok, 3000, 2);
    s.add(StepType::PaymentRefund, StepStatus::Ok, 2000, 3);
    CHECK(s.plan().done());
}

TEST_CASE("journal: a cashier HIS refund written before his_refund existed is read as his_refund") {
    TempJournal t;
    Journal j(t.file());
    const auto s = j.openSession("K01", "RFND");
    std::int64_t old = 0;
    std::int64_t other = 0;
    {
        JournalStep a(j, s,
            { StepType::HisCancelPreSettle, s + "-HIS-REFUND", 100,
                "his refund invoice=INV1;means=cash;pay=P;payStep=1;own=100" });
        old = a.id();
        a.ok("INV1");
        JournalStep b(j, s, { StepType::HisCancelPreSettle, s + "-PRE-CANCEL", 100, "pre" });
        other = b.id();
        b.ok("cancelled");
    }
    CHECK(j.step(old)->type == StepType::HisRefund);
    CHECK(j.step(other)->type == StepType::HisCancelPreSettle); // a real 4910 stays what it is
    CHECK(stepTypeName(StepType::HisRefund) == "his_refund");
    CHECK(stepTypeName(StepType::HisCancelAppointment) == "his_cancel_appointment");
    CHECK(stepTypeName(StepType::CardRefundLoad) == "card_refund_load");
    CHECK_FALSE(isCompensation(StepType::HisRefund));
    CHECK_FALSE(isCompensation(StepType::CardRefundLoad));
}

TEST_CASE("journal at rest: created 0600 (its WAL too), an open one narrowed; audit trail; "
          "details rewritten in one transaction") {
    TempJournal dir;
    const auto path = dir.file();
    {
        hc::kiosk::Journal j(path);
        const auto s = j.openSession("K01", "REG");
        j.beginStep(s, { hc::kiosk::StepType::CardDebit, "r1", 100, "card=0123456789abcdef;x=1" });
        j.audit("login_failed", "S001", "failures=1");
        j.audit("login_ok", "M001", "");
        struct stat st { };
        REQUIRE(::stat(path.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
        REQUIRE(::stat((path.string() + "-wal").c_str(), &st) == 0);
        CHECK((st.st_mode & 0077) == 0);
        CHECK(j.auditTrail().size() == 2);
        CHECK(j.auditTrail("S001").size() == 1);
        CHECK(j.auditTrail("S001")[0].event == "login_failed");
        const int n = j.rewriteDetails("card=",
            [](const std::string& d) -> std::optional<std::string> { return d + ";migrated=1"; });
        CHECK(n == 1);
        CHECK(j.steps(s)[0].detail == "card=0123456789abcdef;x=1;migrated=1");
    }
    ::chmod(path.c_str(), 0644);
    hc::kiosk::Journal again(path);
    struct stat st { };
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
}
