#include "hc/testing/pcsc_stack.hpp"

#include "hc/testing/tcp_ports.hpp"

#include <PCSC/winscard.h>
#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <mutex>
#include <netinet/in.h>
#include <sstream>
#include <stdexcept>
#include <sys/file.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace hc::testing {

namespace {
const char* kPcscdPidFile = "/run/pcscd/pcscd.pid";

// A pcscd left behind by a killed test (ours: its config dir starts /tmp/hc-pcscd-) is stopped;
// any other pcscd is somebody else's and the tests refuse to run rather than kill it.
void stopStrayPcscd() {
    for (const auto& e : std::filesystem::directory_iterator("/proc")) {
        const auto name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        std::string cmd = readFile(e.path() / "cmdline");
        for (auto& c : cmd) {
            if (c == '\0') {
                c = ' ';
            }
        }
        if (cmd.rfind("pcscd", 0) != 0 && cmd.find("/pcscd ") == std::string::npos) {
            continue;
        }
        const pid_t pid = static_cast<pid_t>(std::stol(name));
        if (cmd.find("/tmp/hc-pcscd-") != std::string::npos
            || cmd.find("--hc-demo") != std::string::npos) {
            ::kill(pid, SIGKILL);
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        } else {
            throw std::runtime_error("another pcscd is running (pid " + name + ", \"" + cmd
                + "\"); stop it (systemctl stop pcscd.socket pcscd) before running the PC/SC "
                  "tests");
        }
    }
    std::error_code ec;
    std::filesystem::remove(kPcscdPidFile, ec);
    std::filesystem::remove("/run/pcscd/pcscd.comm", ec);
}

std::string g_lastListing; // what pcscd listed last, for the error message

bool readersListed(const std::vector<std::string>& wanted) {
    SCARDCONTEXT ctx;
    if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx) != SCARD_S_SUCCESS) {
        return false;
    }
    char buf[1024];
    DWORD len = sizeof buf;
    const LONG rv = SCardListReaders(ctx, nullptr, buf, &len);
    SCardReleaseContext(ctx);
    if (rv != SCARD_S_SUCCESS) {
        return false;
    }
    const std::string all(buf, len);
    g_lastListing = all;
    for (auto& c : g_lastListing) {
        if (c == '\0') {
            c = '|';
        }
    }
    for (const auto& r : wanted) {
        if (all.find(r + '\0') == std::string::npos) {
            return false;
        }
    }
    return true;
}

// The standard six readers: three devices of two slots each ("Virtual PCD", "Virtual PCD B",
// "Virtual PCD C" on ports 0x8C7B, 0x8C7D, 0x8C7F and the port after each). vpcd keeps its
// connections in a static array indexed by slot, so devices served by the same loaded library
// would take over each other's slots: each extra device loads its own copy of the driver (a
// different file is a different dlopen instance), under its own FRIENDLYNAME. hcvr keeps its
// state per Lun and could serve all three from one file, but pcscd then names the second device
// "<name> 01 00" (it numbers the readers of one library); copies keep the names the tests use.
void writeStandardConf(
    const std::filesystem::path& dir, const std::filesystem::path& conf, ReaderDriver driver) {
    const std::filesystem::path lib = driver == ReaderDriver::Hcvr
        ? hcvrDriverPath()
        : std::filesystem::path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so");
    const std::string stem = driver == ReaderDriver::Hcvr ? "libifdhcvr-" : "libifdvpcd-";
    for (const auto& [letter, port] :
        { std::pair { "", "0x8C7B" }, std::pair { "B", "0x8C7D" }, std::pair { "C", "0x8C7F" } }) {
        std::filesystem::path libPath = lib;
        std::string name = "Virtual PCD";
        if (*letter != '\0') {
            libPath = dir / (stem + letter + ".so");
            std::filesystem::copy_file(lib, libPath);
            name += std::string(" ") + letter;
        }
        std::ofstream(conf / (std::string(describe(driver)) + (*letter ? "-" : "") + letter))
            << "FRIENDLYNAME \"" << name << "\"\nDEVICENAME   /dev/null:" << port
            << "\nLIBPATH      " << libPath.string() << "\nCHANNELID    " << port << "\n";
    }
}
} // namespace

