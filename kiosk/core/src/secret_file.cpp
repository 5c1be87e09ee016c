#include "hc/kiosk/core/secret_file.hpp"

#include "hc/base/error.hpp"
#include "hc/base/file_replace.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace hc::kiosk::core {

void requireOwnerOnly(const std::filesystem::path& file, const std::string& what) {
    struct stat st { };
    if (::stat(file.c_str(), &st) != 0) {
        throw hc::Error(what + ": cannot read " + file.string() + ": " + std::strerror(errno),
            NextStep::CheckConfiguration);
    }
    if ((st.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        throw hc::Error(what + ": " + file.string() + " is readable by group or others (mode "
                + mode + ") and holds a secret; refused. Run: chmod 600 " + file.string(),
            NextStep::CheckConfiguration);
    }
}

std::string readSecretFile(const std::filesystem::path& file, const std::string& what) {
    requireOwnerOnly(file, what);
    std::ifstream in(file, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    if (!in) {
        throw hc::Error(what + ": cannot read " + file.string(), NextStep::CheckConfiguration);
    }
    return std::move(ss).str();
}

void writeSecretFile(const std::filesystem::path& file, const std::string& text) {
    try {
        hc::replaceFile(file, text, 0600);
    } catch (const hc::FileReplaceError& e) {
        throw hc::Error(e.what(), NextStep::CheckConfiguration);
    }
}

} // namespace hc::kiosk::core
