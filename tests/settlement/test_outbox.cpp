// The outbox state machine: every allowed path, and the forbidden ones.
#include "hc/settle/outbox.hpp"

#include <doctest/doctest.h>
#include <ostream>
#include <random>

using namespace hc::settle;
using S = OutboxState;
using E = OutboxEvent;

namespace hc::settle {
// Lets doctest print states in failed checks.
std::ostream& operator<<(std::ostream& os, OutboxState s) {
    return os << stateName(s);
}
} // namespace hc::settle

TEST_CASE("happy path and business rejection") {
    CHECK(nextState(S::New, E::Dispatch) == S::Sent);
    CHECK(nextState(S::Sent, E::ReplyOk) == S::Ok);
    CHECK(nextState(S::Sent, E::ReplyRejected) == S::Failed);
    CHECK(isFinal(S::Ok));
    CHECK(isFinal(S::Failed));
    CHECK_FALSE(isFinal(S::Unknown));
}

TEST_CASE("not delivered goes back to NEW; timeout and 5xx go to UNKNOWN") {
    CHECK(nextState(S::Sent, E::NotDelivered) == S::New);
    CHECK(nextState(S::Sent, E::Timeout) == S::Unknown);
    CHECK(nextState(S::Sent, E::ServerError) == S::Unknown);
}

TEST_CASE("UNKNOWN is resolved by a 2601 reversal, never by a resend or a 5203 without setl_id") {
    CHECK(nextState(S::Unknown, E::ReversalRequested) == S::Resolving);
    CHECK_THROWS_AS(nextState(S::Unknown, E::Dispatch), IllegalTransition);
    CHECK_THROWS_AS(nextState(S::Unknown, E::ReplyOk), IllegalTransition);
    CHECK_THROWS_AS(nextState(S::Unknown, E::QueryFound), IllegalTransition);
    CHECK_THROWS_AS(nextState(S::Unknown, E::Restarted), IllegalTransition);
    CHECK(blocksVisit(S::Unknown));
    CHECK(blocksVisit(S::Resolving));
    CHECK(blocksVisit(S::Unresolved));
    // The center confirmed the reversal: sent again, under a new msgid (the gateway renews it).
    CHECK(nextState(S::Resolving, E::ReversalOk) == S::New);
    CHECK_THROWS_AS(nextState(S::Resolving, E::ReversalRequested), IllegalTransition);
    // Refused or lost reversal: UNRESOLVED, for reconciliation; never reversed a second time.
    CHECK(nextState(S::Resolving, E::ReversalRejected) == S::Unresolved);
    CHECK_THROWS_AS(nextState(S::Unresolved, E::ReversalRequested), IllegalTransition);
    CHECK(nextState(S::Unresolved, E::QueryFound) == S::Ok);
    CHECK(nextState(S::Unresolved, E::Restarted) == S::New);
    CHECK(nextState(S::Unresolved, E::StaffResolvedFailed) == S::Failed);
    // A 2601 whose own reply is lost is abandoned to reconciliation.
    CHECK(nextState(S::Unknown, E::Abandoned) == S::Unresolved);
}

TEST_CASE("staff reversal: from OK, never twice") {
    auto s = nextState(S::Ok, E::ReversalRequested);
    CHECK(s == S::ReversalPending);
    CHECK_THROWS_AS(nextState(s, E::ReversalRequested), IllegalTransition);
    s = nextState(s, E::ReversalOk);
    CHECK(s == S::Reversed);
    CHECK_THROWS_AS(nextState(s, E::ReversalRequested), IllegalTransition);
    CHECK(nextState(S::ReversalPending, E::ReversalRejected) == S::ManualReview);
    CHECK_THROWS_AS(nextState(S::New, E::ReversalRequested), IllegalTransition);
    CHECK_THROWS_AS(nextState(S::Failed, E::ReversalRequested), IllegalTransition);
    CHECK_FALSE(blocksVisit(S::Reversed));
    CHECK_FALSE(blocksVisit(S::ReversalPending));
}

TEST_CASE("expiry sends unresolved entries to manual review, never drops them") {
    CHECK(nextState(S::New, E::Expired) == S::ManualReview);
    CHECK(nextState(S::Sent, E::Expired) == S::ManualReview);
    CHECK(nextState(S::Unknown, E::Expired) == S::ManualReview);
    CHECK_THROWS_AS(nextState(S::Ok, E::Expired), IllegalTransition);
    CHECK(nextState(S::ManualReview, E::StaffResolvedOk) == S::Ok);
    CHECK(nextState(S::ManualReview, E::StaffResolvedFailed) == S::Failed);
}

TEST_CASE("state names round trip") {
    for (int i = 0; i <= static_cast<int>(S::Unresolved); ++i) {
        const auto s = static_cast<S>(i);
        REQUIRE(parseOutboxState(stateName(s)).has_value());
        CHECK(*parseOutboxState(stateName(s)) == s);
    }
    CHECK_FALSE(parseOutboxState("BOGUS").has_value());
}

TEST_CASE("backoff grows exponentially with jitter inside [d/2, d], capped") {
    RetryPolicy p;
    p.base = std::chrono::milliseconds(100);
    p.cap = std::chrono::milliseconds(5000);
    std::mt19937_64 rng(42);
    for (int attempt = 1; attempt <= 40; ++attempt) {
        const std::int64_t d
            = std::min<std::int64_t>(5000, attempt > 20 ? 5000 : 100LL << (attempt - 1));
        for (int k = 0; k < 50; ++k) {
            const auto v = backoffDelay(p, attempt, rng()).count();
            CHECK(v >= d / 2);
            CHECK(v <= d);
        }
    }
    // jitter actually varies
    CHECK(backoffDelay(p, 5, 1).count() != backoffDelay(p, 5, 2).count());
}