const char* describe(ReaderDriver d) {
    return d == ReaderDriver::Hcvr ? "hcvr" : "vpcd";
}

ReaderDriver defaultReaderDriver() {
    const char* v = std::getenv("HC_READER_DRIVER");
    if (v == nullptr || *v == '\0' || std::string(v) == "vpcd") {
        return ReaderDriver::Vpcd;
    }
    if (std::string(v) == "hcvr") {
        return ReaderDriver::Hcvr;
    }
    throw std::invalid_argument(std::string("HC_READER_DRIVER=") + v + ": expected vpcd or hcvr");
}

std::filesystem::path hcvrDriverPath() {
    const auto p = std::filesystem::path(HC_BINARY_DIR) / "drivers/vreader/libifdhcvr.so";
    if (!std::filesystem::exists(p)) {
        throw std::runtime_error(
            p.string() + " is not built (cmake --build <build> --target ifdhcvr)");
    }
    return p;
}

namespace {

constexpr const char* kLockPath = "/tmp/hc-pcscd.lock";

// The processes other than this one that have the lock file open (one of them holds the lock):
// "pid N (command line)" each, for the waiting message.
std::string lockHolders() {
    std::string out;
    for (const auto& holder : processesHolding(kLockPath, false)) {
        out += (out.empty() ? "" : ", ") + holder;
    }
    // This process itself: a PcscdDaemon still alive here (a second one waits for the first).
    std::error_code selfEc;
    int own = 0;
    for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd", selfEc)) {
        std::error_code linkEc;
        own += std::filesystem::read_symlink(fd.path(), linkEc) == kLockPath ? 1 : 0;
    }
    if (own > 1) {
        out += (out.empty() ? "" : ", ")
            + ("this process itself, on " + std::to_string(own)
                + " descriptors: another PcscdDaemon of this process is alive");
    }
    return out.empty() ? "no other process has it open" : out;
}

// Waits for the machine-wide lock with no time limit (other build trees' PC/SC tests may hold it
// for minutes) in a blocking flock, as before; a reporter thread says on stderr who has the file
// open after 5 s and every minute after, so a test that runs into ctest's timeout there shows
// what it waited for instead of nothing.
void lockMachineWide(int fd) {
    std::mutex m;
    std::condition_variable cv;
    bool locked = false;
    std::thread reporter([&] {
        const auto start = std::chrono::steady_clock::now();
        std::unique_lock lock(m);
        auto wait = std::chrono::seconds(5);
        while (!cv.wait_for(lock, wait, [&] { return locked; })) {
            const auto waited = std::chrono::duration_cast<std::chrono::seconds>(
                std::chrono::steady_clock::now() - start);
            std::fprintf(stderr,
                "hc-testing: waiting %lld s for %s (the machine-wide pcscd lock); open in: %s\n",
                static_cast<long long>(waited.count()), kLockPath, lockHolders().c_str());
            std::fflush(stderr);
            wait = std::chrono::seconds(60);
        }
    });
    int rc = 0;
    while ((rc = ::flock(fd, LOCK_EX)) != 0 && errno == EINTR) { }
    const int err = errno;
    {
        std::lock_guard lock(m);
        locked = true;
    }
    cv.notify_all();
    reporter.join();
    if (rc != 0) {
        throw std::runtime_error(std::string("cannot lock ") + kLockPath
            + " (the machine-wide pcscd lock): " + std::strerror(err));
    }
}

} // namespace

