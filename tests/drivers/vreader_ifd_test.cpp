// libifdhcvr.so's C entry points, loaded with dlopen as pcscd loads it, driven without pcscd:
// the capabilities pcscd asks for, the Lun -> port mapping (reader << 16 | slot; slot n on the
// base port + n), the polling function waking on connect and close, the stop function, and a
// power up + APDU through a fake emulator. Several Luns live in one loaded copy at once.
#include "vreader_test_util.hpp"

#include <chrono>
#include <dlfcn.h>
#include <doctest/doctest.h>
#include <future>
#include <thread>

extern "C" {
#include <ifdhandler.h>
}

using hc::vreader::test::FakeEmulator;
using hc::vreader::test::ReservedPortPair;
using Bytes = std::vector<std::uint8_t>;
using namespace std::chrono_literals;

namespace {

using CreateByName = RESPONSECODE (*)(DWORD, LPSTR);
using Close = RESPONSECODE (*)(DWORD);
using GetCaps = RESPONSECODE (*)(DWORD, DWORD, PDWORD, PUCHAR);
using Power = RESPONSECODE (*)(DWORD, DWORD, PUCHAR, PDWORD);
using Transmit
    = RESPONSECODE (*)(DWORD, SCARD_IO_HEADER, PUCHAR, DWORD, PUCHAR, PDWORD, PSCARD_IO_HEADER);
using Presence = RESPONSECODE (*)(DWORD);
using PollFn = RESPONSECODE (*)(DWORD, int);
using StopFn = RESPONSECODE (*)(DWORD);

struct Driver {
    void* handle = ::dlopen(HC_VREADER_SO, RTLD_NOW | RTLD_LOCAL);
    template <typename F> F fn(const char* name) {
        REQUIRE(handle != nullptr);
        void* p = ::dlsym(handle, name);
        REQUIRE(p != nullptr);
        return reinterpret_cast<F>(p);
    }
    ~Driver() {
        if (handle != nullptr) {
            ::dlclose(handle);
        }
    }
};

unsigned char capByte(GetCaps caps, DWORD lun, DWORD tag) {
    UCHAR v[8] {};
    DWORD len = sizeof v;
    REQUIRE(caps(lun, tag, &len, v) == IFD_SUCCESS);
    REQUIRE(len == 1);
    return v[0];
}

} // namespace

TEST_CASE("the entry points pcscd binds are exported and nothing of the C++ inside leaks") {
    Driver d;
    for (const char* name : { "IFDHCreateChannelByName", "IFDHCreateChannel", "IFDHCloseChannel",
             "IFDHGetCapabilities", "IFDHSetCapabilities", "IFDHSetProtocolParameters",
             "IFDHPowerICC", "IFDHTransmitToICC", "IFDHControl", "IFDHICCPresence" }) {
        CHECK_MESSAGE(::dlsym(d.handle, name) != nullptr, name);
    }
    CHECK(::dlsym(d.handle, "_ZN2hc7vreader10splitFrameESt4spanIKhLm18446744073709551615EEm")
        == nullptr);
}

