// The programs' shared start (hc_program): the command line's standard handling (--help,
// --version, --log-level, a bad option reported by name with exit 2), the stop signals taken
// synchronously, and the log lines' prefix and level.
#include "hc/base/log.hpp"
#include "hc/base/program_options.hpp"
#include "hc/base/stop_signals.hpp"

#include <atomic>
#include <cstdio>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unistd.h>
#include <vector>

namespace po = boost::program_options;
using namespace std::chrono_literals;

namespace {

/** What one parse printed and returned. */
struct Outcome {
    std::optional<int> exit;
    std::string out, err;
};

Outcome parse(hc::ProgramOptions& opts, std::vector<std::string> args) {
    args.insert(args.begin(), "prog");
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    std::ostringstream out, err;
    auto* oldOut = std::cout.rdbuf(out.rdbuf());
    auto* oldErr = std::cerr.rdbuf(err.rdbuf());
    Outcome o;
    o.exit = opts.parse(static_cast<int>(argv.size()), argv.data());
    std::cout.rdbuf(oldOut);
    std::cerr.rdbuf(oldErr);
    o.out = out.str();
    o.err = err.str();
    return o;
}

/** stderr (the C stream) captured into a file while alive. */
class CaptureStderr {
public:
    CaptureStderr() {
        std::fflush(stderr);
        m_saved = ::dup(2);
        m_path = "/tmp/hc-program-test-" + std::to_string(::getpid());
        const int fd = ::open(m_path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
        ::dup2(fd, 2);
        ::close(fd);
    }
    std::string text() {
        std::fflush(stderr);
        std::ifstream f(m_path);
        std::ostringstream ss;
        ss << f.rdbuf();
        return ss.str();
    }
    ~CaptureStderr() {
        std::fflush(stderr);
        ::dup2(m_saved, 2);
        ::close(m_saved);
        std::remove(m_path.c_str());
    }

private:
    int m_saved = -1;
    std::string m_path;
};

} // namespace

TEST_CASE("ProgramOptions: a bad command line names what was wrong and exits 2") {
    std::string db;
    int port = 0;
    hc::ProgramOptions opts("prog", "prog options");
    opts.add()("db", po::value(&db)->required(), "ledger")("port", po::value(&port), "port");

    auto o = parse(opts, { "--nope" });
    CHECK(o.exit == 2);
    CHECK(o.err.find("prog: unrecognised option '--nope'") == 0);
    CHECK(o.err.find("prog options") != std::string::npos); // then the options

    hc::ProgramOptions missing("prog", "prog options");
    missing.add()("db", po::value(&db)->required(), "ledger");
    o = parse(missing, {});
    CHECK(o.exit == 2);
    CHECK(o.err.find("'--db' is required") != std::string::npos);

    hc::ProgramOptions badValue("prog", "prog options");
    badValue.add()("port", po::value(&port), "port");
    badValue.quietUsageOnError();
    o = parse(badValue, { "--port", "eighty" });
    CHECK(o.exit == 2);
    CHECK(o.err.find("--port") != std::string::npos);
    CHECK(o.err.find("prog options") == std::string::npos); // quiet: the message only
}

TEST_CASE("ProgramOptions: --help and --version exit 0; good options go on") {
    std::string db;
    hc::ProgramOptions opts("prog", "prog options");
    opts.add()("db", po::value(&db)->required(), "ledger");
    opts.withVersion();
    auto o = parse(opts, { "--help" }); // before the required check
    CHECK(o.exit == 0);
    CHECK(o.out.find("--db") != std::string::npos);
    CHECK(o.out.find("--version") != std::string::npos);

    hc::ProgramOptions v("prog", "prog options");
    v.withVersion();
    o = parse(v, { "--version" });
    CHECK(o.exit == 0);
    CHECK(o.out == std::string("prog ") + hc::middlewareVersion() + "\n");

    hc::ProgramOptions ok("prog", "prog options");
    ok.add()("db", po::value(&db)->required(), "ledger");
    o = parse(ok, { "--db", "x.db" });
    CHECK_FALSE(o.exit.has_value());
    CHECK(db == "x.db");
    CHECK(ok.has("db"));
}

TEST_CASE("ProgramOptions::withShortHelp: -h prints the help before the required check; "
          "without it -h is an unknown option") {
    std::string image;
    hc::ProgramOptions opts("prog", "prog options");
    opts.add()("image", po::value(&image)->required(), "card image");
    opts.withShortHelp();
    auto o = parse(opts, { "-h" });
    CHECK(o.exit == 0);
    CHECK(o.out.find("--image") != std::string::npos);
    CHECK(o.out.find("-h ") != std::string::npos);
    hc::ProgramOptions run("prog", "prog options");
    run.add()("image", po::value(&image)->required(), "card image");
    run.withShortHelp();
    o = parse(run, { "--image", "x.json" });
    CHECK_FALSE(o.exit.has_value());
    CHECK(image == "x.json");

    hc::ProgramOptions plain("prog", "prog options");
    plain.add()("image", po::value(&image), "card image");
    o = parse(plain, { "-h" });
    CHECK(o.exit == 2);
    CHECK(o.err.find("prog: ") == 0);
}

TEST_CASE("ProgramOptions: check() refuses a combination with exit 2 and its message") {
    bool insecure = false;
    std::string key;
    hc::ProgramOptions opts("prog", "prog options");
    opts.add()("insecure", po::bool_switch(&insecure), "no CURVE")("key", po::value(&key), "key");
    opts.check([&](const po::variables_map&) {
        if (!insecure && key.empty()) {
            throw std::runtime_error("--key is required (or --insecure)");
        }
    });
    auto o = parse(opts, {});
    CHECK(o.exit == 2);
    CHECK(o.err.find("prog: --key is required (or --insecure)") == 0);
    o = parse(opts, { "--insecure" });
    CHECK_FALSE(o.exit.has_value());
}

TEST_CASE("ProgramOptions --log-level sets the log; the log writes '<program>: ' lines by level") {
    hc::ProgramOptions bad("logger", "logger options");
    bad.withLogLevel();
    auto o = parse(bad, { "--log-level", "loud" });
    CHECK(o.exit == 2);
    CHECK(o.err.find("--log-level") != std::string::npos);
    CHECK(o.err.find("'loud'") != std::string::npos);

    hc::ProgramOptions opts("logger", "logger options");
    opts.withLogLevel();
    o = parse(opts, { "--log-level", "warning" });
    REQUIRE_FALSE(o.exit.has_value());
    CHECK(hc::logs(hc::LogLevel::Error));
    CHECK(hc::logs(hc::LogLevel::Warning));
    CHECK_FALSE(hc::logs(hc::LogLevel::Info));
    {
        CaptureStderr cap;
        hc::logLine(hc::LogLevel::Warning, "dispatcher: center down");
        hc::logLine(hc::LogLevel::Info, "not shown");
        CHECK(cap.text() == "logger: dispatcher: center down\n");
    }
    hc::setUpLog("hc", hc::LogLevel::Info);
    CHECK(hc::parseLogLevel("debug") == hc::LogLevel::Debug);
    CHECK_FALSE(hc::parseLogLevel("DEBUG").has_value());
}

TEST_CASE("StopSignals: SIGTERM and SIGINT are taken by wait() or the watch callback, not by a "
          "handler that ends the process") {
    hc::StopSignals signals;
    CHECK_FALSE(signals.waitFor(50ms).has_value());
    std::thread([] { ::kill(::getpid(), SIGTERM); }).join(); // blocked in that thread too
    CHECK(signals.wait() == SIGTERM);
    std::atomic<int> seen { 0 };
    signals.watch([&](int sig) { seen = sig; });
    ::kill(::getpid(), SIGINT);
    for (int i = 0; i < 300 && seen == 0; ++i) {
        std::this_thread::sleep_for(10ms);
    }
    CHECK(seen == SIGINT);
}

TEST_CASE("StopSignals(hangup): SIGHUP is taken too") {
    hc::StopSignals signals(true);
    ::kill(::getpid(), SIGHUP);
    CHECK(signals.waitFor(2000ms) == SIGHUP);
}