PcscdDaemon::PcscdDaemon(PcscdOptions options)
    : m_options(std::move(options)) {
    m_lockFd = ::open(kLockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0666);
    if (m_lockFd < 0) {
        throw std::runtime_error(std::string("cannot open ") + kLockPath
            + " (the machine-wide pcscd lock): " + std::strerror(errno));
    }
    // A constructor that throws runs no destructor: without this the lock would stay held by a
    // descriptor nobody closes, and the next PcscdDaemon of this process (the next test case's
    // sharedPcscd()) would wait for itself forever.
    try {
        lockMachineWide(m_lockFd);
        stopStrayPcscd();
        m_dir = std::make_unique<TempDir>("hc-pcscd-");
        const auto conf = m_dir->path() / "reader.conf.d";
        std::filesystem::create_directories(conf);
        // Slots 0/1 on 35963/35964, 2/3 (kReader2/3) on 35965/35966, 4/5 (benchmarks, away from the
        // slots demos plug their cards into) on 35967/35968.
        std::vector<std::string> wanted = m_options.readers;
        if (m_options.confFiles.empty()) {
            writeStandardConf(m_dir->path(), conf, m_options.driver);
            wanted = { kReader0, kReader1, kReader2, kReader3, kReader4, kReader5 };
        } else {
            for (const auto& [name, text] : m_options.confFiles) {
                std::ofstream(conf / name) << text;
            }
        }
        startWithReaders(conf, wanted);
    } catch (...) {
        m_process.reset(); // pcscd stopped before the lock goes
        ::close(m_lockFd);
        m_lockFd = -1;
        throw;
    }
}

