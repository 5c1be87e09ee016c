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

TEST_CASE("UNKNOWN is resolved only by a query, never by a reversal or a resend") {
    CHECK(nextState(S::Unknown, E::QueryFound) == S::Ok);
    CHECK(nextState(S::Unknown, E::QueryNotFound) == S::New);
    CHECK_THROWS_AS(nextState(S::Unknown, E::ReversalRequested), IllegalTransition);
    CHECK_THROWS_AS(nextState(S::Unknown, E::Dispatch), IllegalTransition);
    CHECK_THROWS_AS(nextState(S::Unknown, E::ReplyOk), IllegalTransition);
    CHECK(blocksVisit(S::Unknown));
}

TEST_CASE("reversal: only from OK, never twice") {
    auto s = nextState(S::Ok, E::ReversalRequested);
    CHECK(s == S::ReversalPending);
    CHECK_THROWS_AS(nextState(s, E::ReversalRequested), IllegalTransition);
    s = nextState(s, E::ReversalOk);
    CHECK(s == S::Reversed);
    CHECK_THROWS_AS(nextState(s, E::ReversalRequested), IllegalTransition);
    CHECK(nextState(S::ReversalPending, E::ReversalRejected) == S::ManualReview);
    CHECK_THROWS_AS(nextState(S::New, E::ReversalRequested), IllegalTransition);
    CHECK_THROWS_AS(nextState(S::Failed, E::ReversalRequested), IllegalTransition);
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
    for (int i = 0; i <= static_cast<int>(S::ManualReview); ++i) {
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
