#include "hc/base/program_options.hpp"

#include "hc/base/log.hpp"

#include <iostream>

namespace po = boost::program_options;

namespace hc {

const char* middlewareVersion() noexcept {
    return HC_VERSION;
}

ProgramOptions::ProgramOptions(std::string program, const std::string& caption)
    : m_program(std::move(program))
    , m_desc(caption) {
    m_desc.add_options()("help", "show this help and exit");
    setUpLog(m_program);
}

po::options_description_easy_init ProgramOptions::add() {
    return m_desc.add_options();
}

ProgramOptions& ProgramOptions::withShortHelp() {
    if (!m_shortHelp) {
        m_desc.add_options()(",h", "same as --help");
        m_shortHelp = true;
    }
    return *this;
}

ProgramOptions& ProgramOptions::withVersion() {
    if (!m_version) {
        m_desc.add_options()("version", "print the version and exit");
        m_version = true;
    }
    return *this;
}

ProgramOptions& ProgramOptions::withLogLevel() {
    if (!m_withLogLevel) {
        m_desc.add_options()("log-level", po::value(&m_logLevel)->default_value("info"),
            "error | warning | info | debug");
        m_withLogLevel = true;
    }
    return *this;
}

ProgramOptions& ProgramOptions::quietUsageOnError() {
    m_usageOnError = false;
    return *this;
}

ProgramOptions& ProgramOptions::check(std::function<void(const po::variables_map&)> fn) {
    m_check = std::move(fn);
    return *this;
}

std::optional<int> ProgramOptions::parse(int argc, char** argv, int first) {
    try {
        po::store(po::parse_command_line(argc - (first - 1), argv + (first - 1), m_desc), m_values);
        if (m_values.count("help") != 0U || (m_shortHelp && m_values.count("-h") != 0U)) {
            std::cout << m_desc << "\n";
            return 0;
        }
        if (m_version && m_values.count("version") != 0U) {
            std::cout << m_program << " " << middlewareVersion() << "\n";
            return 0;
        }
        po::notify(m_values);
        if (m_withLogLevel) {
            const auto level = parseLogLevel(m_logLevel);
            if (!level) {
                throw std::invalid_argument(
                    "--log-level: expected error, warning, info or debug, got '" + m_logLevel
                    + "'");
            }
            setUpLog(m_program, *level);
        }
        if (m_check) {
            m_check(m_values);
        }
    } catch (const std::exception& e) {
        std::cerr << m_program << ": " << e.what() << "\n";
        if (m_usageOnError) {
            std::cerr << m_desc << "\n";
        }
        return 2;
    }
    return std::nullopt;
}

} // namespace hc