// vpcd (and libifdhcvr.so) bind their ports once, when pcscd loads them: a port another socket
// holds at that moment leaves those readers out for the daemon's whole life. So the ports are
// reserved against the kernel's ephemeral choices, waited for until free, and a start that still
// lost one to a race ("Address already in use" in the log) is tried again.
void PcscdDaemon::startWithReaders(
    const std::filesystem::path& conf, const std::vector<std::string>& wanted) {
    const auto ports = listenPorts();
    // Each daemon's own ports (a custom reader.conf.d may use others); said once per process.
    const std::string reserveProblem = reserveLocalPorts(ports);
    static bool warned = false;
    if (!reserveProblem.empty() && !warned) {
        std::fprintf(stderr,
            "hc-testing: the virtual readers' ports are not reserved against the kernel's "
            "ephemeral ports: %s\n",
            reserveProblem.c_str());
        warned = true;
    }
    std::filesystem::create_directories("/run/pcscd");
    std::vector<std::string> argv { "pcscd", "--foreground", "--config", conf.string() };
    argv.insert(argv.end(), m_options.extraArgs.begin(), m_options.extraArgs.end());
    constexpr int kAttempts = 3;
    for (int attempt = 1;; ++attempt) {
        const auto taken = waitUntilListenable(ports, m_options.portWait);
        if (!taken.empty()) {
            throw std::runtime_error("the virtual readers' ports stayed taken for "
                + std::to_string(m_options.portWait.count()) + " ms, pcscd not started: " + taken);
        }
        const auto logStart = log().size(); // an earlier attempt's lines stay in the file
        m_process = std::make_unique<Process>(argv, m_dir->path() / "pcscd.log");
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!readersListed(wanted)) {
            if (!m_process->running()) {
                throw std::runtime_error("pcscd exited at start:\n" + log());
            }
            if (std::chrono::steady_clock::now() > deadline) {
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (readersListed(wanted)) {
            return;
        }
        const std::string text = log();
        const bool portLost = text.find("Address already in use", logStart) != std::string::npos;
        std::string holders;
        for (const auto p : ports) {
            const auto who = tcpPortHolders(p);
            if (!who.empty()) {
                holders += "\n  port " + std::to_string(p) + ": " + who;
            }
        }
        m_process.reset();
        if (portLost && attempt < kAttempts) {
            std::fprintf(stderr,
                "hc-testing: pcscd lost a reader port (attempt %d of %d), starting it again;"
                " holders now:%s\n",
                attempt, kAttempts, holders.empty() ? " none" : holders.c_str());
            std::fflush(stderr);
            continue;
        }
        throw std::runtime_error(std::string("pcscd did not list its readers (driver ")
            + describe(m_options.driver) + ") within 10 s (it listed: " + g_lastListing
            + "; attempt " + std::to_string(attempt) + ")"
            + (holders.empty() ? "" : "; sockets on the reader ports:" + holders) + ":\n" + text);
    }
}

// The ports the reader.conf.d entries make the drivers listen on: each DEVICENAME
// "/dev/null:<port>" serves two slots, on <port> and the port after.
std::vector<unsigned short> PcscdDaemon::listenPorts() const {
    if (m_options.confFiles.empty()) {
        return { 35963, 35964, 35965, 35966, 35967, 35968 };
    }
    std::vector<unsigned short> ports;
    for (const auto& [name, text] : m_options.confFiles) {
        std::istringstream lines(text);
        std::string line;
        while (std::getline(lines, line)) {
            const auto colon = line.rfind(':');
            if (line.rfind("DEVICENAME", 0) != 0 || colon == std::string::npos) {
                continue;
            }
            try {
                const auto port = std::stoul(line.substr(colon + 1), nullptr, 0);
                if (port > 0 && port < 65535) {
                    ports.push_back(static_cast<unsigned short>(port));
                    ports.push_back(static_cast<unsigned short>(port + 1));
                }
            } catch (const std::exception&) {
                // not a port: a device path of a real reader's driver, nothing to wait for
            }
        }
    }
    return ports;
}

PcscdDaemon::~PcscdDaemon() {
    m_process->stop();
    ::close(m_lockFd); // releases the flock
}

int PcscdDaemon::stop(std::chrono::milliseconds grace) {
    return m_process->stop(grace);
}

std::string PcscdDaemon::log() const {
    return readFile(m_dir->path() / "pcscd.log");
}

bool PcscdDaemon::waitForLog(const std::string& text, std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (log().find(text) == std::string::npos) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

const std::string& readerForSlot(int slot) {
    switch (slot) {
    case 0:
        return kReader0;
    case 1:
        return kReader1;
    case 2:
        return kReader2;
    case 3:
        return kReader3;
    case 4:
        return kReader4;
    case 5:
        return kReader5;
    default:
        throw std::invalid_argument("EmulatedCard: slot " + std::to_string(slot)
            + " has no reader (pcscd is configured with slots 0 to 5)");
    }
}

namespace {
std::unique_ptr<PcscdDaemon>& sharedSlot() {
    static std::unique_ptr<PcscdDaemon> daemon;
    return daemon;
}
} // namespace

PcscdDaemon& sharedPcscd() {
    auto& d = sharedSlot();
    if (!d) {
        d = std::make_unique<PcscdDaemon>();
    }
    return *d;
}

PcscdDaemon& restartSharedPcscd(PcscdOptions options) {
    auto& d = sharedSlot();
    d.reset(); // stop the old one (and release the lock) before the new one takes it
    d = std::make_unique<PcscdDaemon>(std::move(options));
    return *d;
}

bool waitForCard(const std::string& reader, bool present, std::chrono::milliseconds timeout) {
    SCARDCONTEXT ctx;
    if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx) != SCARD_S_SUCCESS) {
        return false;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    SCARD_READERSTATE rs {};
    rs.szReader = reader.c_str();
    rs.dwCurrentState = SCARD_STATE_UNAWARE;
    bool ok = false;
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            break;
        }
        const LONG rv = SCardGetStatusChange(ctx, static_cast<DWORD>(left.count()), &rs, 1);
        if (rv != SCARD_S_SUCCESS) {
            break;
        }
        const bool isPresent = (rs.dwEventState & SCARD_STATE_PRESENT) != 0;
        if (isPresent == present) {
            ok = true;
            break;
        }
        rs.dwCurrentState = rs.dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
    }
    SCardReleaseContext(ctx);
    return ok;
}

