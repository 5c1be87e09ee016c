// A program's command line: Boost.program_options with the handling every tool of the
// middleware shares. --help prints the options and exits 0; --version prints "<program>
// <version>" and exits 0; a bad command line (an unknown option, a missing required one, a value
// that does not parse) prints "<program>: <what was wrong, naming the option>" on stderr, then
// (unless told otherwise) the options, and exits 2.
//
//   hc::ProgramOptions opts("settlementd", "settlementd options");
//   opts.add()("db", po::value(&db)->required(), "ledger file");
//   if (const auto exit = opts.parse(argc, argv)) { return *exit; }
//
// The constructor also names the program in the log (hc/base/log.hpp: "<program>: ...").
// Not thread-safe; used from main() before the program's threads start.
#pragma once

#include <boost/program_options.hpp>
#include <functional>
#include <optional>
#include <string>

namespace hc {

/** The version every program prints for --version (the top-level CMake project's VERSION). */
const char* middlewareVersion() noexcept;

/** The options of one program and their parse. */
class ProgramOptions {
public:
    /** `program` prefixes every message ("settlementd: ..."); `caption` heads the --help text. */
    ProgramOptions(std::string program, const std::string& caption);

    /** Add options, as options_description::add_options(). "help" is added already. */
    boost::program_options::options_description_easy_init add();
    /** Also accept -h as --help (for the programs whose -h users rely on). */
    ProgramOptions& withShortHelp();
    /** Also accept --version (prints "<program> <version>", exits 0). */
    ProgramOptions& withVersion();
    /** Also accept --log-level error|warning|info|debug (default info) and set up the log
     *  (hc/base/log.hpp) with it. Without it the log writes Info and above. */
    ProgramOptions& withLogLevel();
    /** After a bad command line print only the message, not the options (default: both). */
    ProgramOptions& quietUsageOnError();
    /** A check run after the parse (required combinations of options): it throws
     *  std::exception whose message names the options; reported like a bad option (exit 2). */
    ProgramOptions& check(std::function<void(const boost::program_options::variables_map&)> fn);

    /** Parses argv[first..argc). nullopt: go on; otherwise the exit code for main() to return
     *  (0 after --help or --version, 2 after a bad command line, already reported). */
    std::optional<int> parse(int argc, char** argv, int first = 1);

    /** The parsed values. */
    const boost::program_options::variables_map& values() const { return m_values; }
    /** True when option `name` was given (or has a default). */
    bool has(const char* name) const { return m_values.count(name) != 0; }
    /** The options as --help prints them. */
    const boost::program_options::options_description& description() const { return m_desc; }
    /** The program name given to the constructor. */
    const std::string& program() const { return m_program; }

private:
    std::string m_program;
    boost::program_options::options_description m_desc;
    boost::program_options::variables_map m_values;
    std::function<void(const boost::program_options::variables_map&)> m_check;
    std::string m_logLevel;
    bool m_version = false;
    bool m_shortHelp = false;
    bool m_withLogLevel = false;
    bool m_usageOnError = true;
};

} // namespace hc
