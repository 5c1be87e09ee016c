// The test support's machine-wide pcscd lock (tests/support/pcsc_stack.cpp): a PcscdDaemon whose
// pcscd does not come up must give the lock back. It used to keep it on a descriptor nobody
// closed (a throwing constructor runs no destructor), so the next test case's sharedPcscd() in
// the same binary waited for its own process until ctest's timeout, printing "no other process
// has it open". Its own binary: no shared pcscd may be alive in this process when it runs.
#include "hc/testing/pcsc_stack.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <string>

namespace {

int lockDescriptorsOfThisProcess() {
    int n = 0;
    for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) {
        std::error_code ec;
        n += std::filesystem::read_symlink(fd.path(), ec) == "/tmp/hc-pcscd.lock" ? 1 : 0;
    }
    return n;
}

} // namespace

TEST_CASE("a pcscd that does not start gives the machine-wide lock back; the next one starts") {
    hc::testing::PcscdOptions bad;
    bad.extraArgs = { "--no-such-option" }; // pcscd prints its usage and exits 1
    try {
        hc::testing::PcscdDaemon daemon(bad);
        FAIL("a pcscd started with an unknown option must not count as started");
    } catch (const std::exception& e) {
        CHECK(std::string(e.what()).find("pcscd exited at start") != std::string::npos);
    }
    CHECK(lockDescriptorsOfThisProcess() == 0);

    // The next daemon of this process takes the lock (with the leak it waited for itself).
    hc::testing::PcscdDaemon good;
    CHECK(lockDescriptorsOfThisProcess() == 1);
    CHECK(good.process().running());
}
