// Benchmark (label bench): hcperso end to end (prepare, then run with the card feeder starting a
// fresh `hcemu --blank` per card) with 1, 2 and 4 readers: cards per minute and APDUs per card.
// Prints figures; asserts nothing about speed. Readers are vpcd slots 2..5.
#include "issuance_stack.hpp"

#include <cstdio>
#include <iostream>

using namespace hc::issuance;
using namespace hc::issuance::testing;

int main(int argc, char** argv) {
    const std::size_t perReader = argc > 1 ? static_cast<std::size_t>(std::stoul(argv[1])) : 8;
    IssuanceStack& stack = sharedStack();
    std::size_t first = 1000;
    double base = 0;
    std::printf(
        "issuance bench: %zu cards per reader, feeder = fresh hcemu --blank per card\n", perReader);
    for (std::size_t readers : { 1u, 2u, 4u }) {
        stack.clearCards();
        const std::size_t n = perReader * readers;
        const std::string batch = "BENCH" + std::to_string(readers);
        const auto csv = stack.dir() / (batch + ".csv");
        std::ofstream(csv) << residentsCsv(n, first);
        first += n;
        if (stack.run("prepare", { "--input", csv.string(), "--batch", batch }).status != 0) {
            std::cerr << "prepare failed\n";
            return 1;
        }
        std::string list;
        for (std::size_t i = 0; i < readers; ++i) {
            list += (i ? "," : "") + vpcdReaders()[2 + i];
        }
        const auto r = stack.run("run",
            { "--batch", batch, "--readers", list, "--card-feeder", stack.feederCommand() },
            std::chrono::milliseconds(300000));
        if (r.status != 0) {
            std::cerr << "run failed: " << r.err << r.out << "\n";
            return 1;
        }
        const auto done = jsonLines(r.out).back();
        const double cpm = done.at("cards_per_min").as_double();
        if (readers == 1) {
            base = cpm;
        }
        std::printf("  %zu reader(s): %zu cards in %.1f s = %.1f cards/min (x%.2f vs 1 reader), "
                    "%.0f APDUs/card\n",
            readers, n, done.at("elapsed_s").as_double(), cpm, base > 0 ? cpm / base : 0.0,
            done.at("apdus_per_card").as_double());
    }
    stack.stopFedCards();
    return 0;
}
