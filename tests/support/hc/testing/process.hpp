// Test support: a child process started for a test and stopped by pid when the test ends.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <sys/types.h>
#include <vector>

namespace hc::testing {

/** A running child process. The destructor sends SIGTERM, waits up to 3 s, then SIGKILL. */
class Process {
public:
    /** Starts argv[0] (a path, or a name looked up in PATH) with stdout and stderr appended to
     * `logFile`. Throws std::runtime_error when it cannot start. Started from the main thread,
     * the child is SIGKILLed if the test process dies (PR_SET_PDEATHSIG). */
    Process(std::vector<std::string> argv, const std::filesystem::path& logFile);
    ~Process();
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return m_pid; }
    /** Sends a signal. */
    void signal(int sig) const;
    /** Stops it (TERM, then KILL after `grace`) and reaps it. Returns the exit status. */
    int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));
    /** Waits for it to exit by itself; -1 on timeout. */
    int wait(std::chrono::milliseconds timeout);
    bool running();

private:
    pid_t m_pid = -1;
    int m_status = 0;
    bool m_reaped = false;
};

/** Runs a command to completion and returns {exit status, stdout}. stderr goes to `stderrOut`. */
struct CommandResult {
    int status = -1;
    std::string out;
    std::string err;
};
CommandResult runCommand(const std::vector<std::string>& argv, const std::string& stdinText = {},
    std::chrono::milliseconds timeout = std::chrono::milliseconds(20000));

/** A fresh directory under /tmp removed (recursively) in the destructor. */
class TempDir {
public:
    explicit TempDir(const std::string& prefix = "hc-test-");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return m_path; }
    std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

private:
    std::filesystem::path m_path;
};

/** A TCP port on 127.0.0.1 that was free a moment ago. */
unsigned short freeTcpPort();

/** Reads a whole file ("" when missing). */
std::string readFile(const std::filesystem::path& p);

/** Every process with a descriptor open on `target` (a path, or "socket:[<inode>]" for a
 * socket), as "pid N (command line)", read from /proc; this process too when `includeSelf`. */
std::vector<std::string> processesHolding(const std::string& target, bool includeSelf);

/** Where the build put our programs (hcemu, hcard, ...): HC_BINARY_DIR compiled in. */
std::filesystem::path binaryPath(const std::string& name);
/** Source-tree path (HC_SOURCE_DIR compiled in). */
std::filesystem::path sourcePath(const std::string& relative);

} // namespace hc::testing
