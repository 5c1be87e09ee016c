// Benchmark (label bench): the personalization engine with 1, 2 and 4 emulated readers in
// parallel, one thread and one PC/SC connection per reader, blank cards in hcemu behind pcscd,
// keys in a SoftHSM2 token. Per round every reader gets a fresh blank card (not timed: that is
// the card handler's job), then all readers personalize at once (timed, read-back included).
// Prints APDUs per card, seconds per card and cards per minute, and the ratio against 1 reader.
//
//   perso_bench [rounds]      (default 4)
#include "hc/hsm/pkcs11_hsm.hpp"
#include "hc/pcsc/pcsc_card.hpp"
#include "hc/testing/pcsc_stack.hpp"
#include "hc/testing/softhsm_token.hpp"
#include "perso_test_util.hpp"

#include <barrier>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <thread>

using namespace persotest;
using Clock = std::chrono::steady_clock;

/** Slots 2 to 5 (demos on this machine plug their cards into slots 0 and 1). */
constexpr int kSlots[] = { 2, 3, 4, 5 };

namespace {

struct Figures {
    std::size_t cards = 0;
    std::size_t apdus = 0;
    double engineSeconds = 0; // sum over cards of personalize() time
    double wallSeconds = 0; // sum over rounds of the slowest reader's time
    std::map<std::string, double> stageSeconds; // summed over cards
};

Figures run(hc::perso::Personalizer& perso, const hc::perso::PersoInput& input, int readers,
    int rounds, std::uint8_t& serial) {
    Figures f;
    hc::testing::TempDir dir("hc-perso-bench-");
    for (int round = 0; round < rounds; ++round) {
        std::vector<std::unique_ptr<hc::testing::EmulatedCard>> cards;
        for (int slot = 0; slot < readers; ++slot) {
            const auto path = dir / ("blank-" + std::to_string(++serial) + ".json");
            hc::emu::saveCardImage(
                hc::emu::makeBlankCard(
                    Bytes { 0xBE, 0x4C, 0, 0, 0, 0, static_cast<std::uint8_t>(readers), serial },
                    hc::fromHex(hc::emu::kTestTransportMasterHex)),
                path);
            cards.push_back(
                std::make_unique<hc::testing::EmulatedCard>(path.string(), kSlots[slot]));
        }
        std::vector<double> seconds(static_cast<std::size_t>(readers));
        std::vector<std::size_t> apdus(static_cast<std::size_t>(readers));
        std::vector<std::vector<hc::perso::StageTiming>> stages(static_cast<std::size_t>(readers));
        std::vector<std::string> errors(static_cast<std::size_t>(readers));
        std::barrier start(readers);
        std::vector<std::thread> threads;
        const auto t0 = Clock::now();
        for (int slot = 0; slot < readers; ++slot) {
            threads.emplace_back([&, slot] {
                const auto i = static_cast<std::size_t>(slot);
                try {
                    hc::pcsc::PcscCard ch(hc::testing::readerForSlot(kSlots[slot]));
                    start.arrive_and_wait();
                    const auto a = Clock::now();
                    const auto r = perso.personalize(ch, input);
                    seconds[i] = std::chrono::duration<double>(Clock::now() - a).count();
                    apdus[i] = r.apdus;
                    stages[i] = r.stages;
                } catch (const std::exception& e) {
                    errors[i] = e.what();
                }
            });
        }
        for (auto& t : threads) {
            t.join();
        }
        const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
        for (std::size_t i = 0; i < errors.size(); ++i) {
            if (!errors[i].empty()) {
                throw std::runtime_error("reader " + std::to_string(i) + ": " + errors[i]);
            }
            f.engineSeconds += seconds[i];
            f.apdus += apdus[i];
            for (const auto& st : stages[i]) {
                f.stageSeconds[std::string(hc::perso::describe(st.stage))]
                    += std::chrono::duration<double>(st.elapsed).count();
            }
            ++f.cards;
        }
        f.wallSeconds += wall;
    }
    return f;
}

} // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 4;
    try {
        hc::testing::SoftHsmToken token("hc-perso-bench");
        hc::hsm::Pkcs11Hsm hsm(token.options());
        importIssuerKeys(hsm);
        hsm.setAuditCryptoOperations(false);
        hc::perso::Personalizer perso(hsm);
        const auto input = inputFor(residentData("resident-li-na.json"));
        std::uint8_t serial = 0;
        (void)run(perso, input, 1, 1, serial); // warm-up: pcscd, SoftHSM2, page cache

        std::printf("perso_bench: %d rounds per configuration, resident-li-na, SoftHSM2 keys, "
                    "pcscd + vpcd + hcemu, %u hardware threads\n",
            rounds, std::thread::hardware_concurrency());
        std::printf("%-8s %6s %12s %12s %12s %10s\n", "readers", "cards", "APDUs/card", "s/card",
            "cards/min", "vs 1");
        double base = 0;
        for (int readers : { 1, 2, 4 }) {
            const Figures f = run(perso, input, readers, rounds, serial);
            const double perMin = 60.0 * static_cast<double>(f.cards) / f.wallSeconds;
            if (readers == 1) {
                base = perMin;
            }
            std::printf("%-8d %6zu %12.1f %12.3f %12.1f %9.2fx\n", readers, f.cards,
                static_cast<double>(f.apdus) / static_cast<double>(f.cards),
                f.engineSeconds / static_cast<double>(f.cards), perMin, perMin / base);
            std::printf("         ms/card per stage:");
            for (const auto& [stage, sec] : f.stageSeconds) {
                std::printf(" %s %.0f", stage.c_str(), 1000.0 * sec / static_cast<double>(f.cards));
            }
            std::printf("\n");
        }
        std::printf("s/card: one card's personalize() (open, files, keys, data, PIN, issued state, "
                    "read-back); cards/min: cards over the wall time of the parallel phase\n");
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "perso_bench: " << e.what() << "\n";
        return 1;
    }
}
