#include "hc/base/program_options.hpp"

#include "hc/base/log.hpp"

#include <iostream>

namespace po = boost::program_options;

namespace hc {

const char* middlewareVersion() noexcept {
    return HC_VERSION;
}

ProgramOptions::ProgramOptions(
    std::string program, const std::string& caption, const HelpOption& help)
    : m_program(std::move(program))
    , m_desc(caption) {
    m_desc.add_options()(help.names.c_str(), help.text.c_str());
    setUpLog(m_program);
}

po::options_description_easy_init ProgramOptions::add() {
    return m_desc.add_options();
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

ProgramOptions& ProgramOptions::usage(std::string text, bool listOptions) {
    m_usage = std::move(text);
    m_listOptions = listOptions;
    return *this;
}

ProgramOptions& ProgramOptions::positional(const std::string& name) {
    m_positional.add(name.c_str(), -1);
    return *this;
}

void ProgramOptions::printHelp(std::ostream& out) const {
    if (m_usage.empty()) {
        out << m_desc << "\n";
    } else if (m_listOptions) {
        out << m_usage << "\n" << m_desc;
    } else {
        out << m_usage;
    }
}

int ProgramOptions::usageError(const std::string& what) const {
    std::cerr << m_program << ": " << what << "\n";
    if (!m_usageOnError) {
        return 2;
    }
    if (m_usage.empty()) {
        std::cerr << m_desc << "\n";
    } else {
        std::cerr << m_usage;
    }
    return 2;
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
        po::command_line_parser parser(argc - (first - 1), argv + (first - 1));
        parser.options(m_desc);
        if (m_positional.max_total_count() != 0) {
            // Only then: Boost refuses words that are not options once positions are declared,
            // and ignores them otherwise (the programs without positional() keep that).
            parser.positional(m_positional);
        }
        po::store(parser.run(), m_values);
        if (m_values.count("help") != 0U) {
            printHelp(std::cout);
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
        return usageError(e.what());
    }
    return std::nullopt;
}

} // namespace hc
