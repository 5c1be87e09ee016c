// Test support: the real PC/SC stack for integration tests and benchmarks.
//
//   PcscdDaemon  pcscd --foreground with a reader.conf.d of our own holding three reader entries
//                (driver: vpcd, or our event-driven libifdhcvr.so; see ReaderDriver)
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
#include <utility>
#include <vector>

namespace hc::testing {

inline const std::string kReader0 = "Virtual PCD 00 00";
inline const std::string kReader1 = "Virtual PCD 00 01";
inline const std::string kReader2 = "Virtual PCD B 00 00";
inline const std::string kReader3 = "Virtual PCD B 00 01";
inline const std::string kReader4 = "Virtual PCD C 00 00";
inline const std::string kReader5 = "Virtual PCD C 00 01";

/** Which pcscd driver serves the virtual readers. Both speak the vpcd wire protocol to hcemu,
 * on the same ports, under the same reader names. */
enum class ReaderDriver {
    Vpcd, ///< Debian's vsmartcard vpcd: pcscd polls it every 400 ms
    Hcvr, ///< drivers/vreader libifdhcvr.so: event-driven (docs/vreader.md)
};

/** "vpcd" or "hcvr". */
const char* describe(ReaderDriver d);

/** The driver tests get when they do not choose: HC_READER_DRIVER=vpcd|hcvr in the environment,
 * else vpcd. Throws std::invalid_argument for any other value. */
ReaderDriver defaultReaderDriver();

/** libifdhcvr.so of this build tree (<build>/drivers/vreader/). Throws when it is not built. */
std::filesystem::path hcvrDriverPath();

/** How a PcscdDaemon is set up. The default: the six standard readers kReader0..kReader5. */
struct PcscdOptions {
    ReaderDriver driver = defaultReaderDriver();
    /** When not empty: these reader.conf.d files (name, content) instead of the standard ones,
     * and the daemon waits for `readers` rather than kReader0..kReader5. */
    std::vector<std::pair<std::string, std::string>> confFiles;
    std::vector<std::string> readers;
    /** Extra pcscd options, e.g. "--info" to have the drivers' INFO lines in log(). */
    std::vector<std::string> extraArgs;
    /** How long to wait for the readers' ports to be free before starting pcscd. */
    std::chrono::milliseconds portWait = std::chrono::seconds(75);
};

/** The reader of vpcd slot 0..5 (hcemu --slot N connects to port 35963 + N). Throws
 * std::invalid_argument for any other slot. */
const std::string& readerForSlot(int slot);

/** pcscd with the vpcd or hcvr driver, stopped by pid in the destructor.
 *
 * pcscd's socket is machine-wide, so the daemon first takes an exclusive flock on
 * /tmp/hc-pcscd.lock and holds it until destroyed: test binaries of different build trees (or
 * different ctest runs) wait for each other instead of stopping each other's pcscd. The wait has
 * no time limit; after 5 s (and every minute after) it prints on stderr which processes have the
 * lock file open, so a test stuck there into ctest's timeout says why. */
class PcscdDaemon {
public:
    /** Waits for the machine-wide lock, starts pcscd and waits until the six readers (or
     * options.readers) are listed. Throws with the log tail when that does not happen in 10 s.
     *
     * The readers' ports lie in the kernel's ephemeral range (tcp_ports.hpp): they are first
     * reserved (net.ipv4.ip_local_reserved_ports, when writable) and waited for until free
     * (options.portWait, 75 s by default: TIME_WAIT lasts 60 s), and a pcscd whose driver still
     * lost a port ("Address already in use") is started again, up to three times; the error names
     * whoever holds the port. */
    explicit PcscdDaemon(PcscdOptions options = {});
    ~PcscdDaemon();
    const TempDir& dir() const { return *m_dir; }
    /** pcscd's log so far. */
    std::string log() const;
    /** Waits until pcscd's log holds `text` (a driver's line is written after the event it
     * reports: a test that saw the event must wait for the line, not read the log at once).
     * False when it did not appear within `timeout`. */
    bool waitForLog(const std::string& text,
        std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) const;
    /** The driver serving the readers. */
    ReaderDriver driver() const { return m_options.driver; }
    /** Stops pcscd (SIGTERM, SIGKILL after `grace`) and returns its exit status; the lock is
     * kept until destruction. pcsc-lite 1.9.9 exits at once on SIGTERM ("Direct suicide"),
     * without closing its readers; SIGINT through process() runs the full clean-up. */
    int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));
    /** The pcscd process (signals, wait). */
    Process& process() { return *m_process; }

private:
    void startWithReaders(
        const std::filesystem::path& conf, const std::vector<std::string>& wanted);
    std::vector<unsigned short> listenPorts() const;
    PcscdOptions m_options;
    int m_lockFd = -1;
    std::unique_ptr<TempDir> m_dir;
    std::unique_ptr<Process> m_process;
};

/** One process-wide pcscd for a test binary, started on first use (default options). */
PcscdDaemon& sharedPcscd();

/** Replaces the process-wide pcscd with one set up by `options` (benchmarks comparing drivers).
 * Destroy every EmulatedCard first: their readers go away with the old daemon. */
PcscdDaemon& restartSharedPcscd(PcscdOptions options);

/** hcemu serving a copy of an image in a vpcd slot. */
class EmulatedCard {
public:
    /** `image` is a path relative to the source tree's firmware-tools/images, or absolute.
     * Waits until pcscd sees the card (10 s), unless `waitPresent` is false. `reader` names the
     * reader port 35963 + slot shows up as when pcscd has a non-standard set-up (default:
     * readerForSlot(slot)). `extraArgs` go to hcemu as they are (e.g. {"--cos", "no-sfi"}). */
    EmulatedCard(const std::string& image, int slot = 0, bool waitPresent = true,
        std::string reader = {}, std::vector<std::string> extraArgs = {});
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
    std::vector<std::string> m_extraArgs;
};

/** Waits until the reader reports a card present (or absent). False on timeout. */
bool waitForCard(const std::string& reader, bool present,
    std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));

} // namespace hc::testing