TEST_CASE("capabilities, Lun -> port, events and APDUs through the C entry points") {
    Driver d;
    auto create = d.fn<CreateByName>("IFDHCreateChannelByName");
    auto close = d.fn<Close>("IFDHCloseChannel");
    auto caps = d.fn<GetCaps>("IFDHGetCapabilities");
    auto power = d.fn<Power>("IFDHPowerICC");
    auto transmit = d.fn<Transmit>("IFDHTransmitToICC");
    auto presence = d.fn<Presence>("IFDHICCPresence");

    // The reader's two ports, from the kernel and held for the whole test: a test running in
    // parallel cannot get them, and the driver still binds them (see ReservedPortPair).
    const ReservedPortPair ports;
    const std::uint16_t base = ports.base();
    std::string dev = "/dev/null:" + std::to_string(base);
    // Reader 1 (Lun 0x10000) slots 0 and 1, as pcscd opens them: same device name for each.
    const DWORD lun0 = 0x10000;
    const DWORD lun1 = 0x10001;
    REQUIRE(create(lun0, dev.data()) == IFD_SUCCESS);
    REQUIRE(create(lun1, dev.data()) == IFD_SUCCESS);
    std::string bad = "/dev/null";
    CHECK(create(0x20000, bad.data()) == IFD_COMMUNICATION_ERROR);
    CHECK(create(0x10002, dev.data()) == IFD_NO_SUCH_DEVICE); // slot 2 of a 2-slot reader

    CHECK(capByte(caps, lun0, TAG_IFD_SLOTS_NUMBER) == 2);
    CHECK(capByte(caps, lun0, TAG_IFD_SIMULTANEOUS_ACCESS) > 1);
    CHECK(capByte(caps, lun0, TAG_IFD_THREAD_SAFE) == 1);
    CHECK(capByte(caps, lun0, TAG_IFD_SLOT_THREAD_SAFE) == 1);
    CHECK(capByte(caps, lun0, TAG_IFD_POLLING_THREAD_KILLABLE) == 0);
    PollFn poll = nullptr;
    StopFn stop = nullptr;
    DWORD len = sizeof poll;
    REQUIRE(caps(lun0, TAG_IFD_POLLING_THREAD_WITH_TIMEOUT, &len, reinterpret_cast<PUCHAR>(&poll))
        == IFD_SUCCESS);
    REQUIRE(len == sizeof poll);
    len = sizeof stop;
    REQUIRE(caps(lun0, TAG_IFD_STOP_POLLING_THREAD, &len, reinterpret_cast<PUCHAR>(&stop))
        == IFD_SUCCESS);
    REQUIRE(len == sizeof stop);
    UCHAR dummy[4];
    len = sizeof dummy;
    CHECK(caps(lun0, 0x0FFF, &len, dummy) == IFD_ERROR_TAG);

    CHECK(presence(lun0) == IFD_ICC_NOT_PRESENT);
    CHECK(presence(lun1) == IFD_ICC_NOT_PRESENT);

    // Slot 1 listens on base + 1: an emulator there wakes slot 1's poll, not slot 0's.
    auto waiting1 = std::async(std::launch::async, [&] { return poll(lun1, 5000); });
    auto waiting0 = std::async(std::launch::async, [&] {
        const auto t0 = std::chrono::steady_clock::now();
        poll(lun0, 300);
        return std::chrono::steady_clock::now() - t0;
    });
    std::this_thread::sleep_for(50ms);
    FakeEmulator emu(static_cast<std::uint16_t>(base + 1));
    REQUIRE(emu.connected());
    CHECK(waiting1.get() == IFD_SUCCESS);
    CHECK(waiting0.get() >= 250ms); // slot 0 timed out: nothing happened there
    CHECK(presence(lun1) == IFD_ICC_PRESENT);
    CHECK(presence(lun0) == IFD_ICC_NOT_PRESENT);

    // Power up and an APDU.
    const Bytes atr { 0x3B, 0x02, 0x48, 0x43 };
    std::thread card([&] {
        CHECK(emu.readFrame() == Bytes { 0x01 });
        CHECK(emu.readFrame() == Bytes { 0x04 });
        emu.writeFrame(atr);
        CHECK(emu.readFrame() == Bytes { 0x00, 0xB0, 0x00, 0x00, 0x01 });
        emu.writeFrame({ 0x42, 0x90, 0x00 });
    });
    UCHAR atrBuf[MAX_ATR_SIZE];
    DWORD atrLen = sizeof atrBuf;
    REQUIRE(power(lun1, IFD_POWER_UP, atrBuf, &atrLen) == IFD_SUCCESS);
    CHECK(Bytes(atrBuf, atrBuf + atrLen) == atr);
    UCHAR cmd[] { 0x00, 0xB0, 0x00, 0x00, 0x01 };
    UCHAR rsp[258];
    DWORD rspLen = sizeof rsp;
    SCARD_IO_HEADER pci { SCARD_PROTOCOL_T1, 0 };
    REQUIRE(transmit(lun1, pci, cmd, sizeof cmd, rsp, &rspLen, nullptr) == IFD_SUCCESS);
    card.join();
    CHECK(Bytes(rsp, rsp + rspLen) == Bytes { 0x42, 0x90, 0x00 });
    UCHAR atrCap[MAX_ATR_SIZE];
    len = sizeof atrCap;
    REQUIRE(caps(lun1, TAG_IFD_ATR, &len, atrCap) == IFD_SUCCESS);
    CHECK(Bytes(atrCap, atrCap + len) == atr);

    // An APDU to the empty slot: no card.
    rspLen = sizeof rsp;
    CHECK(transmit(lun0, pci, cmd, sizeof cmd, rsp, &rspLen, nullptr) == IFD_ICC_NOT_PRESENT);
    CHECK(power(lun0, IFD_POWER_UP, atrBuf, &atrLen) == IFD_ERROR_POWER_ACTION);

    // Removal wakes slot 1's poll; stop ends slot 0's at once.
    auto removal = std::async(std::launch::async, [&] { return poll(lun1, 5000); });
    std::this_thread::sleep_for(50ms);
    emu.close();
    CHECK(removal.get() == IFD_SUCCESS);
    CHECK(presence(lun1) == IFD_ICC_NOT_PRESENT);
    auto stopped = std::async(std::launch::async, [&] { return poll(lun0, 600000); });
    std::this_thread::sleep_for(50ms);
    CHECK(stop(lun0) == IFD_SUCCESS);
    CHECK(stopped.wait_for(2s) == std::future_status::ready);

    CHECK(close(lun0) == IFD_SUCCESS);
    CHECK(close(lun1) == IFD_SUCCESS);
    CHECK(presence(lun1) == IFD_COMMUNICATION_ERROR); // closed: no such Lun any more
    // Nobody listens on the ports any more (they stay reserved to this test until it ends).
    FakeEmulator after(base);
    CHECK_FALSE(after.connected());
    FakeEmulator after1(static_cast<std::uint16_t>(base + 1));
    CHECK_FALSE(after1.connected());
}
