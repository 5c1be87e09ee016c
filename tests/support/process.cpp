#include "hc/testing/process.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <random>
#include <sstream>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace hc::testing {

namespace {
std::vector<char*> cargv(std::vector<std::string>& argv) {
    std::vector<char*> out;
    for (auto& a : argv) {
        out.push_back(a.data());
    }
    out.push_back(nullptr);
    return out;
}
} // namespace

Process::Process(std::vector<std::string> argv, const std::filesystem::path& logFile) {
    const int logFd = ::open(logFile.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (logFd < 0) {
        throw std::runtime_error("cannot open log " + logFile.string());
    }
    auto args = cargv(argv);
    // A child started from the main thread dies with the test process (PR_SET_PDEATHSIG fires
    // when the creating thread exits, so children of worker threads are left out): a test killed
    // by ctest's timeout must not leave an hcemu holding a vpcd slot or a daemon holding a port.
    const pid_t parent = ::getpid();
    const bool fromMainThread = ::gettid() == parent;
    m_pid = ::fork();
    if (m_pid < 0) {
        ::close(logFd);
        throw std::runtime_error("fork failed");
    }
    if (m_pid == 0) {
        if (fromMainThread) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) {
                ::_exit(127);
            }
        }
        ::setpgid(0, 0);
        ::dup2(logFd, STDOUT_FILENO);
        ::dup2(logFd, STDERR_FILENO);
        const int devnull = ::open("/dev/null", O_RDONLY);
        ::dup2(devnull, STDIN_FILENO);
        ::execvp(args[0], args.data());
        std::fprintf(stderr, "exec %s failed: %s\n", args[0], std::strerror(errno));
        ::_exit(127);
    }
    ::close(logFd);
}

Process::~Process() {
    stop();
}

void Process::signal(int sig) const {
    if (m_pid > 0) {
        ::kill(m_pid, sig);
    }
}

bool Process::running() {
    if (m_reaped || m_pid <= 0) {
        return false;
    }
    const pid_t r = ::waitpid(m_pid, &m_status, WNOHANG);
    if (r == m_pid) {
        m_reaped = true;
        return false;
    }
    return true;
}

int Process::wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return m_status;
}

int Process::stop(std::chrono::milliseconds grace) {
    if (m_pid <= 0 || m_reaped) {
        return m_status;
    }
    ::kill(m_pid, SIGTERM);
    if (wait(grace) == -1) {
        ::kill(m_pid, SIGKILL);
        wait(std::chrono::milliseconds(5000));
    }
    return m_status;
}

CommandResult runCommand(const std::vector<std::string>& argvIn, const std::string& stdinText,
    std::chrono::milliseconds timeout) {
    int in[2], out[2], err[2];
    if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC)) {
        throw std::runtime_error("pipe failed");
    }
    auto argv = argvIn;
    auto args = cargv(argv);
    const pid_t pid = ::fork();
    if (pid < 0) {
        const std::string why = std::strerror(errno);
        for (const int fd : { in[0], in[1], out[0], out[1], err[0], err[1] }) {
            ::close(fd);
        }
        // Not waitpid(-1, ...) below: that would reap another child of the test.
        throw std::runtime_error("fork failed: " + why);
    }
    if (pid == 0) {
        ::dup2(in[0], STDIN_FILENO);
        ::dup2(out[1], STDOUT_FILENO);
        ::dup2(err[1], STDERR_FILENO);
        ::execvp(args[0], args.data());
        std::fprintf(stderr, "exec %s failed: %s\n", args[0], std::strerror(errno));
        ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    std::signal(SIGPIPE, SIG_IGN);
    if (!stdinText.empty()) {
        [[maybe_unused]] auto w = ::write(in[1], stdinText.data(), stdinText.size());
    }
    ::close(in[1]);
    CommandResult r;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool outOpen = true, errOpen = true;
    while (outOpen || errOpen) {
        pollfd fds[2] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 } };
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            ::kill(pid, SIGKILL);
            break;
        }
        ::poll(fds, 2, static_cast<int>(left.count()));
        char buf[4096];
        for (int i = 0; i < 2; ++i) {
            if (fds[i].revents & (POLLIN | POLLHUP)) {
                const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
                if (n <= 0) {
                    (i == 0 ? outOpen : errOpen) = false;
                    fds[i].fd = -1;
                } else {
                    (i == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(n));
                }
            }
        }
        if (!outOpen) {
            out[0] = -1;
        }
    }
    ::close(out[0] >= 0 ? out[0] : -1);
    ::close(err[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

TempDir::TempDir(const std::string& prefix) {
    std::string templ = "/tmp/" + prefix + "XXXXXX";
    if (!::mkdtemp(templ.data())) {
        throw std::runtime_error("mkdtemp failed");
    }
    m_path = templ;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
}

unsigned short freeTcpPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a {};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

std::string readFile(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::vector<std::string> processesHolding(const std::string& target, bool includeSelf) {
    std::vector<std::string> out;
    const auto self = std::to_string(::getpid());
    std::error_code ec;
    for (const auto& p : std::filesystem::directory_iterator("/proc", ec)) {
        const auto pid = p.path().filename().string();
        if ((!includeSelf && pid == self)
            || pid.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        std::error_code fdEc;
        for (const auto& fd : std::filesystem::directory_iterator(p.path() / "fd", fdEc)) {
            std::error_code linkEc;
            if (std::filesystem::read_symlink(fd.path(), linkEc) == target) {
                std::string cmd = readFile(p.path() / "cmdline");
                std::replace(cmd.begin(), cmd.end(), '\0', ' ');
                while (!cmd.empty() && cmd.back() == ' ') {
                    cmd.pop_back();
                }
                out.push_back("pid " + pid + " (" + cmd + ")");
                break;
            }
        }
    }
    return out;
}

std::filesystem::path binaryPath(const std::string& name) {
    for (const char* sub : { "firmware-tools", "hsm", "settlement", "kiosk", "tests/bench", "" }) {
        const auto p = std::filesystem::path(HC_BINARY_DIR) / sub / name;
        if (std::filesystem::exists(p)) {
            return p;
        }
    }
    throw std::runtime_error("program " + name + " not found under " HC_BINARY_DIR);
}

std::filesystem::path sourcePath(const std::string& relative) {
    return std::filesystem::path(HC_SOURCE_DIR) / relative;
}

} // namespace hc::testing
