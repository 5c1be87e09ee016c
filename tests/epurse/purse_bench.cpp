// Benchmark: APDU count and wall time of an e-purse purchase and load through pcscd + vpcd +
// hcemu (user card in slot 0, T=0 PSAM card in slot 1). Prints a table. Goal: a purchase in
// <= 6 APDUs once the application is selected. Not a timed test: it only prints.
//
//   epurse_bench [N]     N purchases and N loads (default 100)
#include "counting_channel.hpp"
#include "hc/card/epurse/purse_client.hpp"
#include "hc/card/t0_channel.hpp"
#include "hc/pcsc.hpp"
#include "hc/testing/pcsc_stack.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

using namespace hc;
using namespace hc::card;
using namespace hc::card::epurse;
using Clock = std::chrono::steady_clock;

namespace {
struct Row {
    std::string what;
    double apdusCard = 0;
    double apdusPsam = 0;
    std::vector<double> us;
};

double pct(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
    return v[i];
}

} // namespace

int main(int argc, char** argv) {
    const int n = argc > 1 ? std::max(1, std::stoi(argv[1])) : 100;
    try {
        hc::testing::EmulatedCard card("purse-card.json", 0);
        hc::testing::EmulatedCard psamCard("psam-slot1.json", 1);
        std::size_t nCard = 0;
        std::size_t nPsam = 0;
        auto ch = hc::testing::connectCounted(hc::testing::kReader0, nCard);
        auto psamCh = hc::testing::connectCounted(hc::testing::kReader1, nPsam);
        PsamCard psam(*psamCh);
        SoftwareIssuer issuer(loadIssuerKeys(
            hc::testing::sourcePath("firmware-tools/images/purse-issuer-dev-keys.json")));
        PurseClient client(*ch);
        const auto terminal = psam.terminalId();

        Row select { "select (SELECT + EF 0015)", 0, 0, {} };
        Row purchase { "purchase (with PSAM)", 0, 0, {} };
        Row load { "load (issuer in process)", 0, 0, {} };
        Row balance { "balance", 0, 0, {} };
        auto measure = [&](Row& row, auto&& fn) {
            nCard = nPsam = 0;
            const auto t0 = Clock::now();
            fn();
            row.us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
            row.apdusCard += static_cast<double>(nCard);
            row.apdusPsam += static_cast<double>(nPsam);
        };
        for (int i = 0; i < n; ++i) {
            measure(select, [&] { client.open(); });
            measure(purchase, [&] {
                if (!std::holds_alternative<Done>(client.purchase(1, psam))) {
                    throw std::runtime_error("purchase not done");
                }
            });
            measure(load, [&] {
                if (!std::holds_alternative<Done>(client.load(1, terminal, issuer))) {
                    throw std::runtime_error("load not done");
                }
            });
            measure(balance, [&] { client.balance(); });
        }
        std::printf("e-purse through pcscd + vpcd + hcemu, %d runs each (PSAM is T=0: MAC1 "
                    "costs a GET RESPONSE)\n\n",
            n);
        std::printf("| %-26s | %10s | %10s | %11s | %10s | %10s | %10s |\n", "operation",
            "card APDUs", "PSAM APDUs", "total APDUs", "median ms", "p95 ms", "goal");
        std::printf("|%s|%s|%s|%s|%s|%s|%s|\n", std::string(28, '-').c_str(),
            std::string(12, '-').c_str(), std::string(12, '-').c_str(),
            std::string(13, '-').c_str(), std::string(12, '-').c_str(),
            std::string(12, '-').c_str(), std::string(12, '-').c_str());
        bool ok = true;
        for (Row* r : { &select, &purchase, &load, &balance }) {
            const double c = r->apdusCard / n;
            const double p = r->apdusPsam / n;
            std::string goal = "-";
            if (r == &purchase) {
                goal = c + p <= 6 ? "<= 6: met" : "<= 6: MISSED";
                ok = ok && c + p <= 6;
            }
            std::printf("| %-26s | %10.1f | %10.1f | %11.1f | %10.3f | %10.3f | %10s |\n",
                r->what.c_str(), c, p, c + p, pct(r->us, 0.5) / 1000.0, pct(r->us, 0.95) / 1000.0,
                goal.c_str());
        }
        std::printf("\nfinal balance %s yuan (started 100.00, -%d +%d fen)\n",
            formatYuan(client.balance()).c_str(), n, n);
        return ok ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "epurse_bench: %s\n", e.what());
        return 1;
    }
}
