// Test support: the real PC/SC stack for integration tests and benchmarks.
//
//   PcscdDaemon  pcscd --foreground with a reader.conf.d of our own holding three vpcd entries
//                (readers "Virtual PCD 00 00" on 35963, "Virtual PCD 00 01" on 35964, and
//                kReader2..kReader5 on 35965..35968: six readers for parallel issuance; demos on
//                this machine plug their cards into slots 0 and 1, benchmarks use 2 to 5).
//                pcscd's client socket is machine-wide: tests that use it carry the ctest
//                RESOURCE_LOCK "pcscd" and run one at a time.
//   EmulatedCard hcemu with a copy of a card image, on a vpcd slot, with its control port.
#pragma once

#include "hc/testing/process.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace hc::testing {

inline const std::string kReader0 = "Virtual PCD 00 00";
inline const std::string kReader1 = "Virtual PCD 00 01";
inline const std::string kReader2 = "Virtual PCD B 00 00";
inline const std::string kReader3 = "Virtual PCD B 00 01";
inline const std::string kReader4 = "Virtual PCD C 00 00";
inline const std::string kReader5 = "Virtual PCD C 00 01";

/** The reader of vpcd slot 0..5 (hcemu --slot N connects to port 35963 + N). Throws
 * std::invalid_argument for any other slot. */
const std::string& readerForSlot(int slot);

/** pcscd with the vpcd driver, stopped by pid in the destructor.
 *
 * pcscd's socket is machine-wide, so the daemon first takes an exclusive flock on
 * /tmp/hc-pcscd.lock and holds it until destroyed: test binaries of different build trees (or
 * different ctest runs) wait for each other instead of stopping each other's pcscd. */
class PcscdDaemon {
public:
    /** Waits for the machine-wide lock, starts pcscd and waits until the six vpcd readers are
     * listed. Throws with the log tail when that does not happen within 10 s. */
    PcscdDaemon();
    ~PcscdDaemon();
    const TempDir& dir() const { return *m_dir; }
    /** pcscd's log so far. */
    std::string log() const;

private:
    int m_lockFd = -1;
    std::unique_ptr<TempDir> m_dir;
    std::unique_ptr<Process> m_process;
};

/** One process-wide pcscd for a test binary, started on first use. */
PcscdDaemon& sharedPcscd();

/** hcemu serving a copy of an image in a vpcd slot. */
class EmulatedCard {
public:
    /** `image` is a path relative to the source tree's firmware-tools/images, or absolute.
     * Waits until pcscd sees the card (10 s), unless `waitPresent` is false. */
    EmulatedCard(const std::string& image, int slot = 0, bool waitPresent = true);
    ~EmulatedCard();

    /** Sends a control command ("remove", "insert", "tear after 54", "status") and returns the
     * reply line. Throws when the reply starts with "error". */
    std::string control(const std::string& command);
    /** Pulls the card and waits until pcscd reports it absent. */
    void remove();
    /** Puts it back and waits until pcscd reports it present. */
    void insert();
    /** The working copy of the image (persistent changes land here). */
    std::filesystem::path imagePath() const { return m_dir->path() / "card.json"; }
    /** Stops hcemu (SIGKILL when `hard`) and starts it again on the same image. */
    void restart(bool hard = false);
    const std::string& reader() const { return m_reader; }
    Process& process() { return *m_process; }
    std::string log() const;

private:
    void start();
    std::unique_ptr<TempDir> m_dir;
    std::unique_ptr<Process> m_process;
    int m_slot;
    unsigned short m_controlPort = 0;
    std::string m_reader;
};

/** Waits until the reader reports a card present (or absent). False on timeout. */
bool waitForCard(const std::string& reader, bool present,
    std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));

} // namespace hc::testing
