// Benchmark (label bench): how long pcscd takes to report a card insert and a removal to a
// client blocked in SCardGetStatusChange, with Debian's vpcd (pcscd polls it every 400 ms) and
// with drivers/vreader's libifdhcvr.so (event-driven), side by side. hcemu on slot 4
// ("Virtual PCD C 00 00", port 35967); "insert"/"remove" on its control port; the clock runs
// from the control command to SCardGetStatusChange returning with the new state.
// Prints figures; asserts nothing about speed.
#include "hc/testing/pcsc_stack.hpp"

#include <PCSC/winscard.h>
#include <algorithm>
#include <cstdio>
#include <stdexcept>

using Clock = std::chrono::steady_clock;
using hc::testing::ReaderDriver;

namespace {

constexpr int kSlot = 4;
constexpr int kRounds = 20;

struct Figures {
    std::vector<double> insert;
    std::vector<double> remove;
};

double pct(std::vector<double> v, double p) {
    if (v.empty()) {
        return 0;
    }
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

/** ms from now until the reader's presence equals `present` (a blocking SCardGetStatusChange). */
double waitMs(SCARDCONTEXT ctx, const std::string& reader, bool present, Clock::time_point t0) {
    SCARD_READERSTATE rs {};
    rs.szReader = reader.c_str();
    rs.dwCurrentState = present ? SCARD_STATE_EMPTY : SCARD_STATE_PRESENT;
    while (true) {
        const LONG rv = SCardGetStatusChange(ctx, 5000, &rs, 1);
        if (rv != SCARD_S_SUCCESS) {
            throw std::runtime_error("SCardGetStatusChange failed or timed out");
        }
        if (((rs.dwEventState & SCARD_STATE_PRESENT) != 0) == present) {
            return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        }
        rs.dwCurrentState = rs.dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
    }
}

Figures measure(ReaderDriver driver) {
    hc::testing::PcscdOptions o;
    o.driver = driver;
    hc::testing::restartSharedPcscd(o);
    Figures f;
    {
        hc::testing::EmulatedCard card("demo-card.json", kSlot);
        SCARDCONTEXT ctx;
        if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx) != SCARD_S_SUCCESS) {
            throw std::runtime_error("SCardEstablishContext failed");
        }
        for (int i = 0; i < kRounds; ++i) {
            auto t0 = Clock::now();
            card.control("remove");
            f.remove.push_back(waitMs(ctx, card.reader(), false, t0));
            t0 = Clock::now();
            card.control("insert");
            f.insert.push_back(waitMs(ctx, card.reader(), true, t0));
        }
        SCardReleaseContext(ctx);
    }
    return f;
}

void row(const char* what, const std::vector<double>& a, const std::vector<double>& b) {
    std::printf("  %-26s %8.1f ms %8.1f ms %8.1f ms %8.1f ms   ratio %.1f\n", what, pct(a, 0.5),
        pct(a, 0.9), pct(b, 0.5), pct(b, 0.9), pct(b, 0.5) > 0 ? pct(a, 0.5) / pct(b, 0.5) : 0.0);
}

} // namespace

int main() {
    try {
        const Figures vpcd = measure(ReaderDriver::Vpcd);
        const Figures hcvr = measure(ReaderDriver::Hcvr);
        std::printf("vreader_bench: hcemu control command -> SCardGetStatusChange wakes "
                    "(%d rounds each)\n",
            kRounds);
        std::printf("  %-26s %11s %11s %11s %11s   (vpcd/hcvr)\n", "", "vpcd p50", "vpcd p90",
            "hcvr p50", "hcvr p90");
        row("card insert seen", vpcd.insert, hcvr.insert);
        row("card removal seen", vpcd.remove, hcvr.remove);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "vreader_bench: %s\n", e.what());
        return 1;
    }
}
