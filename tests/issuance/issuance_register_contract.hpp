// The register's contract, run on SQLite (issuance_register_test) and on PostgreSQL
// (issuance_pg_register_test): card numbers without gaps or repeats, the status machine, one
// active card per resident, resume after a crash, lost -> replacement -> blocklist.
#pragma once

#include "hc/issuance.hpp"
#include "issuance_residents.hpp"

#include <doctest/doctest.h>
#include <functional>
#include <memory>
#include <set>
#include <thread>

namespace hc::issuance::testing {

using RegisterFactory = std::function<std::unique_ptr<IssuanceRegister>()>;

inline std::vector<std::pair<std::size_t, ResidentRecord>> rowsOf(
    const std::vector<ResidentRecord>& rs) {
    std::vector<std::pair<std::size_t, ResidentRecord>> out;
    for (std::size_t i = 0; i < rs.size(); ++i) {
        out.emplace_back(i + 2, rs[i]);
    }
    return out;
}

/** Every allocated sequence 1..max is in the register exactly once. */
inline void checkNoGaps(IssuanceRegister& reg) {
    const auto all = reg.list();
    std::set<std::uint64_t> seqs;
    std::set<std::string> numbers;
    for (const auto& e : all) {
        seqs.insert(e.seq);
        numbers.insert(e.cardNo);
        CHECK(e.cardNo == reg.numbers().format(e.seq));
    }
    CHECK(seqs.size() == all.size());
    CHECK(numbers.size() == all.size());
    if (!seqs.empty()) {
        CHECK(*seqs.begin() == 1);
        CHECK(*seqs.rbegin() == all.size());
    }
}

inline void registerContract(const RegisterFactory& open) {
    SUBCASE("a batch allocates consecutive numbers; a failing batch allocates none") {
        auto reg = open();
        const auto cards = reg->createBatch("B1", rowsOf(testResidents(5)), "alice", "in.csv");
        REQUIRE(cards.size() == 5);
        for (std::size_t i = 0; i < 5; ++i) {
            CHECK(cards[i].seq == i + 1);
            CHECK(cards[i].status == CardStatus::Prepared);
            CHECK(cards[i].inputRow == i + 2);
        }
        CHECK_THROWS_AS(
            reg->createBatch("B1", rowsOf(testResidents(1, 10)), "alice", "x"), LifecycleError);
        // Resident 3 already holds a card: the whole batch is refused, no number is used.
        auto mixed = testResidents(3, 20);
        mixed.push_back(testResident(3));
        CHECK_THROWS_AS(reg->createBatch("B2", rowsOf(mixed), "alice", "x"), LifecycleError);
        CHECK(reg->batches() == std::vector<std::string> { "B1" });
        const auto more = reg->createBatch("B2", rowsOf(testResidents(2, 30)), "alice", "x");
        CHECK(more[0].seq == 6);
        checkNoGaps(*reg);
        CHECK(reg->activeCardOf(testResident(3).idNumber).has_value());
        CHECK_FALSE(reg->activeCardOf(testResident(99).idNumber).has_value());
    }

    SUBCASE("status machine: the good path and refused transitions") {
        auto reg = open();
        reg->createBatch("B", rowsOf(testResidents(2)), "alice", "x");
        auto c = reg->claimNext("B", "R0", "bob");
        REQUIRE(c);
        CHECK(c->seq == 1);
        CHECK_THROWS_AS(reg->markVerified(c->cardNo, "bob"), LifecycleError);
        CHECK_THROWS_AS(reg->markIssued(c->cardNo, "bob"), LifecycleError);
        reg->markPersonalized(c->cardNo, "CHIP000001", 123, "bob");
        reg->markVerified(c->cardNo, "bob");
        reg->markIssued(c->cardNo, "bob");
        auto e = reg->find(c->cardNo);
        REQUIRE(e);
        CHECK(e->status == CardStatus::Issued);
        CHECK(e->chipSerial == "CHIP000001");
        CHECK(e->apdus == 123);
        CHECK(e->operatorId == "bob");
        CHECK(e->resident.idNumber == testResident(0).idNumber);
        CHECK(e->resident.name == testResident(0).name);
        CHECK_THROWS_AS(reg->markFailed(c->cardNo, "", "late", "bob"), LifecycleError);
        CHECK_THROWS_AS(reg->unblock(c->cardNo, "bob"), LifecycleError);
        CHECK_THROWS_AS(reg->replace(c->cardNo, "R", "bob"), LifecycleError);
        std::vector<std::string> evs;
        for (const auto& ev : reg->events(c->cardNo)) {
            evs.push_back(ev.event);
        }
        CHECK(evs
            == std::vector<std::string> {
                "allocated", "claimed", "personalized", "verified", "issued" });
        // The second card is claimed once only.
        auto c2 = reg->claimNext("B", "R1", "bob");
        REQUIRE(c2);
        CHECK_FALSE(reg->claimNext("B", "R0", "bob"));
        const auto st = reg->batchStatus("B");
        CHECK(st.issued == 1);
        CHECK(st.prepared == 1);
        CHECK(st.claimed == 1);
        CHECK(st.residents == 2);
    }

    SUBCASE("a spoiled card requeues the record under a new number") {
        auto reg = open();
        reg->createBatch("B", rowsOf(testResidents(3)), "alice", "x");
        auto c = reg->claimNext("B", "R0", "op");
        reg->markPersonalized(c->cardNo, "CHIP1", 40, "op");
        const auto again = reg->markFailed(c->cardNo, "CHIP1", "verify: holder.name differs", "op");
        REQUIRE(again);
        CHECK(again->seq == 4);
        CHECK(again->attempt == 2);
        CHECK(again->resident.idNumber == c->resident.idNumber);
        CHECK(reg->find(c->cardNo)->status == CardStatus::Failed);
        CHECK(reg->find(c->cardNo)->detail == "verify: holder.name differs");
        // Queue order: the requeued record comes after the others.
        CHECK(reg->claimNext("B", "R0", "op")->seq == 2);
        CHECK(reg->claimNext("B", "R0", "op")->seq == 3);
        CHECK(reg->claimNext("B", "R0", "op")->seq == 4);
        checkNoGaps(*reg);
        const auto st = reg->batchStatus("B");
        CHECK(st.failed == 1);
        CHECK(st.prepared == 3);
        CHECK(st.residents == 3);
    }

    SUBCASE("recovery after a crash: unknown outcomes are spoiled and requeued, verified cards "
            "issued") {
        auto reg = open();
        reg->createBatch("B", rowsOf(testResidents(5)), "alice", "x");
        auto a = reg->claimNext("B", "R0", "op"); // claimed, nothing written
        auto b = reg->claimNext("B", "R1", "op");
        reg->markPersonalized(b->cardNo, "CHIPB", 10, "op"); // written, not read back
        auto c = reg->claimNext("B", "R2", "op");
        reg->markPersonalized(c->cardNo, "CHIPC", 10, "op");
        reg->markVerified(c->cardNo, "op"); // read back, not yet issued
        reg.reset();
        reg = open(); // "restart"
        CHECK(reg->recoverInterrupted("B", "op2") == 3);
        CHECK(reg->find(a->cardNo)->status == CardStatus::Failed);
        CHECK(reg->find(b->cardNo)->status == CardStatus::Failed);
        CHECK(reg->find(b->cardNo)->chipSerial == "CHIPB");
        CHECK(reg->find(c->cardNo)->status == CardStatus::Issued);
        CHECK(reg->recoverInterrupted("B", "op2") == 0);
        const auto st = reg->batchStatus("B");
        CHECK(st.prepared == 4); // 2 untouched + 2 requeued
        CHECK(st.claimed == 0);
        CHECK(st.issued == 1);
        checkNoGaps(*reg);
        // Every resident still has exactly one active card.
        for (const auto& r : testResidents(5)) {
            CHECK(reg->activeCardOf(r.idNumber).has_value());
        }
    }

    SUBCASE("lifecycle: block, unblock, lost, replacement, blocklist") {
        auto reg = open();
        reg->createBatch("B", rowsOf(testResidents(2)), "alice", "x");
        std::vector<std::string> issued;
        while (auto c = reg->claimNext("B", "R0", "op")) {
            reg->markPersonalized(c->cardNo, "CHIP", 1, "op");
            reg->markVerified(c->cardNo, "op");
            reg->markIssued(c->cardNo, "op");
            issued.push_back(c->cardNo);
        }
        REQUIRE(issued.size() == 2);
        blockCard(*reg, issued[0], "suspected misuse", "carol");
        CHECK(reg->isBlocked(issued[0]));
        CHECK_THROWS_AS(blockCard(*reg, issued[0], "again", "carol"), LifecycleError);
        unblockCard(*reg, issued[0], "carol");
        CHECK_FALSE(reg->isBlocked(issued[0]));

        CHECK_THROWS_AS(replaceCard(*reg, issued[1], "R", "carol"), LifecycleError); // not lost
        reportLost(*reg, issued[1], "carol");
        CHECK(reg->isBlocked(issued[1]));
        // The resident has no active card while the old one is lost.
        CHECK_FALSE(reg->activeCardOf(testResident(1).idNumber).has_value());
        const auto fresh = replaceCard(*reg, issued[1], "REPL-1", "carol");
        CHECK(fresh.replaces == issued[1]);
        CHECK(fresh.cardNo != issued[1]);
        CHECK(fresh.status == CardStatus::Prepared);
        CHECK(fresh.resident.idNumber == testResident(1).idNumber);
        CHECK(reg->find(issued[1])->status == CardStatus::Replaced);
        CHECK(reg->isBlocked(issued[1]));
        CHECK_FALSE(reg->isBlocked(fresh.cardNo));
        CHECK(reg->batchStatus("REPL-1").prepared == 1);

        const auto bl = exportBlocklist(*reg);
        CHECK(bl.version == reg->lastEventId());
        REQUIRE(bl.entries.size() == 1);
        CHECK(bl.entries[0].cardNo == issued[1]);
        CHECK(bl.entries[0].status == "replaced");
        const auto loaded = Blocklist::parse(bl.toText());
        CHECK(loaded.isBlocked(issued[1]));
        CHECK_FALSE(loaded.isBlocked(issued[0]));
        checkNoGaps(*reg);
    }

    SUBCASE("threads claiming at once never share a card") {
        auto reg = open();
        reg->createBatch("B", rowsOf(testResidents(40)), "alice", "x");
        std::mutex m;
        std::vector<std::string> got;
        std::vector<std::thread> ts;
        for (int t = 0; t < 4; ++t) {
            ts.emplace_back([&, t] {
                while (auto c = reg->claimNext("B", "R" + std::to_string(t), "op")) {
                    std::lock_guard lock(m);
                    got.push_back(c->cardNo);
                }
            });
        }
        for (auto& t : ts) {
            t.join();
        }
        CHECK(got.size() == 40);
        CHECK(std::set<std::string>(got.begin(), got.end()).size() == 40);
    }

    SUBCASE("the card number prefix of a register never changes") {
        auto reg = open();
        reg->createBatch("B", rowsOf(testResidents(1)), "alice", "x");
        CHECK(reg->numbers().prefix() == "110100");
    }
}

} // namespace hc::issuance::testing
