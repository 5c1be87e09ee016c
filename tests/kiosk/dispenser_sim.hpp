// Test helper: dispenser-sim started as a process on a free port, stopped with the test.
#pragma once

#include "hc/dispenser/framed_dispenser.hpp"
#include "hc/testing/process.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace hc::testing {

/** dispenser-sim with `stock` blank cards; with `hcemuSlot` >= 0 a move to IC puts a real blank
 * card (hcemu --blank) into that vpcd slot. */
class DispenserSim {
public:
    explicit DispenserSim(unsigned stock = 5, int hcemuSlot = -1, unsigned binCapacity = 10)
        : m_dir(std::make_unique<TempDir>("hc-dispenser-"))
        , m_port(freeTcpPort()) {
        std::vector<std::string> argv { binaryPath("dispenser-sim").string(), "--port",
            std::to_string(m_port), "--stock", std::to_string(stock), "--bin-capacity",
            std::to_string(binCapacity), "--dir", (m_dir->path() / "cards").string() };
        if (hcemuSlot >= 0) {
            argv.push_back("--hcemu");
            argv.push_back(binaryPath("hcemu").string());
            argv.push_back("--slot");
            argv.push_back(std::to_string(hcemuSlot));
        }
        m_process = std::make_unique<Process>(argv, m_dir->path() / "sim.log");
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (readFile(m_dir->path() / "sim.log").find("listening") == std::string::npos) {
            if (std::chrono::steady_clock::now() > deadline) {
                throw std::runtime_error("dispenser-sim did not start: " + log());
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    /** "tcp:127.0.0.1:PORT". */
    std::string address() const { return "tcp:127.0.0.1:" + std::to_string(m_port); }
    /** A driver for it. */
    hc::dispenser::FramedDispenser driver() const {
        return hc::dispenser::FramedDispenser(address(), std::chrono::seconds(15));
    }
    /** The simulator's own command (XT, XJ, XS n, XE). */
    hc::dispenser::DispenserReply command(const std::string& payload) const {
        return driver().command(payload);
    }
    std::string log() const { return readFile(m_dir->path() / "sim.log"); }
    const std::filesystem::path& dir() const { return m_dir->path(); }
    Process& process() { return *m_process; }

private:
    std::unique_ptr<TempDir> m_dir;
    unsigned short m_port;
    std::unique_ptr<Process> m_process;
};

} // namespace hc::testing
