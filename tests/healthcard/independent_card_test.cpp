// A card that no one in the project wrote: tests/healthcard/independent-card/public_layout_card.py
// implements only the public layout (SELECT by FID, READ RECORD from the current EF, P2=04 by
// number and DDF1/EF05 by identifier P2=00, no SFI, one record per command, short APDUs, GBK
// names with characters GB 2312 lacks). `hcard read --json` must read it through pcscd with no
// configuration; the second card of that kind costs no failed probe.
#include "hc/card/health/health_card.hpp"
#include "health_test_util.hpp"

#include <doctest/doctest.h>

using namespace hc;
using namespace hc::card;
using namespace hc::card::health;

namespace {
/** The independent card in vpcd slot 0, as its own process. */
class IndependentCard {
public:
    IndependentCard() {
        hc::testing::sharedPcscd();
        m_process = std::make_unique<hc::testing::Process>(
            std::vector<std::string> { "python3",
                hc::testing::sourcePath("tests/healthcard/independent-card/public_layout_card.py")
                    .string(),
                "--keys", keys(), "--port", "35963" },
            m_dir.path() / "card.log");
        if (!hc::testing::waitForCard(hc::testing::kReader0, true)) {
            FAIL("the independent card did not come up (python3 and openssl are needed):\n"
                << hc::testing::readFile(m_dir.path() / "card.log"));
        }
    }
    ~IndependentCard() {
        m_process->stop();
        hc::testing::waitForCard(hc::testing::kReader0, false, std::chrono::milliseconds(3000));
    }
    static std::string keys() {
        return hc::testing::sourcePath("firmware-tools/images/resident-keys.json").string();
    }
    const hc::testing::TempDir& dir() const { return m_dir; }

private:
    hc::testing::TempDir m_dir { "hc-independent-" };
    std::unique_ptr<hc::testing::Process> m_process;
};
} // namespace

TEST_CASE("hcard read --json reads the independent public-layout card, GBK-only characters "
          "included; the next read of that kind costs no failed probe") {
    IndependentCard card;
    const auto cacheFile = (card.dir().path() / "strategies.json").string();
    const auto hcard = hc::testing::binaryPath("hcard").string();
    const std::vector<std::string> args { hcard, "read", "--json", "--explain", "--reader",
        hc::testing::kReader0, "--keys", IndependentCard::keys(), "--strategy-cache", cacheFile };
    auto r = hc::testing::runCommand(args);
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(r.out.find("\"name\":\"司马堃垚\"") != std::string::npos);
    CHECK(r.out.find("\"id_number\":\"410102199003070510\"") != std::string::npos);
    CHECK(r.out.find("\"issuer_name\":\"郑州市卫生健康委员会\"") != std::string::npos);
    CHECK(r.out.find("\"city_code\":\"410100\"") != std::string::npos);
    CHECK(r.out.find("\"birth_date\":\"19900307\"") != std::string::npos);
    CHECK(r.out.find("validation_error") == std::string::npos);
    CHECK(r.out.find("\"failed_probes\":2") != std::string::npos); // SFI, then P2=05

    r = hc::testing::runCommand(args);
    CHECK(r.status == 0);
    CHECK(r.out.find("\"name\":\"司马堃垚\"") != std::string::npos);
    CHECK(r.out.find("\"from_cache\":true") != std::string::npos);
    CHECK(r.out.find("\"failed_probes\":0") != std::string::npos);
    // 3 SELECTs, 10 + 5 READ RECORD, GET CHALLENGE + EXTERNAL AUTHENTICATE for EF06.
    CHECK(r.out.find("\"apdus\":20") != std::string::npos);
}

TEST_CASE("the library on the independent card: wire APDUs, the issue's refusal learned, a fresh "
          "session of the same kind starts with the current-EF form") {
    IndependentCard card;
    StrategyCache cache;
    auto sam = healthtest::testSam();
    std::size_t wire = 0;
    {
        auto ch = healthtest::connect();
        HealthCard hc(*ch, CardProfile::ws543_2017(), sam.get(), &cache);
        const auto id = hc.readIdentity();
        CHECK(id.value.holder.name == "司马堃垚");
        CHECK_NOTHROW(validateIdentity(id.value));
        const auto rep = hc.strategyReport();
        CHECK(rep.strategy.sfi.no());
        CHECK(rep.strategy.sfi.why.find("6986") != std::string::npos);
        CHECK(rep.strategy.bulk.no());
        CHECK(rep.strategy.recordIds.yes());
        CHECK_FALSE(rep.extendedLength);
        // Only files that the card has: DDF1/EF08 is not on it, and says so.
        CHECK_THROWS_AS(hc.readValidity(), CardRefused);
    }
    auto ch = healthtest::connect();
    HealthCard hc(*ch, CardProfile::ws543_2017(), sam.get(), &cache);
    const auto id = hc.readIdentity();
    wire = id.apdus;
    CHECK(wire == 20);
    CHECK(hc.strategyReport().failedProbes == 0);
    CHECK(id.value.card.cardNumber == "410102199003070510");
}
