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

/** Captures std::cout and std::cerr while alive. */
class CaptureStreams {
public:
    CaptureStreams()
        : m_oldOut(std::cout.rdbuf(m_out.rdbuf()))
        , m_oldErr(std::cerr.rdbuf(m_err.rdbuf())) { }
    ~CaptureStreams() {
        std::cout.rdbuf(m_oldOut);
        std::cerr.rdbuf(m_oldErr);
    }
    CaptureStreams(const CaptureStreams&) = delete;
    CaptureStreams& operator=(const CaptureStreams&) = delete;
    std::string out() const { return m_out.str(); }
    std::string err() const { return m_err.str(); }

private:
    std::ostringstream m_out, m_err;
    std::streambuf* m_oldOut;
    std::streambuf* m_oldErr;
};

/** Parses `args` (argv[0] is "prog") from argv[first]. */
Outcome parse(hc::ProgramOptions& opts, std::vector<std::string> args, int first = 1) {
    args.insert(args.begin(), "prog");
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    std::ostringstream out, err;
    auto* oldOut = std::cout.rdbuf(out.rdbuf());
    auto* oldErr = std::cerr.rdbuf(err.rdbuf());
    Outcome o;
    o.exit = opts.parse(static_cast<int>(argv.size()), argv.data(), first);
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

TEST_CASE("ProgramOptions with subcommands: options before or after the words, the program's "
          "usage text on --help and after a bad command line") {
    const std::string usage = "usage: prog [options] <command>\ncommands:\n  list  list keys\n";
    std::string key;
    hc::ProgramOptions opts("prog", "options", { "help,h", "show help" });
    opts.usage(usage).positional("command");
    opts.add()("key", po::value(&key), "key label")(
        "command", po::value<std::vector<std::string>>(), "command");

    auto o = parse(opts, { "--key", "k1", "audit", "verify" });
    REQUIRE_FALSE(o.exit.has_value());
    CHECK(key == "k1");
    CHECK(opts.values()["command"].as<std::vector<std::string>>()
        == std::vector<std::string> { "audit", "verify" });

    hc::ProgramOptions after("prog", "options", { "help,h", "show help" });
    after.usage(usage).positional("command");
    after.add()("key", po::value(&key), "key label")(
        "command", po::value<std::vector<std::string>>(), "command");
    o = parse(after, { "list", "--key", "k2" });
    REQUIRE_FALSE(o.exit.has_value());
    CHECK(key == "k2");
    CHECK(after.values()["command"].as<std::vector<std::string>>()
        == std::vector<std::string> { "list" });

    hc::ProgramOptions help("prog", "options", { "help,h", "show help" });
    help.usage(usage).positional("command");
    help.add()("key", po::value(&key), "key label");
    o = parse(help, { "-h" }); // the short name given to the help option
    CHECK(o.exit == 0);
    CHECK(o.out.rfind(usage + "\noptions:\n", 0) == 0); // the usage text, then the options
    CHECK(o.out.find("-h [ --help ]") != std::string::npos);
    CHECK(o.out.find("show help") != std::string::npos);
    CHECK(o.out.find("--key arg") != std::string::npos);

    hc::ProgramOptions bad("prog", "options");
    bad.usage(usage).positional("command");
    bad.add()("command", po::value<std::vector<std::string>>(), "command");
    o = parse(bad, { "list", "--nope" });
    CHECK(o.exit == 2);
    CHECK(o.err == "prog: unrecognised option '--nope'\n" + usage); // usage, not the options
    {
        CaptureStreams cap;
        CHECK(bad.usageError("unknown command 'shred'") == 2);
        CHECK(cap.err() == "prog: unknown command 'shred'\n" + usage);
        CHECK(cap.out().empty());
        bad.printHelp(std::cout);
        CHECK(cap.out().rfind(usage + "\noptions:\n", 0) == 0);
    }
}

TEST_CASE("ProgramOptions: a subcommand read first, its options parsed after it; a usage text "
          "alone on --help") {
    const std::string usage = "usage: prog COMMAND [options]\n  status [--db D]\n";
    std::string db;
    hc::ProgramOptions opts("prog", "options", { "help,h" });
    opts.usage(usage, false);
    opts.add()("db", po::value(&db), "");
    auto o = parse(opts, { "status", "--db", "x.db" }, 2);
    REQUIRE_FALSE(o.exit.has_value());
    CHECK(db == "x.db");

    hc::ProgramOptions help("prog", "options", { "help,h" });
    help.usage(usage, false);
    help.add()("db", po::value(&db), "");
    o = parse(help, { "status", "--help" }, 2);
    CHECK(o.exit == 0);
    CHECK(o.out == usage); // without the options list

    hc::ProgramOptions bad("prog", "options");
    bad.usage(usage, false);
    bad.add()("db", po::value(&db), "");
    o = parse(bad, { "status", "--db" }, 2);
    CHECK(o.exit == 2);
    CHECK(o.err == "prog: the required argument for option '--db' is missing\n" + usage);

    hc::ProgramOptions quiet("prog", "options");
    quiet.usage(usage).quietUsageOnError();
    CaptureStreams cap;
    CHECK(quiet.usageError("unknown command 'x'") == 2);
    CHECK(cap.err() == "prog: unknown command 'x'\n"); // quiet: the message only
}

TEST_CASE("ProgramOptions: a short help name (-h) prints the help before the required options "
          "are checked; without it -h is an unknown option") {
    std::string image;
    hc::ProgramOptions opts("prog", "prog options", { "help,h", "show this help" });
    opts.add()("image", po::value(&image)->required(), "card image");
    auto o = parse(opts, { "-h" });
    CHECK(o.exit == 0);
    CHECK(o.out.find("-h [ --help ]") != std::string::npos);
    CHECK(o.out.find("--image") != std::string::npos);

    hc::ProgramOptions plain("prog", "prog options");
    plain.add()("image", po::value(&image)->required(), "card image");
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
