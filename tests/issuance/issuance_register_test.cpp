// The register on SQLite: the shared contract, the prefix guard, and the batch runner over a
// scripted card writer (failures at each stage, retries, resume).
#include "issuance_register_contract.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>

using namespace hc::issuance;
using namespace hc::issuance::testing;

namespace {
struct TempDb {
    std::filesystem::path dir;
    TempDb() {
        static std::atomic<int> n { 0 };
        dir = std::filesystem::temp_directory_path()
            / ("hc-issuance-reg-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
        std::filesystem::create_directories(dir);
    }
    ~TempDb() { std::filesystem::remove_all(dir); }
    std::string url() const { return "sqlite:" + (dir / "register.db").string(); }
};
} // namespace

TEST_CASE("register contract on SQLite") {
    TempDb db;
    registerContract([&] { return openRegister(db.url()); });
}

TEST_CASE("SQLite register: WAL, and another prefix is refused") {
    TempDb db;
    { auto reg = openRegister(db.url(), "110100"); }
    // The file header says WAL (bytes 18 and 19 are 2 in a WAL database).
    std::ifstream f(db.dir / "register.db", std::ios::binary);
    char header[20] {};
    f.read(header, sizeof header);
    CHECK(header[18] == 2);
    CHECK(header[19] == 2);
    CHECK_THROWS_AS(openRegister(db.url(), "3101"), StoreError);
    CHECK_THROWS_AS(openRegister("mysql://x"), StoreError);
}

namespace {

// A card writer whose cards are maps; failures scripted per card number sequence.
struct ScriptedCards {
    std::mutex m;
    std::map<std::string, std::string> failAt; // card no -> "personalize" | "verify"
    std::map<std::string, CardJob> written; // chip -> job
    std::atomic<int> chips { 0 };
};

class ScriptedWriter final : public CardWriter {
public:
    explicit ScriptedWriter(ScriptedCards& cards)
        : m_cards(cards) { }
    CardPresence probe(const std::string&) override { return CardPresence::Blank; }
    WriteResult personalize(const std::string&, const CardJob& job) override {
        std::lock_guard lock(m_cards.m);
        const std::string chip = "CHIP" + std::to_string(++m_cards.chips);
        if (m_cards.failAt[job.cardNo] == "personalize") {
            throw CardSideError("personalize", "scripted failure");
        }
        m_cards.written[chip] = job;
        m_last = chip;
        return { chip, 77 };
    }
    std::vector<FieldMismatch> verify(const std::string&, const CardJob& job) override {
        std::lock_guard lock(m_cards.m);
        if (m_cards.failAt[job.cardNo] == "verify") {
            return { { "holder.name", "x", "y" } };
        }
        return {};
    }
    std::string chipSerial(const std::string&) override { return "CHIP1"; }
    void blockApplication(const std::string&, const std::string&) override { }
    void unblockApplication(const std::string&, const std::string&) override { }
    void resetPin(const std::string&, const std::string&, const std::string&) override { }

private:
    ScriptedCards& m_cards;
    std::string m_last;
};

} // namespace

TEST_CASE("batch runner: every record ends issued, spoiled cards are requeued") {
    TempDb db;
    auto reg = openRegister(db.url());
    const auto cards = reg->createBatch("B", rowsOf(testResidents(12)), "alice", "x");
    ScriptedCards sc;
    sc.failAt[cards[2].cardNo] = "personalize";
    sc.failAt[cards[5].cardNo] = "verify";
    RunOptions o;
    o.batch = "B";
    o.readers = { "R0", "R1", "R2" };
    o.issueDate = "20280229";
    std::vector<RunEvent> events;
    BatchRunner runner(
        *reg, [&] { return std::make_unique<ScriptedWriter>(sc); }, o);
    const auto summary = runner.run([&](const RunEvent& e) { events.push_back(e); });
    CHECK(summary.issued == 12);
    CHECK(summary.failed == 2);
    CHECK(summary.remaining == 0);
    CHECK(summary.apdus == 12 * 77);
    CHECK(summary.readerErrors.empty());
    CHECK(events.size() == 14);
    const auto st = reg->batchStatus("B");
    CHECK(st.issued == 12);
    CHECK(st.failed == 2);
    checkNoGaps(*reg);
    // The expiry: issue date + 10 years, 29 February -> 28 February.
    for (const auto& [chip, job] : sc.written) {
        CHECK(job.expiryDate == "20380228");
    }
    CHECK(reg->find(cards[5].cardNo)->detail.find("holder.name") != std::string::npos);
}

TEST_CASE("batch runner: a record that keeps failing is left failed after maxAttempts") {
    TempDb db;
    auto reg = openRegister(db.url());
    reg->createBatch("B", rowsOf(testResidents(2)), "alice", "x");
    ScriptedCards sc;
    // Every number of resident 0 fails: seq 1, then 3, 4 (requeued numbers).
    CardNumberFormat f("110100");
    sc.failAt[f.format(1)] = "verify";
    sc.failAt[f.format(3)] = "personalize";
    sc.failAt[f.format(4)] = "verify";
    RunOptions o;
    o.batch = "B";
    o.readers = { "R0" };
    o.maxAttempts = 3;
    BatchRunner runner(
        *reg, [&] { return std::make_unique<ScriptedWriter>(sc); }, o);
    const auto s = runner.run();
    CHECK(s.issued == 1);
    CHECK(s.failed == 3);
    CHECK(s.remaining == 0);
    CHECK_FALSE(reg->activeCardOf(testResident(0).idNumber).has_value());
    CHECK(reg->find(f.format(4))->attempt == 3);
}

TEST_CASE("batch runner: a feeder that fails stops its reader with the reason") {
    TempDb db;
    auto reg = openRegister(db.url());
    reg->createBatch("B", rowsOf(testResidents(3)), "alice", "x");
    ScriptedCards sc;
    RunOptions o;
    o.batch = "B";
    o.readers = { "R0" };
    const auto marker = db.dir / "fed";
    // Two cards in the hopper, then it is empty.
    o.cardFeeder = "n=$(cat " + marker.string()
        + " 2>/dev/null || echo 0); [ \"$n\" -lt 2 ] && "
          "echo $((n+1)) > "
        + marker.string() + " && [ \"$HC_PERSO_READER\" = {reader} ]";
    BatchRunner runner(
        *reg, [&] { return std::make_unique<ScriptedWriter>(sc); }, o);
    const auto s = runner.run();
    CHECK(s.issued == 2);
    CHECK(s.remaining == 1);
    REQUIRE(s.readerErrors.size() == 1);
    CHECK(s.readerErrors[0].find("feeder") != std::string::npos);
    // A second run with a full hopper finishes the batch.
    std::filesystem::remove(marker);
    BatchRunner again(
        *reg, [&] { return std::make_unique<ScriptedWriter>(sc); }, o);
    CHECK(again.run().issued == 1);
    CHECK(reg->batchStatus("B").issued == 3);
}
