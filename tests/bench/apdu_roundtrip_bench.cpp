// Benchmark: APDU round trip through pcscd + vpcd + hcemu, our library against a bare
// SCardTransmit loop on the same emulated card, run side by side in alternating rounds.
// Prints µs per APDU and the ratio. Not a timed test: it never fails on a slow machine.
//
//   apdu_roundtrip_bench [--apdus N] [--rounds R]
#include "hc/card/t0_channel.hpp"
#include "hc/card/tracing_channel.hpp"
#include "hc/pcsc.hpp"
#include "hc/testing/pcsc_stack.hpp"

#include <PCSC/winscard.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {
using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// The baseline: what a C programmer writes with pcsc-lite alone.
double bareRound(SCARDHANDLE h, DWORD proto, int n) {
    const BYTE cmd[] = { 0x00, 0xB0, 0x00, 0x00, 0x10 };
    BYTE rsp[258];
    const SCARD_IO_REQUEST* pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    const auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) {
        DWORD len = sizeof rsp;
        if (SCardTransmit(h, pci, cmd, sizeof cmd, nullptr, rsp, &len) != SCARD_S_SUCCESS
            || len != 18) {
            std::fprintf(stderr, "bare SCardTransmit failed\n");
            std::exit(1);
        }
    }
    return std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / n;
}

double libraryRound(hc::card::CardChannel& ch, int n) {
    const auto cmd = hc::card::apdu::readBinary(0, 16);
    const auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) {
        const auto r = ch.transmit(cmd);
        if (!r.ok() || r.data().size() != 16) {
            std::fprintf(stderr, "library transmit failed: %s\n", r.sw().hex().c_str());
            std::exit(1);
        }
    }
    return std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / n;
}
} // namespace

int main(int argc, char** argv) {
    int n = 2000, rounds = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--apdus")) {
            n = std::max(1, std::atoi(argv[i + 1]));
        } else if (!std::strcmp(argv[i], "--rounds")) {
            rounds = std::max(1, std::atoi(argv[i + 1]));
        }
    }
    hc::testing::EmulatedCard emu("demo-card.json");

    // Baseline handle.
    SCARDCONTEXT ctx;
    SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx);
    SCARDHANDLE h;
    DWORD proto;
    if (SCardConnect(ctx, hc::testing::kReader0.c_str(), SCARD_SHARE_SHARED,
            SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &h, &proto)
        != SCARD_S_SUCCESS) {
        std::fprintf(stderr, "SCardConnect failed\n");
        return 1;
    }
    // Our stack, as an application builds it: PC/SC card under the T=0 layer; and with the
    // (masked) trace on as well.
    hc::card::T0Channel lib(std::make_unique<hc::pcsc::PcscCard>(hc::testing::kReader0));
    std::ofstream devnull("/dev/null");
    hc::card::T0Channel traced(std::make_unique<hc::card::TracingChannel>(
        std::make_unique<hc::pcsc::PcscCard>(hc::testing::kReader0), devnull));
    if (!lib.transmit(hc::card::apdu::selectFid(0x0001)).ok()
        || !traced.transmit(hc::card::apdu::selectFid(0x0001)).ok()) {
        std::fprintf(stderr, "SELECT failed\n");
        return 1;
    }
    {
        const BYTE sel[] = { 0x00, 0xA4, 0x00, 0x00, 0x02, 0x00, 0x01 };
        BYTE rsp[16];
        DWORD len = sizeof rsp;
        SCardTransmit(h, proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1, sel, sizeof sel,
            nullptr, rsp, &len);
    }
    // Warm up.
    bareRound(h, proto, 200);
    libraryRound(lib, 200);

    std::vector<double> bare, ours, withTrace;
    for (int r = 0; r < rounds; ++r) {
        bare.push_back(bareRound(h, proto, n));
        ours.push_back(libraryRound(lib, n));
        withTrace.push_back(libraryRound(traced, n));
    }
    const double b = median(bare), o = median(ours), t = median(withTrace);
    std::printf("APDU round trip, READ BINARY 16 bytes, pcscd + vpcd + hcemu, %d APDUs x %d rounds "
                "(median)\n",
        n, rounds);
    std::printf("machine: %u cores\n", std::thread::hardware_concurrency());
    std::printf("%-44s %10s %10s\n", "path", "us/APDU", "ratio");
    std::printf("%-44s %10.1f %10.3f\n", "bare SCardTransmit loop (baseline)", b, 1.0);
    std::printf("%-44s %10.1f %10.3f\n", "hc: PcscCard + T0Channel", o, o / b);
    std::printf("%-44s %10.1f %10.3f\n", "hc: PcscCard + TracingChannel + T0Channel", t, t / b);
    std::printf("goals: <= 120 us per APDU; library overhead <= 10 %% (ratio <= 1.10)\n");
    std::printf("result: %s per APDU, overhead %+.1f %%\n", o <= 120.0 ? "within" : "OVER",
        (o / b - 1.0) * 100.0);
    SCardDisconnect(h, SCARD_LEAVE_CARD);
    SCardReleaseContext(ctx);
    return 0;
}
