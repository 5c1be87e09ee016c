// Integration: kill -9 between the before and after write of a step. A child process journals a
// payment session and is killed with SIGKILL while a step is PENDING; the parent reopens the
// journal (as kioskd does at boot), ends the session as a crash, and the planner says "query"
// and never "refund".
#include "hc/kiosk/journal.hpp"
#include "hc/kiosk/journal_step.hpp"
#include "hc/kiosk/recovery_planner.hpp"
#include "hc/testing/process.hpp"

#include <csignal>
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace hc::kiosk;

namespace {

/** Forks a child that journals `done` steps OK, begins one more, tells the parent, and waits
 * to be killed inside that step. Returns after the child is dead. */
void crashInStep(
    const std::filesystem::path& db, const std::vector<StepType>& done, StepType crashIn) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(fds[0]);
        try {
            Journal j(db);
            const auto s = j.openSession("K09", "pay");
            int n = 0;
            for (const auto t : done) {
                JournalStep step(j, s, { t, "req-" + std::to_string(++n), 1250 });
                step.ok("ok-" + std::to_string(n));
            }
            JournalStep step(j, s, { crashIn, "req-crash", 1250 });
            const char ready = 'R';
            (void)::write(fds[1], &ready, 1);
            for (;;) {
                ::pause(); // "calling the HIS" when the kill comes
            }
        } catch (...) {
            ::_exit(3);
        }
    }
    ::close(fds[1]);
    char ready = 0;
    REQUIRE(::read(fds[0], &ready, 1) == 1);
    ::close(fds[0]);
    REQUIRE(::kill(pid, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
}

bool anyRefund(const RecoveryPlan& p) {
    for (const auto& a : p.actions) {
        if (a.kind == ActionKind::Compensate
            && (a.type == StepType::PaymentRefund || a.type == StepType::CardDebitReverse)) {
            return true;
        }
    }
    return false;
}

} // namespace

TEST_CASE(
    "kill -9 inside HIS confirm after payment: PENDING survives, planner queries, no refund") {
    hc::testing::TempDir dir("hc-journal-crash-");
    crashInStep(
        dir / "journal.db", { StepType::HisPreSettle, StepType::Payment }, StepType::HisConfirm);

    Journal j(dir / "journal.db");
    CHECK(j.endOpenSessionsAfterCrash() == 1);
    const auto sessions = j.sessionsToRecover();
    REQUIRE(sessions.size() == 1);
    const auto steps = j.steps(sessions[0]);
    REQUIRE(steps.size() == 3);
    CHECK(steps[1].status == StepStatus::Ok);
    CHECK(steps[2].type == StepType::HisConfirm);
    CHECK(steps[2].status == StepStatus::Pending);

    const auto plan = RecoveryPlanner::plan(steps);
    REQUIRE(plan.actions.size() == 1);
    CHECK(plan.actions[0].kind == ActionKind::Query);
    CHECK(plan.actions[0].type == StepType::HisConfirm);
    CHECK(plan.actions[0].requestId == "req-crash");
    CHECK_FALSE(anyRefund(plan));

    // The query finds that HIS never got it: now, and only now, refund and cancel.
    j.resolveStep(steps[2].id, StepStatus::Failed, "HIS has no invoice for req-crash");
    const auto after = RecoveryPlanner::plan(j.steps(sessions[0]));
    CHECK(anyRefund(after));
    CHECK_FALSE(after.needsQuery());
}

TEST_CASE("kill -9 at each step of a payment: a PENDING step is always queried, never refunded") {
    const std::vector<StepType> flow { StepType::HisPreSettle, StepType::Payment,
        StepType::HisConfirm };
    for (std::size_t k = 0; k < flow.size(); ++k) {
        CAPTURE(k);
        hc::testing::TempDir dir("hc-journal-crash-");
        crashInStep(dir / "journal.db",
            std::vector<StepType>(flow.begin(), flow.begin() + static_cast<std::ptrdiff_t>(k)),
            flow[k]);
        Journal j(dir / "journal.db");
        j.endOpenSessionsAfterCrash();
        const auto steps = j.steps(j.sessionsToRecover().at(0));
        REQUIRE(steps.size() == k + 1);
        CHECK(steps.back().status == StepStatus::Pending);
        const auto plan = RecoveryPlanner::plan(steps);
        REQUIRE_FALSE(plan.actions.empty());
        CHECK(plan.actions[0].kind == ActionKind::Query);
        CHECK(plan.actions[0].stepId == steps.back().id);
        CHECK_FALSE(anyRefund(plan));
    }
}