EmulatedCard::EmulatedCard(const std::string& image, int slot, bool waitPresent, std::string reader,
    std::vector<std::string> extraArgs)
    : m_slot(slot)
    , m_reader(reader.empty() ? readerForSlot(slot) : std::move(reader))
    , m_extraArgs(std::move(extraArgs)) {
    sharedPcscd();
    m_dir = std::make_unique<TempDir>("hc-card-");
    std::filesystem::path src = image;
    if (src.is_relative()) {
        src = sourcePath("firmware-tools/images") / image;
    }
    std::filesystem::copy_file(src, imagePath());
    start();
    if (waitPresent && !waitForCard(m_reader, true)) {
        throw std::runtime_error(
            "pcscd did not see the emulated card in " + m_reader + ":\n" + log());
    }
}

void EmulatedCard::start() {
    // The reader must be empty before this card goes in: a card of this slot that was just
    // stopped can still show as present for one of pcscd's polls (vpcd: 400 ms; longer on a
    // busy machine), and a "present" seen then would be the old card's, not this one's.
    if (!waitForCard(m_reader, false)) {
        throw std::runtime_error("EmulatedCard: " + m_reader
            + " still holds a card after 10 s (a previous card of slot " + std::to_string(m_slot)
            + " not gone, or another hcemu on it); cannot insert " + imagePath().string());
    }
    // The control port comes from the kernel (--control-port 0): hcemu binds it and reports it on
    // its first line, which is also the sign that it is ready for control commands.
    const auto logFile = m_dir->path() / "hcemu.log";
    const std::size_t logStart = readFile(logFile).size(); // after a restart: only the new lines
    std::vector<std::string> argv { binaryPath("hcemu").string(), "--image", imagePath().string(),
        "--slot", std::to_string(m_slot), "--control-port", "0", "--verbose" };
    argv.insert(argv.end(), m_extraArgs.begin(), m_extraArgs.end());
    m_process = std::make_unique<Process>(argv, logFile);
    const std::string marker = "control on 127.0.0.1:";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        const std::string text = readFile(logFile);
        const auto at = text.find(marker, logStart);
        const auto eol = at == std::string::npos ? at : text.find('\n', at);
        if (eol != std::string::npos) {
            m_controlPort = static_cast<unsigned short>(
                std::stoul(text.substr(at + marker.size(), eol - at - marker.size())));
            return;
        }
        if (!m_process->running()) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("hcemu did not report its control port:\n" + log());
}

EmulatedCard::~EmulatedCard() {
    m_process->stop();
    waitForCard(m_reader, false, std::chrono::milliseconds(3000));
}

std::string EmulatedCard::log() const {
    return readFile(m_dir->path() / "hcemu.log");
}

std::string EmulatedCard::control(const std::string& command) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a {};
    a.sin_family = AF_INET;
    a.sin_port = htons(m_controlPort);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        throw std::runtime_error("hcemu control port unreachable");
    }
    const std::string line = command + "\n";
    [[maybe_unused]] auto w = ::send(fd, line.data(), line.size(), MSG_NOSIGNAL);
    std::string reply;
    char c;
    while (::recv(fd, &c, 1, 0) == 1 && c != '\n') {
        reply.push_back(c);
    }
    ::close(fd);
    if (reply.rfind("error", 0) == 0) {
        throw std::runtime_error("hcemu control \"" + command + "\": " + reply);
    }
    return reply;
}

void EmulatedCard::remove() {
    control("remove");
    if (!waitForCard(m_reader, false)) {
        throw std::runtime_error("card still present after remove");
    }
}

void EmulatedCard::insert() {
    control("insert");
    if (!waitForCard(m_reader, true)) {
        throw std::runtime_error("card not present after insert:\n" + log());
    }
}

void EmulatedCard::restart(bool hard) {
    if (hard) {
        m_process->signal(SIGKILL);
    }
    m_process->stop();
    start(); // waits until pcscd has seen the old process's card go
    if (!waitForCard(m_reader, true)) {
        throw std::runtime_error("card not present after restart:\n" + log());
    }
}

} // namespace hc::testing
